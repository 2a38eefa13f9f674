/** How Lambda reads an SQS function's result. */
export type SqsBatchOutcome =
  | { readonly kind: 'success' }
  /** These messages failed; the others are deleted. */
  | { readonly kind: 'partial'; readonly failedMessageIds: ReadonlySet<string> }
  /** The whole batch failed although the function returned: a malformed failure report. */
  | { readonly kind: 'invalid-response'; readonly reason: string };

/**
 * Classifies a returned (not thrown) result, per "Handling errors for an SQS
 * event source" (partial batch responses).
 *
 * Without ReportBatchItemFailures any return is a success. With it, a missing
 * or empty response and a missing, null or empty `batchItemFailures` are a
 * success; an `itemIdentifier` that is missing, null, empty or not a message
 * id of the batch fails the whole batch; otherwise exactly the listed
 * messages failed.
 */
export function classifySqsBatchResponse(
  response: unknown,
  batchMessageIds: readonly string[],
  reportBatchItemFailures: boolean,
): SqsBatchOutcome {
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
  const inBatch = new Set(batchMessageIds);
  const failed = new Set<string>();
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
        reason: `itemIdentifier ${JSON.stringify(id)} is not a message id of this batch`,
      };
    }
    failed.add(id);
  }
  return { kind: 'partial', failedMessageIds: failed };
}
