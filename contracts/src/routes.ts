/**
 * Every HTTP route, the function that serves it, and whether it needs a
 * caller identity. API Gateway (infra) and the local gateway are both built
 * from this table, so they cannot drift apart.
 */
export const ROUTES = [
  { routeKey: 'POST /v1/transactions', service: 'ingest', authenticated: true },
  { routeKey: 'GET /v1/openapi.json', service: 'ingest', authenticated: false },
  { routeKey: 'GET /v1/health', service: 'ingest', authenticated: false },
  { routeKey: 'POST /v1/accounts', service: 'ledger', authenticated: true },
  { routeKey: 'GET /v1/accounts/{accountId}', service: 'ledger', authenticated: true },
  { routeKey: 'GET /v1/accounts/{accountId}/entries', service: 'ledger', authenticated: true },
  { routeKey: 'GET /v1/transactions/{transactionId}', service: 'ledger', authenticated: true },
  { routeKey: 'GET /v1/ledger/trial-balance', service: 'ledger', authenticated: true },
  { routeKey: 'POST /v1/authorizations', service: 'ledger', authenticated: true },
  {
    routeKey: 'GET /v1/authorizations/{authorizationId}',
    service: 'ledger',
    authenticated: true,
  },
] as const satisfies readonly {
  routeKey: string;
  service: 'ingest' | 'ledger';
  authenticated: boolean;
}[];

export type Route = (typeof ROUTES)[number];
export type RouteKey = Route['routeKey'];
export type ServiceName = Route['service'];
