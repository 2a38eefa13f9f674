import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbCheckpointStore, type ShardCheckpoint } from './checkpoint-store.js';
import {
  parseArn,
  type StreamEventSourceMappingConfig,
  type StreamEventSourceMappingConfigInput,
  StreamEventSourceMappingConfigSchema,
} from './config.js';
import type {
  EventSourceMappingEventMap,
  EventSourceMappingStats,
  MappingState,
  StreamHandler,
} from './events.js';
import { SqsOnFailureDestination } from './on-failure.js';
import { type MappingCounters, ShardWorker, type ShardWorkerDeps } from './shard-worker.js';
import type { IteratorPosition, ShardDescription, StreamSource } from './source.js';
import { Signal } from './timing.js';

export interface StreamEventSourceMappingOptions<TPayload, TEvent> {
  /** Validated with {@link StreamEventSourceMappingConfigSchema}; throws a `ZodError` if invalid. */
  readonly config: StreamEventSourceMappingConfigInput;
  /** Builds the stream source from the validated config. */
  readonly source: (config: StreamEventSourceMappingConfig) => StreamSource<TPayload, TEvent>;
  readonly handler: StreamHandler<TEvent>;
  /**
   * The mapping's filter criteria, as a predicate. A record it refuses is
   * dropped before batching, as Lambda and Pipes drop it: it never reaches
   * the function, counts as processed, and the checkpoint moves past it; so
   * a batch holds up to `batchSize` records that passed. None keeps every record.
   */
  readonly filter?: ((payload: TPayload) => boolean) | undefined;
  readonly clients: {
    /** Holds the checkpoint table. */
    readonly dynamodb: DynamoDBClient;
    /** Needed when `destinationConfig.onFailure` is set. */
    readonly sqs?: SQSClient | undefined;
  };
  /** DynamoDB table for checkpoints and shard leases, shared by any number of mappings. */
  readonly checkpointTableName: string;
  /** Create the checkpoint table on start if it is missing. Default true. */
  readonly createCheckpointTable?: boolean | undefined;
  /**
   * Identifies this runner in shard leases. Defaults to host, pid and a
   * random suffix, so two runners never share one by accident.
   */
  readonly ownerId?: string | undefined;
}

export interface StopOptions {
  /**
   * Do not wait for in-flight invocations: their batches are left
   * uncheckpointed and will be delivered again. By default `stop()` waits for
   * them (bounded by the function timeout) and checkpoints those that succeed.
   */
  readonly abandonInFlight?: boolean;
}

/**
 * The part of Lambda's stream event source mapping that does not depend on
 * the stream service: shard discovery and leases, per-shard workers, stats
 * and events. {@link KinesisEventSourceMapping} plugs in Kinesis; a DynamoDB
 * Streams source plugs in the same way.
 */
export class StreamEventSourceMapping<
  TPayload,
  TEvent,
