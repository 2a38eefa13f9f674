import {
  type AtmTransaction,
  type AtmTransactionRecord,
  type BusinessField,
  buildOpenApiDocument,
  differingFields,
  type Health,
  PostTransactionRequest,
  type TransactionAccepted,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import {
  type Clock,
  correlationIdOf,
  createRouter,
  type FieldError,
  type HttpResult,
  headerValue,
  json,
  type Logger,
  type MetricsSink,
  MetricUnit,
  type ProblemMapping,
  parseJsonBody,
  problem,
  type Routes,
} from '@atm-ledger/runtime';
import type { AcceptanceLog, HealthCheck, TransactionPublisher } from '../ports.js';

export interface IngestDeps {
  readonly publisher: TransactionPublisher;
  readonly acceptance: AcceptanceLog;
  readonly health: readonly HealthCheck[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Accepted, refused, conflicting and failed counts (EMF); absent in tests that do not look at them. */
  readonly metrics?: MetricsSink;
}

/**
 * Ingest's HTTP routes (API Gateway HTTP API, payload v2), routed on
 * `routeKey`. The handler never looks at credentials: API Gateway checks IAM in
 * AWS and the local gateway checks the bearer token, so the same code serves both.
 */
export function makeHttpHandler(deps: IngestDeps) {
  let openApi: string | undefined;

  const routes: Routes<'ingest'> = {
    'POST /v1/transactions': async (event) => {
      const body = parseJsonBody(event, PostTransactionRequest);
      if (!body.ok) {
        deps.metrics?.addMetric('RequestsRefused', MetricUnit.Count, 1);
        return body.response;
      }
      const correlationId = correlationIdOf(event);
      const now = deps.clock.now();
      const transaction = toAtmTransaction(body.value);
      const record: AtmTransactionRecord = {
        type: 'atm.transaction.accepted',
        schemaVersion: 1,
        id: transaction.transactionId,
        correlationId,
        receivedAt: now.toISOString(),
        transaction,
      };
      // The door comes first: a payload that does not hold the id never reaches the stream.
      const claim = await deps.acceptance.claim(transaction, now);
      if (claim.kind === 'HeldByAnotherPayload') {
        deps.logger.warn('transaction id held by another payload', {
          correlationId,
          transactionId: transaction.transactionId,
          fields: differingFields(claim.holder, transaction),
        });
        deps.metrics?.addMetric('RequestsConflicting', MetricUnit.Count, 1);
        return idempotencyConflict(claim.holder, transaction, correlationId);
      }
      // Published again on a retry of the same payload: the first put may have been lost, and
      // the ledger applies an id once however often it arrives.
      await deps.publisher.publish([record]);
      deps.logger.info('transaction accepted', {
        correlationId,
        transactionId: transaction.transactionId,
        type: transaction.type,
      });
      deps.metrics?.addMetric('TransactionsAccepted', MetricUnit.Count, 1);
      const accepted: TransactionAccepted = {
        transactionId: transaction.transactionId,
        status: 'ACCEPTED',
      };
      return json(202, accepted, { 'x-correlation-id': correlationId });
    },
    'GET /v1/openapi.json': async (event) => {
      const host = headerValue(event, 'host');
      const proto = headerValue(event, 'x-forwarded-proto') ?? 'http';
      openApi ??= JSON.stringify(
        buildOpenApiDocument(host === undefined ? {} : { serverUrl: `${proto}://${host}` }),
      );
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: openApi };
    },
    'GET /v1/health': async () => {
      const results = await Promise.all(
        deps.health.map(async (h) => {
          try {
            const r = await h.check();
            return [
              h.name,
              { status: r.up ? 'UP' : 'DOWN', ...(r.detail ? { detail: r.detail } : {}) },
            ] as const;
          } catch (error) {
            return [h.name, { status: 'DOWN', detail: (error as Error).name || 'error' }] as const;
          }
        }),
      );
      const body: Health = {
        status: results.every(([, r]) => r.status === 'UP') ? 'UP' : 'DOWN',
        checks: Object.fromEntries(results),
      };
      return json(body.status === 'UP' ? 200 : 503, body);
    },
  };

  return createRouter<'ingest'>(routes, {
    logger: deps.logger,
    problems: PROBLEMS,
    internalDetail: (correlationId) =>
      `Request ${correlationId} failed; it is logged under that id. Retrying with the same transactionId is safe.`,
    metrics: deps.metrics,
  });
}

/**
 * Failures that leave the transaction unpublished and say nothing about the
 * payload: the ATM retries with the same id. Logged by the dependency that failed.
 */
const unavailable = (dependency: string): ProblemMapping => ({
  status: 503,
  slug: 'unavailable',
  title: 'Temporarily unavailable',
  detail: (correlationId) =>
    `The transaction was not accepted; retry with the same transactionId (request ${correlationId})`,
  log: `${dependency} unavailable`,
});
const PROBLEMS: Readonly<Record<string, ProblemMapping>> = {
  PUBLISH_FAILED: unavailable('stream'),
  ACCEPTANCE_LOG_UNAVAILABLE: unavailable('acceptance log'),
};

/** A request field for each business field; the marker keeps only the PAN's last 4 digits. */
const REQUEST_FIELD: Partial<Record<BusinessField, string>> = { panLast4: 'pan' };

function conflictMessage(field: BusinessField): string {
  // Only the last 4 digits are compared (the marker holds no more), and none are shown.
  if (field === 'panLast4') return 'is not the card this transactionId was accepted with';
  return 'differs from the payload this transactionId was accepted with';
}

/** 409 for a transaction id another payload holds: which fields differ, and nothing of either PAN. */
function idempotencyConflict(
  holder: AtmTransaction,
  transaction: AtmTransaction,
  correlationId: string,
): HttpResult {
  const errors: FieldError[] = differingFields(holder, transaction).map((field) => ({
    field: REQUEST_FIELD[field] ?? field,
    message: conflictMessage(field),
  }));
  const result = problem(
    409,
    'idempotency-conflict',
    'Transaction id already used',
    `Transaction ${transaction.transactionId} was already accepted with a different payload; nothing was published. A new transaction needs a new transactionId.`,
    errors,
  );
  return { ...result, headers: { ...result.headers, 'x-correlation-id': correlationId } };
}
