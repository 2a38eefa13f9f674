export * from '@atm-ledger/local-aws/testing';