> extends EventEmitter<EventSourceMappingEventMap> {
  readonly config: StreamEventSourceMappingConfig;
  readonly ownerId: string;
  readonly functionArn: string;
  readonly source: StreamSource<TPayload, TEvent>;
  readonly #store: DynamoDbCheckpointStore;
  readonly #createTable: boolean;
  readonly #workerDeps: ShardWorkerDeps<TPayload, TEvent>;
  readonly #workers = new Map<string, ShardWorker<TPayload, TEvent>>();
  readonly #counters: MappingCounters = {
    invocations: 0,
    failedInvocations: 0,
    recordsDelivered: 0,
    recordsSucceeded: 0,
    retries: 0,
    discardedBatches: 0,
    discardedRecords: 0,
    onFailureRecordsSent: 0,
    pollErrors: 0,
  };
  readonly #stop = new AbortController();
  readonly #rediscover = new Signal();
  #state: MappingState = 'idle';
  #discovery: Promise<void> | undefined;
  #discovering: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: StreamEventSourceMappingOptions<TPayload, TEvent>) {
    super();
    this.config = StreamEventSourceMappingConfigSchema.parse(options.config);
    const { partition, region, accountId } = parseArn(this.config.eventSourceArn);
    this.functionArn = `arn:${partition}:lambda:${region}:${accountId}:function:${this.config.functionName}`;
    this.ownerId =
      options.ownerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
    this.source = options.source(this.config);
    this.#store = new DynamoDbCheckpointStore(
      options.clients.dynamodb,
      options.checkpointTableName,
    );
    this.#createTable = options.createCheckpointTable ?? true;
    const destination = this.config.destinationConfig.onFailure?.destination;
    if (destination !== undefined && options.clients.sqs === undefined) {
      throw new TypeError('destinationConfig.onFailure needs clients.sqs');
    }
    this.#workerDeps = {
      config: this.config,
      source: this.source,
      store: this.#store,
      owner: this.ownerId,
      handler: options.handler,
      filter: options.filter,
      functionArn: this.functionArn,
      onFailure:
        destination === undefined || options.clients.sqs === undefined
          ? undefined
          : new SqsOnFailureDestination(options.clients.sqs, destination),
      counters: this.#counters,
      emit: (event, ...args) => {
        try {
          // Node's typings cannot relate a generic key to its argument tuple.
          (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
        } catch {
          // A throwing listener must not take a shard down with it.
        }
      },
    };
  }

  get state(): MappingState {
    return this.#state;
  }

  /**
   * Creates the checkpoint table if needed, leases the shards no live runner
   * holds, and starts reading them. Resolves once every leased shard has its
   * first iterator (so a LATEST mapping sees every record written after
   * this); rejects if the stream cannot be listed.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`cannot start a mapping that is ${this.#state}`);
    this.#state = 'starting';
    try {
      if (this.#createTable) await this.#store.ensureTable(this.#stop.signal);
      await this.#discover();
      await Promise.all([...this.#workers.values()].map((w) => w.ready));
    } catch (e) {
      this.#state = 'running';
      await this.stop({ abandonInFlight: true });
      throw e;
    }
    if (this.#state !== 'starting') return;
    this.#state = 'running';
    this.#discovery = this.#discoverPeriodically();
  }

  /**
   * Stops polling and invoking, waits for in-flight invocations (unless told
   * to abandon them), writes the last checkpoints and releases the leases,
   * so a runner started next with the same mapping id resumes at once.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      return Promise.resolve();
    }
    if (this.#stopping !== undefined) {
      // A second, impatient stop escalates a graceful one.
      if (options.abandonInFlight) for (const w of this.#workers.values()) w.abandon();
      return this.#stopping;
    }
    this.#stopping = this.#halt(options);
    return this.#stopping;
  }

  async #halt(options: StopOptions): Promise<void> {
    this.#state = 'stopping';
    this.#stop.abort();
    this.#rediscover.notify();
    const halt = (w: ShardWorker<TPayload, TEvent>) =>
      options.abandonInFlight ? w.abandon() : w.stop();
    for (const worker of this.#workers.values()) halt(worker);
    await this.#discovery;
    await this.#discovering?.catch(() => undefined);
    // A lease taken while the stop began has a worker only now.
    for (const worker of this.#workers.values()) halt(worker);
    await Promise.all([...this.#workers.values()].map((w) => w.done));
    this.#state = 'stopped';
  }

  /**
   * Tells every shard reader that records were just written, so an idle one
   * reads now instead of after its sleep. Where the local runtime owns both
   * ends (a function's PutRecord, and this mapping) it calls this; what is
   * read, and in what order, stays the same.
   */
  wake(): void {
    for (const worker of this.#workers.values()) worker.wake();
  }

  /** A snapshot for health endpoints and tests. */
  stats(): EventSourceMappingStats {
    const shards = [...this.#workers.values()].map((w) => w.stats());
    const ages = shards.map((s) => s.iteratorAgeMs).filter((a): a is number => a !== undefined);
    return {
      state: this.#state,
      ...this.#counters,
      maxIteratorAgeMs: ages.length === 0 ? undefined : Math.max(...ages),
      shards,
    };
  }

  async #discoverPeriodically(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.#rediscover.wait(this.config.shardDiscoveryIntervalMs, signal);
      if (signal.aborted) return;
      try {
        await this.#discover();
      } catch (e) {
        this.#counters.pollErrors++;
        this.#workerDeps.emit('pollError', { operation: 'DiscoverShards', error: e });
      }
    }
  }

  /** Lists shards and leases every one that is free and whose parents are done. */
  #discover(): Promise<void> {
    const run = async () => {
      const signal = this.#stop.signal;
      const shards = await this.source.listShards(signal);
      const rows = await this.#store.list(this.config.mappingId, signal);
      const listed = new Map(shards.map((s) => [s.shardId, s]));
      for (const [shardId, worker] of this.#workers) {
        const shard = listed.get(shardId);
        if (shard !== undefined) worker.updateShard(shard);
      }
      const now = Date.now();
      for (const shard of shards) {
        if (signal.aborted) return;
        if (this.#workers.has(shard.shardId)) continue;
        const row = rows.get(shard.shardId);
        if (row?.shardEnded) continue;
        if (
          row?.leaseOwner !== undefined &&
          row.leaseOwner !== this.ownerId &&
          (row.leaseExpiresAt ?? 0) >= now
        ) {
          continue;
        }
        // Children wait until their parents are read to the end, as Lambda keeps
        // a key's records in order across a reshard. A parent no longer listed
        // has aged out of the stream and holds nothing left to read.
        const parents = [shard.parentShardId, shard.adjacentParentShardId].filter(
          (p): p is string => p !== undefined && listed.has(p),
        );
        if (parents.some((p) => rows.get(p)?.shardEnded !== true)) continue;
        const acquiredAt = Date.now();
        const lease = await this.#store.acquireLease(
          this.config.mappingId,
          shard.shardId,
          this.ownerId,
          this.config.leaseDurationMs,
          acquiredAt,
        );
        if (lease === undefined) continue;
        this.#startWorker(shard, lease, rows, acquiredAt);
      }
    };
    const discovering = (this.#discovering ?? Promise.resolve()).catch(() => undefined).then(run);
    this.#discovering = discovering;
    return discovering;
  }

  #startWorker(
    shard: ShardDescription,
    lease: ShardCheckpoint,
    rows: Map<string, ShardCheckpoint>,
    acquiredAt: number,
  ): void {
    const position = this.#initialPosition(shard, lease, rows, acquiredAt);
    const worker = new ShardWorker(this.#workerDeps, shard, position, lease.sequenceNumber);
    this.#workers.set(shard.shardId, worker);
    if (this.#stop.signal.aborted) worker.stop();
    this.#workerDeps.emit('shardStarted', {
      shardId: shard.shardId,
      position:
        lease.sequenceNumber === undefined
          ? position
          : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lease.sequenceNumber },
    });
    void worker.done.then((exit) => {
      if (this.#state === 'stopping' || this.#state === 'stopped') return;
      this.#workers.delete(shard.shardId);
      // A finished parent frees its children; a lost or missing shard may be listed again.
      if (exit === 'ended') this.#rediscover.notify();
    });
  }

  /** Where a shard without a checkpoint starts. */
  #initialPosition(
    shard: ShardDescription,
    lease: ShardCheckpoint,
    rows: Map<string, ShardCheckpoint>,
    acquiredAt: number,
  ): IteratorPosition {
    switch (this.config.startingPosition) {
      case 'TRIM_HORIZON':
        return { type: 'TRIM_HORIZON' };
      case 'AT_TIMESTAMP':
        return {
          type: 'AT_TIMESTAMP',
          timestamp: new Date((this.config.startingPositionTimestamp ?? 0) * 1000),
        };
      case 'LATEST': {
        // LATEST means "the tip when the mapping first started", not "the tip
        // now": a restart before the first checkpoint, and a child shard
        // found after a reshard, must not skip what was written since.
        const earlier = [...rows.values(), lease]
          .map((r) => r.startedAt)
          .filter((t): t is number => t !== undefined && t < acquiredAt);
        if (earlier.length > 0 && this.source.supportsAtTimestamp) {
          return { type: 'AT_TIMESTAMP', timestamp: new Date(Math.min(...earlier)) };
        }
        const parents = [shard.parentShardId, shard.adjacentParentShardId];
        if (parents.some((p) => p !== undefined && rows.has(p))) return { type: 'TRIM_HORIZON' };
        return { type: 'LATEST' };
      }
    }
  }
}
