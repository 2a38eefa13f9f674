// The `awsEndpoint` the global setup provides, typed for `inject`.
import '@atm-ledger/test-support';
