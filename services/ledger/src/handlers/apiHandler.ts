import { Identifier } from '@atm-ledger/contracts';
import {
  type Clock,
  createRouter,
  json,
  jsonOrNotFound,
  type Logger,
  type MetricsSink,
  type ProblemMapping,
  parsePathParameter,
} from '@atm-ledger/runtime';
import type { AccountCache } from '../application/accountCache.js';
import * as queries from '../application/queries.js';
import type { LedgerPolicy } from '../domain/index.js';
import type { AccountRegistry, AuthorizationStore, LedgerReader } from '../ports.js';
import { getAccount, getEntries, postAccount } from './accounts.js';
import { getAuthorization, postAuthorization } from './authorizations.js';

export interface ApiHandlerDeps {
  /** Reads, opening accounts and authorizing: the API never posts a transaction. */
  readonly store: LedgerReader & AccountRegistry & AuthorizationStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: MetricsSink | undefined;
  readonly policy: Pick<LedgerPolicy, 'holdTtlSeconds'>;
  /** The accounts this instance last saw, so an authorization is one write. */
  readonly cache?: AccountCache;
}

/** Error codes to HTTP statuses: the one place where domain errors meet HTTP. */
const PROBLEMS: Readonly<Record<string, ProblemMapping>> = {
  ACCOUNT_CONFLICT: {
    status: 409,
    slug: 'account-conflict',
    title: 'Account exists with different fields',
  },
  INVALID_CURSOR: { status: 400, slug: 'invalid-cursor', title: 'Invalid cursor' },
  STORE_RETRYABLE: { status: 503, slug: 'unavailable', title: 'Temporarily unavailable' },
  RETRIES_EXHAUSTED: { status: 503, slug: 'unavailable', title: 'Temporarily unavailable' },
};

/**
 * The ledger's HTTP API (accounts and reads), routed on API Gateway's
 * `routeKey`. Authentication happens before this handler: IAM in AWS, the
 * bearer token on the local gateway.
 */
export function makeApiHandler(deps: ApiHandlerDeps) {
  const { store } = deps;
  return createRouter<'ledger'>(
    {
      'POST /v1/accounts': (event) => postAccount(deps, event),
      'GET /v1/accounts/{accountId}': (event) => getAccount(deps, event),
      'GET /v1/accounts/{accountId}/entries': (event) => getEntries(deps, event),
      'GET /v1/transactions/{transactionId}': async (event) => {
        const id = parsePathParameter(event, 'transactionId', Identifier);
        if (!id.ok) return id.response;
        const view = queries.transactionView(store, id.value);
        return jsonOrNotFound(view, `Transaction ${id.value} was never seen`);
      },
      'GET /v1/ledger/trial-balance': async () => json(200, await queries.trialBalanceView(store)),
      'POST /v1/authorizations': (event) => postAuthorization(deps, event),
      'GET /v1/authorizations/{authorizationId}': (event) => getAuthorization(deps, event),
    },
    {
      logger: deps.logger,
      problems: PROBLEMS,
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    },
  );
}
