import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { parseArn } from '../esm/config.js';
import type { EventSourceMappingStats, MappingState } from '../esm/events.js';
import { type StopOptions, StreamEventSourceMapping } from '../esm/stream-event-source-mapping.js';
import { pause } from '../shared/timing.js';
import {
  type LocalPipeConfig,
  type LocalPipeConfigInput,
  LocalPipeConfigSchema,
  toMappingConfig,
} from './config.js';
import { type DynamoDbStreamPayload, DynamoDbStreamSource } from './dynamodb-stream-source.js';
import { EventBusTarget } from './event-bus-target.js';
import { type EventPattern, matchesEventPattern, parseEventPattern } from './event-pattern.js';

/**
 * A pipe's enrichment: the batch's records (after filtering) in, the events
 * for the target out. A Lambda enrichment handler fits, e.g. the ledger's
 * `publish` handler.
 */
export type PipeEnrichment = (
  records: DynamoDBRecord[],
  context: Context,
) => Promise<unknown> | unknown;

export interface LocalPipeOptions {
  /** Validated with {@link LocalPipeConfigSchema}; throws a `ZodError` if invalid. */
  readonly config: LocalPipeConfigInput;
  /** Without one, the filtered records themselves go to the target, as in Pipes. */
  readonly enrichment?: PipeEnrichment | undefined;
  readonly clients: {
    readonly streams: DynamoDBStreamsClient;
    readonly eventbridge: EventBridgeClient;
    /** Holds the checkpoint table. */
    readonly dynamodb: DynamoDBClient;
    /** Needed with a `deadLetterConfig`. */
    readonly sqs?: SQSClient | undefined;
  };
  /** DynamoDB table for checkpoints and shard leases; may be shared with Lambda mappings. */
  readonly checkpointTableName: string;
  readonly createCheckpointTable?: boolean | undefined;
  /** Identifies this runner in shard leases. */
  readonly ownerId?: string | undefined;
}

/** What the pipe itself did, on top of its source mapping's counters. */
export interface LocalPipeCounters {
  /** Records dropped by the filter (never enriched, never billed in AWS). */
  recordsFiltered: number;
  enrichmentInvocations: number;
  /** Entries of batches delivered whole (a batch that fails part-way counts when retried). */
  eventsDelivered: number;
  /** Entries PutEvents reported failed and that were sent again. */
  entriesRetried: number;
}

export interface LocalPipeStats extends LocalPipeCounters {
  readonly name: string;
  readonly state: MappingState;
  readonly source: EventSourceMappingStats;
}

/**
 * Runs an EventBridge Pipe from a DynamoDB stream to an event bus on the
 * local cloud: per-shard ordered batches, a filter, an enrichment, retries
 * (with bisection if configured), a dead-letter queue once retries run out,
 * and checkpoints in DynamoDB so a restart resumes rather than replays. The
 * source side is the same event source mapping core that runs the Kinesis
 * consumer; one "invocation" of it is filter → enrichment → PutEvents, and
 * any failure in it fails the batch, as in Pipes.
 *
 * @example
 * const pipe = new LocalPipe({
 *   config: { name: 'ledger-events', source: streamArn, target: busArn, ... },
 *   enrichment: publishHandler,
 *   clients: { streams, eventbridge, dynamodb, sqs },
 *   checkpointTableName: 'local-esm-checkpoints',
 * });
 * await pipe.start();
 */
export class LocalPipe {
  readonly config: LocalPipeConfig;
  readonly #filters: readonly EventPattern[];
  readonly #target: EventBusTarget;
  readonly #enrichment: PipeEnrichment | undefined;
  readonly #counters: LocalPipeCounters = {
    recordsFiltered: 0,
    enrichmentInvocations: 0,
    eventsDelivered: 0,
    entriesRetried: 0,
  };
  /** The source side; its events (`invoke`, `retry`, `discard`, `checkpoint`, ...) are the pipe's. */
  readonly mapping: StreamEventSourceMapping<DynamoDbStreamPayload, DynamoDBStreamEvent>;

  constructor(options: LocalPipeOptions) {
    this.config = LocalPipeConfigSchema.parse(options.config);
    this.#filters = (this.config.sourceParameters.filterCriteria?.filters ?? []).map((f) =>
      parseEventPattern(f.pattern),
    );
    this.#enrichment = options.enrichment;
    const bus = this.config.targetParameters.eventBridgeEventBusParameters;
    this.#target = new EventBusTarget({
      client: options.clients.eventbridge,
      // PutEvents takes the ARN as EventBusName.
      eventBusName: this.config.target,
      source: bus.source,
      detailType: bus.detailType,
      maxAttempts: this.config.local.targetAttempts,
      backoff: this.config.local.retryBackoff,
      sleep: (ms) => pause(ms),
    });
    if (parseArn(this.config.target).service !== 'events') {
      throw new TypeError(`target must be an event bus ARN, got ${this.config.target}`);
    }
    this.mapping = new StreamEventSourceMapping<DynamoDbStreamPayload, DynamoDBStreamEvent>({
      config: toMappingConfig(this.config),
      source: (config) =>
        new DynamoDbStreamSource({
          client: options.clients.streams,
          streamArn: config.eventSourceArn,
        }),
      // Pipes filter before batching: a batch holds up to batchSize records that passed.
      filter: (record) => {
        const passes = this.matches(record);
        if (!passes) this.#counters.recordsFiltered++;
        return passes;
      },
      handler: (event, context) => this.#processBatch(event, context),
      clients: { dynamodb: options.clients.dynamodb, sqs: options.clients.sqs },
      checkpointTableName: options.checkpointTableName,
      createCheckpointTable: options.createCheckpointTable,
      ownerId: options.ownerId,
    });
  }

  get name(): string {
    return this.config.name;
  }

  get state(): MappingState {
    return this.mapping.state;
  }

  /** Resolves once every shard has its first iterator; rejects if the stream cannot be read. */
  start(): Promise<void> {
    return this.mapping.start();
  }

  /** Stops reading, waits for the batch in flight (unless abandoned) and checkpoints it. */
  stop(options?: StopOptions): Promise<void> {
    return this.mapping.stop(options);
  }

  /** The source table was just written: an idle shard reader reads now (see the mapping's `wake`). */
  wake(): void {
    this.mapping.wake();
  }

  stats(): LocalPipeStats {
    return {
      name: this.config.name,
      state: this.mapping.state,
      ...this.#counters,
      source: this.mapping.stats(),
    };
  }

  /** Whether a record passes the pipe's filter (any pattern; none configured keeps all). */
  matches(record: DynamoDBRecord): boolean {
    return this.#filters.length === 0 || this.#filters.some((p) => matchesEventPattern(p, record));
  }

  /** One batch of records that passed the filter: enrich, deliver. Throwing fails the batch (retry, bisect, dead-letter). */
  async #processBatch(event: DynamoDBStreamEvent, context: Context): Promise<void> {
    const records = event.Records;
    if (records.length === 0) return;
    let events: unknown[];
    if (this.#enrichment === undefined) {
      events = records;
    } else {
      this.#counters.enrichmentInvocations++;
      // The enrichment's answer crosses the Lambda API as JSON, as in AWS.
      const answer: unknown = JSON.parse(
        JSON.stringify((await this.#enrichment(structuredClone(records), context)) ?? null),
      );
      events = answer === null ? [] : Array.isArray(answer) ? answer : [answer];
    }
    if (events.length === 0) return;
    const outcome = await this.#target.put(events);
    this.#counters.eventsDelivered += outcome.entries;
    this.#counters.entriesRetried += outcome.retriedEntries;
  }
}
