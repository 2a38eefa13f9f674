import { createHash, randomUUID } from 'node:crypto';
import { pause, retryDelayMs } from '../shared/timing.js';
import { classifyBatchResponse } from './batch-response.js';
import { type DynamoDbCheckpointStore, LeaseLostError } from './checkpoint-store.js';
import { CheckpointTracker } from './checkpoint-tracker.js';
import type { StreamEventSourceMappingConfig } from './config.js';
import type {
  EventSourceMappingEventMap,
  InvocationOutcome,
  ShardStats,
  StreamHandler,
} from './events.js';
import { createLambdaContext } from './lambda-context.js';
import {
  buildOnFailureRecord,
  type DiscardCondition,
  type SqsOnFailureDestination,
} from './on-failure.js';
import { compareSequenceNumbers } from './sequence-number.js';
import type { IteratorPosition, ShardDescription, SourceRecord, StreamSource } from './source.js';
import { Signal } from './timing.js';

/** Lambda's synchronous invocation payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Counters shared by all shards of a mapping. */
export interface MappingCounters {
  invocations: number;
  failedInvocations: number;
  recordsDelivered: number;
  recordsSucceeded: number;
  retries: number;
  discardedBatches: number;
  discardedRecords: number;
  onFailureRecordsSent: number;
  pollErrors: number;
}

export interface ShardWorkerDeps<TPayload, TEvent> {
  readonly config: StreamEventSourceMappingConfig;
  readonly source: StreamSource<TPayload, TEvent>;
  readonly store: DynamoDbCheckpointStore;
  readonly owner: string;
  readonly handler: StreamHandler<TEvent>;
  /** Records it refuses are finished at once, never batched (the mapping's filter criteria). */
  readonly filter?: ((payload: TPayload) => boolean) | undefined;
  readonly functionArn: string;
  readonly onFailure: SqsOnFailureDestination | undefined;
  readonly counters: MappingCounters;
  readonly emit: <K extends keyof EventSourceMappingEventMap>(
    event: K,
    ...args: EventSourceMappingEventMap[K]
  ) => void;
}

/** Why a worker stopped. */
export type ShardWorkerExit = 'ended' | 'stopped' | 'lease-lost' | 'not-found';

type Outcome =
  | { kind: 'success' }
  | { kind: 'partial'; failedSequenceNumber: string }
  | { kind: 'error' | 'timeout' | 'invalid-response'; error: unknown };

class Lane<TPayload> {
  readonly records: SourceRecord<TPayload>[] = [];
  /** When the head record entered the lane; the batching window counts from here. */
  headSince = 0;
  inFlight = false;
  readonly wake = new Signal();

  constructor(readonly index: number) {}

  push(record: SourceRecord<TPayload>): void {
    if (this.records.length === 0) this.headSince = Date.now();
    this.records.push(record);
  }

  /** Puts records back at the head (the untried half of a bisected batch). */
  unshift(records: readonly SourceRecord<TPayload>[]): void {
    if (records.length === 0) return;
    if (this.records.length === 0) this.headSince = Date.now();
    this.records.unshift(...records);
  }

  take(maxRecords: number): SourceRecord<TPayload>[] {
    let bytes = 0;
    let n = 0;
    for (const r of this.records) {
      if (n >= maxRecords || (n > 0 && bytes + r.sizeBytes > MAX_PAYLOAD_BYTES)) break;
      bytes += r.sizeBytes;
      n++;
    }
    const batch = this.records.splice(0, n);
    this.headSince = Date.now();
    return batch;
  }
}

/**
 * Reads one shard under a lease and drives its records through the function:
 * batching, per-lane ordering, retries, discards and checkpoints. One worker
 * per leased shard; the mapping starts and stops them.
 */
