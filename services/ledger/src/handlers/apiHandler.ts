import { EntriesQuery, Identifier, OpenAccountRequest } from '@atm-ledger/contracts';
import {
  type Clock,
  createRouter,
  json,
  jsonOrNotFound,
  type Logger,
  type MetricsSink,
  type ProblemMapping,
  parseJsonBody,
  parsePathParameter,
  validationProblem,
} from '@atm-ledger/runtime';
import type { AccountCache } from '../application/accountCache.js';
import { openAccount } from '../application/openAccount.js';
import * as queries from '../application/queries.js';
import type { LedgerPolicy } from '../domain/index.js';
import type { AccountRegistry, AuthorizationStore, LedgerReader } from '../ports.js';
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
      'POST /v1/accounts': async (event) => {
        const body = parseJsonBody(event, OpenAccountRequest);
        if (!body.ok) return body.response;
        const { created, account } = await openAccount(deps, body.value);
        const view = queries.toAccountView(account);
        if (!created) return json(200, view);
        return json(201, view, { location: `/v1/accounts/${account.accountId}` });
      },
      'GET /v1/accounts/{accountId}': async (event) => {
        const id = parsePathParameter(event, 'accountId', Identifier);
        if (!id.ok) return id.response;
        return jsonOrNotFound(queries.accountView(store, id.value), `No account ${id.value}`);
      },
      'GET /v1/accounts/{accountId}/entries': async (event) => {
        const id = parsePathParameter(event, 'accountId', Identifier);
        if (!id.ok) return id.response;
        const query = EntriesQuery.safeParse(event.queryStringParameters ?? {});
        if (!query.success) return validationProblem(query.error, 'query');
        const page = queries.entriesPage(store, id.value, query.data);
        return jsonOrNotFound(page, `No account ${id.value}`);
      },
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
