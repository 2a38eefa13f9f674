import type { Callback, Context } from 'aws-lambda';
import type { DiscardCondition } from './on-failure.js';
import type { IteratorPosition } from './source.js';

/** `batchItemFailures` response shared by Kinesis and DynamoDB Streams handlers. */
export interface StreamBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** What a stream handler's promise may resolve to. */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler without a return value is Promise<void>, as in aws-lambda's KinesisStreamHandler.
export type StreamHandlerResult = StreamBatchResponse | undefined | void;

/** A promise for async handlers; nothing for callback-style ones. */
// biome-ignore lint/suspicious/noConfusingVoidType: aws-lambda's Handler type returns `void | Promise<R>`, and handlers typed with it must fit.
export type StreamHandlerReturn = Promise<StreamHandlerResult> | void;

/**
 * A Lambda handler for a stream event: an async function as in the Node.js
 * runtime, or a callback-style one (`KinesisStreamHandler` from
 * `aws-lambda` fits too).
 */
export type StreamHandler<TEvent> = (
  event: TEvent,
  context: Context,
  callback: Callback<StreamHandlerResult>,
) => StreamHandlerReturn;

/** How one invocation ended, from the mapping's point of view. */
export type InvocationOutcome =
  /** Returned; the whole batch is done. */
  | 'success'
  /** Returned `batchItemFailures` naming records of the batch. */
  | 'partial'
  /** Threw, rejected, or called back with an error. */
  | 'error'
  /** Ran past `functionTimeoutSeconds`. */
  | 'timeout'
  /** Returned a failure report Lambda would reject (empty, null or unknown item identifier). */
  | 'invalid-response';

interface BatchRef {
  readonly shardId: string;
  /** 0 … parallelizationFactor-1. */
  readonly lane: number;
  readonly batchSize: number;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
}

export interface InvokeEvent extends BatchRef {
  readonly requestId: string;
  /** 1 for the first invocation of these records. */
  readonly attempt: number;
}

export interface InvokedEvent extends InvokeEvent {
  readonly outcome: InvocationOutcome;
  readonly durationMs: number;
  /** Lowest reported failure, for `'partial'`. */
  readonly failedSequenceNumber?: string | undefined;
  /** What was thrown, or why the response was rejected. */
  readonly error?: unknown;
}

export interface RetryEvent extends BatchRef {
  /** Retries used so far (bisections and partial progress with bisection do not count). */
  readonly retryAttempt: number;
  readonly delayMs: number;
  readonly bisected: boolean;
}

export interface DiscardEvent extends BatchRef {
  readonly condition: DiscardCondition;
  readonly approximateInvokeCount: number;
  /** Whether an on-failure record reached the destination (false when none is configured). */
  readonly onFailureSent: boolean;
}

export interface CheckpointEvent {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export interface ShardEvent {
  readonly shardId: string;
}

export interface ShardStartedEvent extends ShardEvent {
  readonly position: IteratorPosition;
}

export interface PollErrorEvent {
  readonly shardId?: string | undefined;
  /** The call that failed, e.g. `GetRecords` or `Checkpoint`. */
  readonly operation: string;
  readonly error: unknown;
}

/**
 * Everything a mapping reports as it runs. (No `error` event: Node's
 * EventEmitter throws an unhandled `error`, and a local runner should keep
 * going through a flaky emulator call, as Lambda does.)
 */
export interface EventSourceMappingEventMap {
  invoke: [InvokeEvent];
  invoked: [InvokedEvent];
  retry: [RetryEvent];
  discard: [DiscardEvent];
  checkpoint: [CheckpointEvent];
  shardStarted: [ShardStartedEvent];
  /** A closed shard was read and processed to its end; its children may start. */
  shardEnded: [ShardEvent];
  /** Another runner took the shard over; this runner stopped reading it. */
  leaseLost: [ShardEvent];
  pollError: [PollErrorEvent];
}

export type MappingState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ShardStats {
  readonly shardId: string;
  readonly checkpoint: string | undefined;
  readonly lastReadSequenceNumber: string | undefined;
  /** From the last GetRecords. */
  readonly millisBehindLatest: number | undefined;
  /** Age of the last record of the last finished batch when it finished (Lambda's `IteratorAge`). */
  readonly iteratorAgeMs: number | undefined;
  /** Read, not yet finished. */
  readonly pendingRecords: number;
  readonly inFlightBatches: number;
  /** One entry per ParallelizationFactor lane. */
  readonly lanes: readonly LaneStats[];
}

export interface LaneStats {
  readonly lane: number;
  /** Read and waiting for a batch. */
  readonly queuedRecords: number;
  /** A batch of this lane is being invoked, retried or checkpointed. */
  readonly inFlight: boolean;
}

export interface EventSourceMappingStats {
  readonly state: MappingState;
  readonly invocations: number;
  /** Invocations with any outcome but `'success'`. */
  readonly failedInvocations: number;
  /** Records sent to the function, counting every retry. */
  readonly recordsDelivered: number;
  /** Records finished by a successful invocation. */
  readonly recordsSucceeded: number;
  readonly retries: number;
  readonly discardedBatches: number;
  readonly discardedRecords: number;
  readonly onFailureRecordsSent: number;
  readonly pollErrors: number;
  /** Largest `iteratorAgeMs` over the shards. */
  readonly maxIteratorAgeMs: number | undefined;
  readonly shards: readonly ShardStats[];
}
