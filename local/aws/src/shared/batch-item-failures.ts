/**
 * Reads a function's partial batch response the way Lambda does, for every
 * event source that supports ReportBatchItemFailures (Kinesis, DynamoDB
 * Streams, SQS).
 *
 * Without ReportBatchItemFailures any return is a success. With it, a missing
 * or empty response and a missing, null or empty `batchItemFailures` list are
 * a success; an `itemIdentifier` that is missing, null, empty or not an id of
 * the batch fails the whole batch; otherwise the listed ids failed.
 */
export type BatchItemFailures =
  | { readonly kind: 'success' }
  | { readonly kind: 'failed'; readonly ids: ReadonlySet<string> }
  | { readonly kind: 'invalid-response'; readonly reason: string };

export function readBatchItemFailures(
  response: unknown,
  batchIds: readonly string[],
  reportBatchItemFailures: boolean,
  /** What an id of this source is called, for the reason of an invalid report. */
  idName: string,
): BatchItemFailures {
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
  const inBatch = new Set(batchIds);
  const ids = new Set<string>();
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
        reason: `itemIdentifier ${JSON.stringify(id)} is not a ${idName} of this batch`,
      };
    }
    ids.add(id);
  }
  return { kind: 'failed', ids };
}
