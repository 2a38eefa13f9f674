import { buildOpenApiDocument } from '@atm-ledger/contracts';
import {
  createRouter,
  json,
  type MetricsSink,
  type ProblemMapping,
  requestOrigin,
} from '@atm-ledger/runtime';
import type { AcceptDeps } from '../application/acceptTransaction.js';
import { health } from '../application/health.js';
import type { HealthCheck } from '../ports.js';
import { postTransaction } from './postTransaction.js';

export type IngestDeps = AcceptDeps & {
  readonly health: readonly HealthCheck[];
  /** Accepted, refused, conflicting and failed counts (EMF); absent in tests that do not look at them. */
  readonly metrics?: MetricsSink | undefined;
};

/**
 * Ingest's HTTP routes (API Gateway HTTP API, payload v2), routed on
 * `routeKey`. The handler never looks at credentials: API Gateway checks IAM in
 * AWS and the local gateway checks the bearer token, so the same code serves both.
 */
export function makeHttpHandler(deps: IngestDeps) {
  // Built once: the schemas do not change while the function runs; only the server does.
  const openApi = buildOpenApiDocument();
  return createRouter<'ingest'>(
    {
      'POST /v1/transactions': (event) => postTransaction(deps, event),
      'GET /v1/openapi.json': async (event) => {
        const origin = requestOrigin(event);
        return json(
          200,
          origin === undefined ? openApi : { ...openApi, servers: [{ url: origin }] },
        );
      },
      'GET /v1/health': async () => {
        const body = await health(deps.health);
        return json(body.status === 'UP' ? 200 : 503, body);
      },
    },
    {
      logger: deps.logger,
      problems: PROBLEMS,
      metrics: deps.metrics,
      internalDetail: (correlationId) =>
        `Request ${correlationId} failed; it is logged under that id. Retrying with the same transactionId is safe.`,
    },
  );
}

/** Failures that leave the transaction unpublished and say nothing about the payload: the ATM retries. */
const unavailable = (dependency: string): ProblemMapping => ({
  status: 503,
  slug: 'unavailable',
  title: 'Temporarily unavailable',
  detail: (correlationId) =>
    `The transaction was not accepted; retry with the same transactionId (request ${correlationId})`,
  log: `${dependency} unavailable`,
});
const PROBLEMS = {
  PUBLISH_FAILED: unavailable('stream'),
  ACCEPTANCE_LOG_UNAVAILABLE: unavailable('acceptance log'),
};