export class ShardWorker<TPayload, TEvent> {
  readonly shardId: string;
  #shard: ShardDescription;
  readonly #deps: ShardWorkerDeps<TPayload, TEvent>;
  readonly #initial: IteratorPosition;
  readonly #lanes: Lane<TPayload>[];
  readonly #tracker = new CheckpointTracker();
  readonly #space = new Signal();
  /** Notified by {@link wake}; `#woken` keeps a wake that came while a read was in flight. */
  readonly #wakeUp = new Signal();
  #woken = false;
  #lastPollAt = 0;
  #lastCheckpointAt = 0;
  /** Graceful stop: no new reads, invocations or retries. */
  readonly #stop = new AbortController();
  /** Hard stop: stop waiting for in-flight invocations and checkpoint writes. */
  readonly #abandon = new AbortController();
  readonly #maxPending: number;
  #lastRead: string | undefined;
  #checkpoint: string | undefined;
  #desiredCheckpoint: string | undefined;
  #writes: Promise<void> = Promise.resolve();
  #reachedEnd = false;
  #exit: ShardWorkerExit | undefined;
  #millisBehindLatest: number | undefined;
  #iteratorAgeMs: number | undefined;
  #readyResolve!: () => void;
  /** Resolves once the first shard iterator is obtained (or the worker gave up). */
  readonly ready: Promise<void>;
  /** Resolves when the worker has stopped and, unless the lease was lost, released it. */
  readonly done: Promise<ShardWorkerExit>;

  constructor(
    deps: ShardWorkerDeps<TPayload, TEvent>,
    shard: ShardDescription,
    initial: IteratorPosition,
    checkpoint: string | undefined,
  ) {
    this.#deps = deps;
    this.shardId = shard.shardId;
    this.#shard = shard;
    this.#initial = initial;
    this.#checkpoint = checkpoint;
    const { parallelizationFactor, batchSize } = deps.config;
    this.#lanes = Array.from({ length: parallelizationFactor }, (_, i) => new Lane<TPayload>(i));
    // Room for every lane to gather a full batch while another is in flight.
    this.#maxPending = Math.max(1_000, 2 * batchSize * parallelizationFactor);
    this.ready = new Promise((resolve) => {
      this.#readyResolve = resolve;
    });
    this.done = this.#run();
  }

  /** Latest listing of the shard (it may have closed since the worker started). */
  updateShard(shard: ShardDescription): void {
    this.#shard = shard;
  }

