import { readBatchItemFailures } from '../shared/batch-item-failures.js';

/** How Lambda reads an SQS function's result. */
export type SqsBatchOutcome =
  | { readonly kind: 'success' }
  /** These messages failed; the others are deleted. */
  | { readonly kind: 'partial'; readonly failedMessageIds: ReadonlySet<string> }
  /** The whole batch failed although the function returned: a malformed failure report. */
  | { readonly kind: 'invalid-response'; readonly reason: string };

/**
 * Classifies a returned (not thrown) result, per "Handling errors for an SQS
 * event source" (partial batch responses): exactly the listed messages failed.
 */
export function classifySqsBatchResponse(
  response: unknown,
  batchMessageIds: readonly string[],
  reportBatchItemFailures: boolean,
): SqsBatchOutcome {
  const read = readBatchItemFailures(
    response,
    batchMessageIds,
    reportBatchItemFailures,
    'message id',
  );
  return read.kind === 'failed' ? { kind: 'partial', failedMessageIds: read.ids } : read;
}
