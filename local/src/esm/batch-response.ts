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
 * Classifies a returned (not thrown) result.
 *
 * Without ReportBatchItemFailures any return is a success. With it, a missing
 * or empty response and a missing, null or empty `batchItemFailures` list are
 * a success; an `itemIdentifier` that is missing, null, empty or not one of
 * the batch's sequence numbers fails the whole batch; otherwise the lowest
 * reported sequence number is where processing resumes.
 */
export function classifyBatchResponse(
  response: unknown,
  batchSequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  if (!reportBatchItemFailures || response === undefined || response === null) {
    return { kind: 'success' };
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'invalid-response', reason: 'response is not an object' };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'invalid-response', reason: 'batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { kind: 'success' };
  const inBatch = new Set(batchSequenceNumbers);
  let lowest: string | undefined;
  for (const failure of failures) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { kind: 'invalid-response', reason: 'itemIdentifier is missing, null or empty' };
    }
    if (!inBatch.has(id)) {
      return {
        kind: 'invalid-response',
        reason: `itemIdentifier ${JSON.stringify(id)} is not a sequence number of this batch`,
      };
    }
    if (lowest === undefined || compareSequenceNumbers(id, lowest) < 0) lowest = id;
  }
  // `lowest` is set: the list is non-empty and every entry returned early or assigned it.
  return lowest === undefined
    ? { kind: 'success' }
    : { kind: 'partial', failedSequenceNumber: lowest };
}
