import type { Callback, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { InvocationOutcome, MappingState } from '../esm/events.js';

/** What an SQS handler's promise may resolve to. */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler without a return value is Promise<void>, as in aws-lambda's SQSHandler.
export type SqsHandlerResult = SQSBatchResponse | undefined | void;

/**
 * A Lambda handler for an SQS event: an async function as in the Node.js
 * runtime, or a callback-style one (`SQSHandler` from `aws-lambda` fits too).
 */
export type SqsHandler = (
  event: SQSEvent,
  context: Context,
  callback: Callback<SqsHandlerResult>,
  // biome-ignore lint/suspicious/noConfusingVoidType: aws-lambda's Handler type returns `void | Promise<R>`, and handlers typed with it must fit.
) => Promise<SqsHandlerResult> | void;

export interface SqsInvokeEvent {
  readonly requestId: string;
  /** 0 … pollers-1. */
  readonly poller: number;
  readonly messageIds: readonly string[];
}

export interface SqsInvokedEvent extends SqsInvokeEvent {
  readonly outcome: InvocationOutcome;
  readonly durationMs: number;
  /** Messages left on the queue to be received again after their visibility timeout. */
  readonly failedMessageIds: readonly string[];
  /** What was thrown, or why the response was rejected. */
  readonly error?: unknown;
}

export interface SqsDeletedEvent {
  readonly messageIds: readonly string[];
}

export interface SqsPollErrorEvent {
  /** The call that failed, e.g. `ReceiveMessage` or `DeleteMessageBatch`. */
  readonly operation: string;
  readonly error: unknown;
}

/** Everything an SQS mapping reports as it runs (no `error` event, as for the stream mappings). */
export interface SqsEventSourceMappingEventMap {
  invoke: [SqsInvokeEvent];
  invoked: [SqsInvokedEvent];
  deleted: [SqsDeletedEvent];
  pollError: [SqsPollErrorEvent];
}

export interface SqsEventSourceMappingStats {
  readonly state: MappingState;
  readonly invocations: number;
  /** Invocations with any outcome but `'success'`. */
  readonly failedInvocations: number;
  /** Messages received, counting every redelivery. */
  readonly messagesReceived: number;
  /** Messages deleted after a successful invocation. */
  readonly messagesDeleted: number;
  /** Messages left for redelivery (reported failed, or in a failed invocation). */
  readonly messagesFailed: number;
  readonly pollErrors: number;
  readonly inFlightBatches: number;
}