  /** Stops reading and invoking; an in-flight invocation is awaited (and checkpointed if it succeeds). */
  stop(): void {
    this.#stop.abort();
    for (const lane of this.#lanes) lane.wake.notify();
  }

  /** Also stops waiting for in-flight invocations: their batches are left uncheckpointed. */
  abandon(): void {
    this.stop();
    this.#abandon.abort();
  }

  stats(): ShardStats {
    return {
      shardId: this.shardId,
      checkpoint: this.#checkpoint,
      lastReadSequenceNumber: this.#lastRead,
      millisBehindLatest: this.#millisBehindLatest,
      iteratorAgeMs: this.#iteratorAgeMs,
      pendingRecords: this.#tracker.pending,
      inFlightBatches: this.#lanes.filter((l) => l.inFlight).length,
      lanes: this.#lanes.map((l) => ({
        lane: l.index,
        queuedRecords: l.records.length,
        inFlight: l.inFlight,
      })),
    };
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted || this.#exit !== undefined;
  }

  async #run(): Promise<ShardWorkerExit> {
    const renewal = new AbortController();
    const renewing = this.#renewLeases(renewal.signal);
    try {
      const results = await Promise.allSettled([
        this.#read(),
        ...this.#lanes.map((lane) => this.#runLane(lane)),
      ]);
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
      }
      if (this.#exit === undefined) await this.#flushCheckpoint();
      if (
        this.#exit === undefined &&
        this.#reachedEnd &&
        !this.#stop.signal.aborted &&
        this.#tracker.pending === 0
      ) {
        await this.#deps.store.markEnded(
          this.#deps.config.mappingId,
          this.shardId,
          this.#deps.owner,
        );
        this.#exit = 'ended';
        this.#deps.emit('shardEnded', { shardId: this.shardId });
      }
    } catch (e) {
      if (e instanceof LeaseLostError) this.#loseLease();
      else this.#pollError('ShardWorker', e);
    } finally {
      this.#readyResolve();
      const exit = this.#exit;
      this.#exit ??= 'stopped';
      this.abandon();
      // Renewal runs until here, so a long in-flight invocation during a graceful stop keeps the lease.
      renewal.abort();
      await renewing;
      if (exit === undefined || exit === 'not-found') {
        await this.#deps.store
          .releaseLease(this.#deps.config.mappingId, this.shardId, this.#deps.owner)
          .catch((e: unknown) => this.#pollError('ReleaseLease', e));
      }
    }
    return this.#exit;
  }

  // ---- reading -----------------------------------------------------------

  async #read(): Promise<void> {
    const { source, config } = this.#deps;
    const signal = this.#stop.signal;
    let iterator: string | undefined;
    let failures = 0;
    let emptyPolls = 0;
    while (!this.#stopping) {
      try {
        if (iterator === undefined) {
          iterator = await source.getShardIterator(this.shardId, this.#resumePosition(), signal);
          this.#readyResolve();
        }
        const room = this.#maxPending - this.#tracker.pending;
        if (room <= 0) {
          await this.#space.wait(config.pollIntervalMs, signal);
          continue;
        }
        this.#lastPollAt = Date.now();
        const out = await source.getRecords(
          iterator,
          Math.min(room, source.maxRecordsPerRead),
          signal,
        );
        failures = 0;
        iterator = out.nextIterator;
        this.#millisBehindLatest = out.millisBehindLatest;
        if (out.records.length > 0) this.#dispatch(out.records);
        if (iterator === undefined || (out.records.length === 0 && this.#closedAndDrained(out))) {
          this.#reachedEnd = true;
          break;
        }
        if (out.records.length === 0) {
          emptyPolls++;
          await this.#idle(emptyPolls, signal);
        } else {
          emptyPolls = 0;
        }
      } catch (e) {
        if (this.#stopping) break;
        const kind = source.classifyError(e);
        if (kind === 'expired-iterator') {
          iterator = undefined;
          continue;
        }
        this.#pollError(iterator === undefined ? 'GetShardIterator' : 'GetRecords', e);
        // start() should not hang on a shard that cannot be positioned; reading keeps retrying.
        this.#readyResolve();
        if (kind === 'not-found') {
          this.#exit = 'not-found';
          break;
        }
        failures++;
        await pause(retryDelayMs(config.retryBackoff, failures), signal);
      }
    }
    for (const lane of this.#lanes) lane.wake.notify();
  }

  /**
   * Sleeps after the `emptyPolls`-th empty read in a row: `pollIntervalMs`,
   * doubling up to `idlePollIntervalMs`, cut short by {@link wake} (but never
   * to less than `pollIntervalMs` after the last read began).
   */
  async #idle(emptyPolls: number, signal: AbortSignal): Promise<void> {
    const { pollIntervalMs, idlePollIntervalMs } = this.#deps.config;
    const backoff = Math.min(
      Math.max(pollIntervalMs, idlePollIntervalMs),
      pollIntervalMs * 2 ** Math.min(20, emptyPolls - 1),
    );
    if (!this.#woken) await this.#wakeUp.wait(backoff, signal);
    this.#woken = false;
    const floor = this.#lastPollAt + pollIntervalMs - Date.now();
    if (floor > 0) await pause(floor, signal);
  }

  /** Something was just written to the shard's stream: read it now rather than after an idle sleep. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp.notify();
  }

  #resumePosition(): IteratorPosition {
    const after = this.#lastRead ?? this.#checkpoint;
    return after === undefined
      ? this.#initial
      : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after };
  }

  /**
   * AWS ends a closed shard by returning no next iterator; some emulators
   * never do, so a closed shard that reads empty while caught up (or past its
   * ending sequence number) counts as ended too.
   */
  #closedAndDrained(out: { millisBehindLatest?: number | undefined }): boolean {
    const ending = this.#shard.endingSequenceNumber;
    if (ending === undefined) return false;
    const position = this.#lastRead ?? this.#checkpoint;
    if (position !== undefined) return compareSequenceNumbers(position, ending) >= 0;
    // Nothing read yet (an empty shard, or a LATEST start): only "caught up" tells.
    return out.millisBehindLatest === 0;
  }

  #dispatch(read: readonly SourceRecord<TPayload>[]): void {
    this.#tracker.add(read.map((r) => r.sequenceNumber));
    this.#lastRead = read.at(-1)?.sequenceNumber ?? this.#lastRead;
    const filter = this.#deps.filter;
    const records = filter === undefined ? read : read.filter((r) => filter(r.payload));
    if (records.length < read.length) {
      const kept = new Set(records);
      this.#skip(read.filter((r) => !kept.has(r)));
    }
    const touched = new Set<Lane<TPayload>>();
    for (const record of records) {
      const lane = this.#laneOf(record.partitionKey);
      lane.push(record);
      touched.add(lane);
    }
    for (const lane of touched) lane.wake.notify();
  }

  /** Finishes records the filter dropped; the checkpoint may move past them once all before are done. */
  #skip(records: readonly SourceRecord<TPayload>[]): void {
    const advancedTo = this.#tracker.complete(records.map((r) => r.sequenceNumber));
    this.#space.notify();
    if (advancedTo === undefined) return;
    if (
      this.#desiredCheckpoint === undefined ||
      compareSequenceNumbers(advancedTo, this.#desiredCheckpoint) > 0
    ) {
      this.#desiredCheckpoint = advancedTo;
    }
    this.#flushCheckpoint().catch((e: unknown) => this.#pollError('Checkpoint', e));
  }

  #laneOf(partitionKey: string): Lane<TPayload> {
    const lanes = this.#lanes;
    if (lanes.length === 1) return lanes[0] as Lane<TPayload>;
    const index = createHash('md5').update(partitionKey).digest().readUInt32BE(0) % lanes.length;
    return lanes[index] as Lane<TPayload>;
  }

  // ---- processing --------------------------------------------------------

  async #runLane(lane: Lane<TPayload>): Promise<void> {
    while (!this.#stopping) {
      const batch = await this.#nextBatch(lane);
      if (batch === undefined) {
        if (this.#reachedEnd && lane.records.length === 0) return;
        continue;
      }
      lane.inFlight = true;
      try {
        await this.#process(lane, batch);
      } finally {
        lane.inFlight = false;
      }
    }
  }

  /** Waits for records, then for the batching window to fill the batch; `undefined` if stopping or the shard ended. */
  async #nextBatch(lane: Lane<TPayload>): Promise<SourceRecord<TPayload>[] | undefined> {
    const { batchSize, maximumBatchingWindowInSeconds } = this.#deps.config;
    const signal = this.#stop.signal;
    while (lane.records.length === 0) {
      if (this.#stopping || this.#reachedEnd) return undefined;
      await lane.wake.wait(1_000, signal);
    }
    const windowMs = maximumBatchingWindowInSeconds * 1000;
    if (windowMs > 0) {
      for (;;) {
        const remaining = lane.headSince + windowMs - Date.now();
        if (lane.records.length >= batchSize || remaining <= 0) break;
        if (this.#stopping || this.#reachedEnd) break;
        await lane.wake.wait(remaining, signal);
      }
    }
    if (this.#stopping) return undefined;
    return lane.take(batchSize);
  }

  async #process(lane: Lane<TPayload>, batch: SourceRecord<TPayload>[]): Promise<void> {
    const { config } = this.#deps;
    const maxAgeMs = config.maximumRecordAgeInSeconds * 1000;
    let records = batch;
    let retriesUsed = 0;
    let invokeCount = 0;
    let last: { requestId: string; functionError: boolean } | undefined;
    for (;;) {
      if (config.maximumRecordAgeInSeconds >= 0) {
        const now = Date.now();
        let expired = 0;
        while (expired < records.length) {
          const r = records[expired] as SourceRecord<TPayload>;
          if (now - r.approximateArrival.getTime() <= maxAgeMs) break;
          expired++;
        }
        if (expired > 0) {
          const discarded = records.slice(0, expired);
          records = records.slice(expired);
          if (!(await this.#discard(lane, discarded, 'RecordAgeExceeded', invokeCount, last))) {
            return;
          }
          if (records.length === 0) return;
        }
      }
      if (this.#stopping) return;

      const requestId = randomUUID();
      const started = Date.now();
      const ref = this.#ref(lane, records);
      this.#deps.counters.invocations++;
      this.#deps.counters.recordsDelivered += records.length;
      this.#deps.emit('invoke', { ...ref, requestId, attempt: invokeCount + 1 });
      const outcome = await this.#invoke(records, requestId, started);
      if (outcome === 'abandoned') return;
      invokeCount++;
      const kind: InvocationOutcome = outcome.kind;
      if (kind !== 'success') this.#deps.counters.failedInvocations++;
      this.#deps.emit('invoked', {
        ...ref,
        requestId,
        attempt: invokeCount,
        outcome: kind,
        durationMs: Date.now() - started,
        failedSequenceNumber: outcome.kind === 'partial' ? outcome.failedSequenceNumber : undefined,
        error: 'error' in outcome ? outcome.error : undefined,
      });
      last = { requestId, functionError: outcome.kind === 'error' || outcome.kind === 'timeout' };

      let consumesRetry = true;
      let bisected = false;
      if (outcome.kind === 'success') {
        this.#deps.counters.recordsSucceeded += records.length;
        await this.#complete(records);
        return;
      }
      if (outcome.kind === 'partial') {
        const at = records.findIndex((r) => r.sequenceNumber === outcome.failedSequenceNumber);
        if (at > 0) {
          const succeeded = records.slice(0, at);
          this.#deps.counters.recordsSucceeded += succeeded.length;
          await this.#complete(succeeded);
          records = records.slice(at);
          // "Bisected at the returned sequence number": progress was made, so no retry is used.
          if (config.bisectBatchOnFunctionError) consumesRetry = false;
        }
      } else if (
        (outcome.kind === 'error' || outcome.kind === 'timeout') &&
        config.bisectBatchOnFunctionError &&
        records.length > 1
      ) {
        const half = Math.ceil(records.length / 2);
        lane.unshift(records.slice(half));
        records = records.slice(0, half);
        consumesRetry = false;
        bisected = true;
      }
      if (consumesRetry) retriesUsed++;
      if (config.maximumRetryAttempts >= 0 && retriesUsed > config.maximumRetryAttempts) {
        await this.#discard(lane, records, 'RetryAttemptsExhausted', invokeCount, last);
        return;
      }
      if (this.#stopping) return;
      const delayMs = retryDelayMs(config.retryBackoff, Math.max(1, retriesUsed));
      this.#deps.counters.retries++;
      this.#deps.emit('retry', {
        ...this.#ref(lane, records),
        retryAttempt: retriesUsed,
        delayMs,
        bisected,
      });
      await pause(delayMs, this.#stop.signal);
    }
  }

  async #invoke(
    records: readonly SourceRecord<TPayload>[],
    requestId: string,
    started: number,
  ): Promise<Outcome | 'abandoned'> {
    const { config, source, handler, functionArn } = this.#deps;
    const timeoutMs = config.functionTimeoutSeconds * 1000;
    const context = createLambdaContext({
      functionName: config.functionName,
      functionArn,
      memorySizeMB: config.memorySizeMB,
      timeoutMs,
      startedAt: started,
      awsRequestId: requestId,
    });
    let event: TEvent;
    try {
      event = source.toEvent(this.shardId, records);
    } catch (e) {
      return { kind: 'error', error: e };
    }
    const abandon = this.#abandon.signal;
    const settled = await new Promise<
      | { kind: 'returned'; value: unknown }
      | { kind: 'error' | 'timeout'; error: unknown }
      | 'abandoned'
    >((resolve) => {
      let done = false;
      const settle = (
        r:
          | { kind: 'returned'; value: unknown }
          | { kind: 'error' | 'timeout'; error: unknown }
          | 'abandoned',
      ) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        abandon.removeEventListener('abort', onAbandon);
        resolve(r);
      };
      const onAbandon = () => settle('abandoned');
      const timer = setTimeout(
        () =>
          settle({
            kind: 'timeout',
            error: new Error(
              `Task timed out after ${config.functionTimeoutSeconds.toFixed(2)} seconds`,
            ),
          }),
        timeoutMs,
      );
      if (abandon.aborted) return settle('abandoned');
      abandon.addEventListener('abort', onAbandon, { once: true });
      try {
        const returned = handler(event, context, (error, value) => {
          if (error !== undefined && error !== null) settle({ kind: 'error', error });
          else settle({ kind: 'returned', value });
        });
        if (isThenable(returned)) {
          returned.then(
            (value) => settle({ kind: 'returned', value }),
            (error: unknown) => settle({ kind: 'error', error }),
          );
        }
      } catch (error) {
        settle({ kind: 'error', error });
      }
    });
    if (settled === 'abandoned') return 'abandoned';
    if (settled.kind !== 'returned') return settled;
    // The response crosses Lambda's API as JSON; an unserialisable one fails the invocation there too.
    let response: unknown;
    try {
      const json = JSON.stringify(settled.value);
      response = json === undefined ? undefined : JSON.parse(json);
    } catch (error) {
      return { kind: 'error', error };
    }
    const outcome = classifyBatchResponse(
      response,
      records.map((r) => r.sequenceNumber),
      config.functionResponseTypes.includes('ReportBatchItemFailures'),
    );
    if (outcome.kind === 'invalid-response') {
      return { kind: 'invalid-response', error: new Error(outcome.reason) };
    }
    return outcome;
  }

  /**
   * Sends the on-failure record (retrying until it is accepted) and then
   * lets the shard move past the records. Returns false if stopped first:
   * the records stay uncheckpointed and are read again next time.
   */
  async #discard(
    lane: Lane<TPayload>,
    records: readonly SourceRecord<TPayload>[],
    condition: DiscardCondition,
    invokeCount: number,
    last: { requestId: string; functionError: boolean } | undefined,
  ): Promise<boolean> {
    const { config, source, onFailure, functionArn, counters } = this.#deps;
    const first = records[0];
    const final = records.at(-1);
    if (first === undefined || final === undefined) return true;
    let sent = false;
    if (onFailure !== undefined) {
      const record = buildOnFailureRecord({
        requestId: last?.requestId ?? randomUUID(),
        functionArn,
        condition,
        approximateInvokeCount: invokeCount,
        lastInvocation: last,
        batchInfoKey: source.batchInfoKey,
        batchInfo: {
          shardId: this.shardId,
          startSequenceNumber: first.sequenceNumber,
          endSequenceNumber: final.sequenceNumber,
          approximateArrivalOfFirstRecord: first.approximateArrival.toISOString(),
          approximateArrivalOfLastRecord: final.approximateArrival.toISOString(),
          batchSize: records.length,
          streamArn: source.streamArn,
        },
      });
      for (let attempt = 1; !sent; attempt++) {
        try {
          await onFailure.send(record, this.#abandon.signal);
          sent = true;
        } catch (e) {
          this.#pollError('SendOnFailureRecord', e);
          if (this.#stopping) return false;
          await pause(retryDelayMs(config.retryBackoff, attempt), this.#stop.signal);
        }
      }
      counters.onFailureRecordsSent++;
    }
    counters.discardedBatches++;
    counters.discardedRecords += records.length;
    this.#deps.emit('discard', {
      ...this.#ref(lane, records),
      condition,
      approximateInvokeCount: invokeCount,
      onFailureSent: sent,
    });
    await this.#complete(records);
    return true;
  }

  #ref(lane: Lane<TPayload>, records: readonly SourceRecord<TPayload>[]) {
    return {
      shardId: this.shardId,
      lane: lane.index,
      batchSize: records.length,
      firstSequenceNumber: records[0]?.sequenceNumber ?? '',
      lastSequenceNumber: records.at(-1)?.sequenceNumber ?? '',
    };
  }

  // ---- checkpoints and leases ------------------------------------------

  /**
   * Marks records finished and starts writing the resulting checkpoint,
   * without waiting for it: the lane goes on to its next batch while the
   * write (chained, in order) is under way, as Lambda's poller does not hold
   * a shard on its own bookkeeping. A crash before the write lands
   * redelivers the batch, as a crash between the function's success and the
   * checkpoint always could; the worker's end waits for every write.
   */
  async #complete(records: readonly SourceRecord<TPayload>[]): Promise<void> {
    const lastRecord = records.at(-1);
    if (lastRecord !== undefined) {
      this.#iteratorAgeMs = Date.now() - lastRecord.approximateArrival.getTime();
    }
    const advancedTo = this.#tracker.complete(records.map((r) => r.sequenceNumber));
    this.#space.notify();
    if (advancedTo === undefined) return;
    if (
      this.#desiredCheckpoint === undefined ||
      compareSequenceNumbers(advancedTo, this.#desiredCheckpoint) > 0
    ) {
      this.#desiredCheckpoint = advancedTo;
    }
    this.#flushCheckpoint().catch((e: unknown) => this.#pollError('Checkpoint', e));
  }

  /**
   * Writes the desired checkpoint. Writes are chained so they reach the table
   * in order, and each link writes the latest target, so a burst of finished
   * batches costs one write, not one per batch.
   */
  async #flushCheckpoint(): Promise<void> {
    const write = this.#writes.then(() => this.#writeCheckpoint());
    this.#writes = write.catch(() => undefined);
    try {
      await write;
    } catch (e) {
      if (e instanceof LeaseLostError) this.#loseLease();
      else throw e;
    }
  }

  async #writeCheckpoint(): Promise<void> {
    // At most one write per checkpointIntervalMs: batches finished meanwhile share the next one.
    const wait = this.#lastCheckpointAt + this.#deps.config.checkpointIntervalMs - Date.now();
    if (wait > 0 && !this.#stop.signal.aborted) await pause(wait, this.#stop.signal);
    const target = this.#desiredCheckpoint;
    if (target === undefined) return;
    if (this.#checkpoint !== undefined && compareSequenceNumbers(target, this.#checkpoint) <= 0) {
      return;
    }
    const { store, config, owner } = this.#deps;
    for (let attempt = 1; ; attempt++) {
      try {
        this.#lastCheckpointAt = Date.now();
        await store.checkpoint(config.mappingId, this.shardId, owner, target);
        this.#checkpoint = target;
        this.#deps.emit('checkpoint', { shardId: this.shardId, sequenceNumber: target });
        return;
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        this.#pollError('Checkpoint', e);
        // Given up: the records stay uncheckpointed and are read again by the next owner.
        if (this.#abandon.signal.aborted) return;
        await pause(retryDelayMs(config.retryBackoff, attempt), this.#abandon.signal);
      }
    }
  }

  async #renewLeases(signal: AbortSignal): Promise<void> {
    const { store, config, owner } = this.#deps;
    const interval = Math.max(100, Math.floor(config.leaseDurationMs / 3));
    for (;;) {
      await pause(interval, signal);
      if (signal.aborted || this.#exit !== undefined) return;
      try {
        await store.renewLease(config.mappingId, this.shardId, owner, config.leaseDurationMs);
      } catch (e) {
        if (e instanceof LeaseLostError) {
          this.#loseLease();
          return;
        }
        this.#pollError('RenewLease', e);
      }
    }
  }

  #loseLease(): void {
    if (this.#exit !== undefined) return;
    this.#exit = 'lease-lost';
    this.#deps.emit('leaseLost', { shardId: this.shardId });
    // Whatever is in flight belongs to the new owner now.
    this.abandon();
  }

  #pollError(operation: string, error: unknown): void {
    this.#deps.counters.pollErrors++;
    this.#deps.emit('pollError', { shardId: this.shardId, operation, error });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
