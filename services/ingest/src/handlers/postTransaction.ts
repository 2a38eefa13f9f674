import { PostTransactionRequest } from '@atm-ledger/contracts';
import {
  correlationIdOf,
  type HttpEvent,
  type HttpResult,
  json,
  MetricUnit,
  parseJsonBody,
  problem,
  withHeaders,
} from '@atm-ledger/runtime';
import { acceptTransaction, conflictingFields } from '../application/acceptTransaction.js';
import type { IngestDeps } from './httpHandler.js';

/**
 * `POST /v1/transactions`: 202 once the transaction is on the stream, 409
 * naming the fields when its id is another payload's, 400 for a body the
 * contract refuses. Every answer carries the correlation id the ledger logs.
 */
export async function postTransaction(deps: IngestDeps, event: HttpEvent): Promise<HttpResult> {
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  const body = parseJsonBody(event, PostTransactionRequest);
  if (!body.ok) {
    count('RequestsRefused');
    return body.response;
  }
  const correlationId = correlationIdOf(event);
  const outcome = await acceptTransaction(deps, body.value, correlationId);
  const id = outcome.transaction.transactionId;
  let result: HttpResult;
  if (outcome.kind === 'Accepted') {
    count('TransactionsAccepted');
    result = json(202, { transactionId: id, status: 'ACCEPTED' });
  } else {
    count('RequestsConflicting');
    result = problem(
      409,
      'idempotency-conflict',
      'Transaction id already used',
      `Transaction ${id} was already accepted with a different payload; nothing was published. A new transaction needs a new transactionId.`,
      conflictingFields(outcome.holder, outcome.transaction),
    );
  }
  return withHeaders(result, { 'x-correlation-id': correlationId });
}
