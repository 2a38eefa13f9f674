import { readBatchItemFailures } from '../shared/batch-item-failures.js';
import { compareSequenceNumbers } from './sequence-number.js';

/**
 * How Lambda reads a stream function's result, per "Configuring partial batch
 * response" for Kinesis and DynamoDB Streams.
 */
export type BatchOutcome =
  | { readonly kind: 'success' }
  /** Everything before `failedSequenceNumber` succeeded; it and everything after it is retried. */
  | { readonly kind: 'partial'; readonly failedSequenceNumber: string }
  /** The whole batch failed although the function returned: a malformed failure report. */
  | { readonly kind: 'invalid-response'; readonly reason: string };

/**
 * Classifies a returned (not thrown) result: the lowest reported sequence
 * number is where processing resumes.
 */
export function classifyBatchResponse(
  response: unknown,
  batchSequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  const read = readBatchItemFailures(
    response,
    batchSequenceNumbers,
    reportBatchItemFailures,
    'sequence number',
  );
  if (read.kind !== 'failed') return read;
  const lowest = [...read.ids].reduce((a, b) => (compareSequenceNumbers(b, a) < 0 ? b : a));
  return { kind: 'partial', failedSequenceNumber: lowest };
}
