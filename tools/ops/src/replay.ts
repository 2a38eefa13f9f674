import {
  classifyBatchResponse,
  compareSequenceNumbers,
  type KinesisPayload,
  KinesisSource,
  parseArn,
  type ShardDescription,
  type SourceRecord,
} from '@atm-ledger/local-aws';
import {
  type BackoffPolicy,
  backoffDelayMs,
  InMemoryMetricsSink,
  sdkClientOptions,
  sleep,
} from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';

/** What one delivery of a batch to the ledger consumer came back with. */
export type DeliveryResult =
  | {
      readonly ok: true;
      /** The function's answer: a partial batch response, or nothing. */
      readonly response: unknown;
      /** Outcome counts of this batch, when the consumer reports them (in process only). */
      readonly outcomes?: Readonly<Record<string, number>>;
    }
  /** The function failed (threw, timed out) or could not be invoked. */
  | { readonly ok: false; readonly error: string };

/** Hands one `KinesisStreamEvent` to the ledger consumer. */
export type ReplayDelivery = (event: KinesisStreamEvent) => Promise<DeliveryResult>;

export interface ReplayOptions {
  /** The transactions stream: a name or an ARN. */
  readonly stream: string;
  /** First arrival time replayed (inclusive). */
  readonly from: Date;
  /** Last arrival time replayed (inclusive). */
  readonly to: Date;
  /** Where batches go. Required unless `dryRun`. */
  readonly deliver?: ReplayDelivery | undefined;
  /** Read and count, deliver nothing. */
  readonly dryRun?: boolean | undefined;
  /** Records per batch, at most; default 100, as the event source mapping deployed. */
  readonly batchSize?: number | undefined;
  /** Deliveries of a batch before its failing record is given up on; default 5. */
  readonly maxAttempts?: number | undefined;
  /** Backoff between attempts (full jitter); default 200 ms doubling to 5 s. */
  readonly backoff?: BackoffPolicy | undefined;
  /** Put in each event record's `invokeIdentityArn`; default `ledger`. */
  readonly functionName?: string | undefined;
  /** Records per GetRecords call; default 1,000. */
  readonly readLimit?: number | undefined;
  readonly log?: ((message: string) => void) | undefined;
}

/** Why the reading of a shard stopped. */
export type ShardStop =
  /** A record arrived after `to`. */
  | 'past-window'
  /** A closed shard was read to its end. */
  | 'end-of-shard'
  /** The newest record of an open shard was read. */
  | 'tip'
  /** A record kept failing; nothing after it in this shard was delivered. */
  | 'failure';

export interface ShardReplay {
  readonly shardId: string;
  /** Records GetRecords returned, including those outside the window. */
  readonly recordsFetched: number;
  /** Records inside the window: what is replayed. */
  readonly recordsInWindow: number;
  readonly batches: number;
  /** Records the consumer finished without reporting them failed. */
  readonly delivered: number;
  readonly firstSequenceNumber?: string | undefined;
  readonly lastSequenceNumber?: string | undefined;
  readonly stoppedAt: ShardStop;
  /** The record given up on, when `stoppedAt` is `failure`. */
  readonly failure?:
    | {
        readonly sequenceNumber: string;
        readonly partitionKey: string;
        readonly approximateArrival: string;
        readonly attempts: number;
        readonly error: string;
        /**
         * Records read from the window and not delivered: this one and those
         * behind it. The window's later records were not read; replay again
         * from `approximateArrival` once the cause is fixed.
         */
        readonly notDelivered: number;
      }
    | undefined;
}

export interface ReplayReport {
  readonly streamArn: string;
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  readonly shards: readonly ShardReplay[];
  readonly recordsFetched: number;
  readonly recordsInWindow: number;
  readonly batches: number;
  /** Calls to the consumer, retries included. */
  readonly invocations: number;
  readonly retries: number;
  readonly delivered: number;
  /** Records of the window not delivered because a record before them (same shard) kept failing. */
  readonly notDelivered: number;
  /**
   * Per-outcome counts (`Posted`, `Rejected`, `Pending`, `Duplicate`,
   * `Conflict`, `PoisonRecords`) when the consumer reports them, per delivery:
   * records of a retried batch count once per delivery. Empty otherwise.
   */
  readonly outcomes: Readonly<Record<string, number>>;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 5_000 };

/**
 * Re-delivers the records of the transactions stream that arrived between
 * `from` and `to` to the ledger consumer, as its event source mapping would:
 * per shard, in order, in batches shaped like Lambda's `KinesisStreamEvent`
 * (the local mapping's own builder), honouring `batchItemFailures`.
 *
 * Safe to run over records that were already posted: the ledger applies a
 * transaction id at most once, so an unchanged redelivery is a duplicate
 * (nothing written) and a changed one is a recorded conflict. What was lost
 * downstream of the stream is derived again.
 *
 * Shards are read one at a time, parents before children, so an account's
 * records keep their order across a reshard. A record that still fails after
 * `maxAttempts` stops its shard there: delivering the records behind it would
 * let an account's later transactions overtake it. The report says where.
 */
export async function replay(
  kinesis: KinesisClient,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const log = options.log ?? (() => {});
  const dryRun = options.dryRun ?? false;
  if (!dryRun && options.deliver === undefined) {
    throw new TypeError('replay needs a delivery (the ledger consumer) unless it is a dry run');
  }
  if (Number.isNaN(options.from.getTime()) || Number.isNaN(options.to.getTime())) {
    throw new RangeError('from and to must be valid times');
  }
  if (options.to.getTime() < options.from.getTime()) {
    throw new RangeError(
      `the window ends (${options.to.toISOString()}) before it starts (${options.from.toISOString()})`,
    );
  }
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError('batchSize must be an integer from 1 to 10,000');
  }
  const streamArn = await streamArnOf(kinesis, options.stream);
  const { partition, region, accountId } = parseArn(streamArn);
  const functionName = options.functionName ?? 'ledger';
  const source = new KinesisSource({
    client: kinesis,
    streamArn,
    region,
    invokeIdentityArn: `arn:${partition}:iam::${accountId}:role/${functionName}-execution-role`,
  });

  const shards = parentsFirst(await source.listShards());
  log(
    `replaying ${streamArn} from ${options.from.toISOString()} to ${options.to.toISOString()}: ${shards.length} shard(s)${dryRun ? ' (dry run)' : ''}`,
  );
  const outcomes: Record<string, number> = {};
  const totals = { invocations: 0, retries: 0 };
  const results: ShardReplay[] = [];
  for (const shard of shards) {
    const result = await replayShard(source, shard, {
      ...options,
      dryRun,
      batchSize,
      outcomes,
      totals,
    });
    log(
      `${shard.shardId}: ${result.recordsInWindow} record(s) in the window, ${result.delivered} delivered in ${result.batches} batch(es), stopped at ${result.stoppedAt}`,
    );
    results.push(result);
  }
  const sum = (pick: (s: ShardReplay) => number) => results.reduce((n, s) => n + pick(s), 0);
  return {
    streamArn,
    from: options.from.toISOString(),
    to: options.to.toISOString(),
    dryRun,
    shards: results,
    recordsFetched: sum((s) => s.recordsFetched),
    recordsInWindow: sum((s) => s.recordsInWindow),
    batches: sum((s) => s.batches),
    invocations: totals.invocations,
    retries: totals.retries,
    delivered: sum((s) => s.delivered),
    notDelivered: sum((s) => s.failure?.notDelivered ?? 0),
    outcomes,
  };
}

interface ShardContext extends ReplayOptions {
  readonly dryRun: boolean;
  readonly batchSize: number;
  readonly outcomes: Record<string, number>;
  readonly totals: { invocations: number; retries: number };
}

async function replayShard(
  source: KinesisSource,
  shard: ShardDescription,
  ctx: ShardContext,
): Promise<ShardReplay> {
  const from = ctx.from.getTime();
  const to = ctx.to.getTime();
  const readLimit = ctx.readLimit ?? 1_000;
  let fetched = 0;
  let inWindow = 0;
  let batches = 0;
  let delivered = 0;
  let first: string | undefined;
  let last: string | undefined;
  let lastRead: string | undefined;
  let pending: SourceRecord<KinesisPayload>[] = [];
  let stoppedAt: ShardStop | undefined;
  let failure: ShardReplay['failure'];

  const flush = async (): Promise<boolean> => {
    if (pending.length === 0) return true;
    const batch = pending;
    pending = [];
    batches++;
    if (ctx.dryRun) return true;
    const outcome = await deliverBatch(source, shard.shardId, batch, ctx);
    delivered += outcome.delivered;
    if (outcome.failure === undefined) return true;
    failure = { ...outcome.failure, notDelivered: 0 };
    return false;
  };

  let iterator: string | undefined = await withRetries(source, () =>
    source.getShardIterator(shard.shardId, { type: 'AT_TIMESTAMP', timestamp: ctx.from }),
  );
  let idle = 0;
  while (stoppedAt === undefined) {
    const page = await withRetries(
      source,
      () => source.getRecords(iterator ?? '', readLimit),
      // An iterator expires after 5 minutes (a long retry wait): resume after the last record read.
      async () => {
        iterator = await source.getShardIterator(
          shard.shardId,
          lastRead === undefined
            ? { type: 'AT_TIMESTAMP', timestamp: ctx.from }
            : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastRead },
        );
        return iterator;
      },
    );
    for (const record of page.records) {
      fetched++;
      lastRead = record.sequenceNumber;
      const arrival = record.approximateArrival.getTime();
      // AT_TIMESTAMP starts at the first record at or after `from`; the check costs nothing.
      if (arrival < from) continue;
      if (arrival > to) {
        stoppedAt = 'past-window';
        break;
      }
      inWindow++;
      first ??= record.sequenceNumber;
      last = record.sequenceNumber;
      pending.push(record);
      if (pending.length >= ctx.batchSize && !(await flush())) {
        stoppedAt = 'failure';
        break;
      }
    }
    if (stoppedAt !== undefined) break;
    const ended =
      page.nextIterator === undefined ||
      // moto never ends a closed shard with a null iterator.
      (shard.endingSequenceNumber !== undefined &&
        lastRead !== undefined &&
        compareSequenceNumbers(lastRead, shard.endingSequenceNumber) >= 0);
    if (ended) {
      stoppedAt = 'end-of-shard';
      break;
    }
    if (page.records.length === 0) {
      // An empty page at 0 ms behind is the tip; behind it, Kinesis may still
      // return empty pages while it skips over gaps.
      if ((page.millisBehindLatest ?? 0) === 0 || ++idle >= 100) {
        stoppedAt = 'tip';
        break;
      }
      // GetRecords allows 5 calls a second per shard, shared with the live consumer.
      await sleep(200);
    } else {
      idle = 0;
    }
    iterator = page.nextIterator;
  }
  if (stoppedAt !== 'failure' && !(await flush())) stoppedAt = 'failure';
  if (failure !== undefined) failure = { ...failure, notDelivered: inWindow - delivered };
  return {
    shardId: shard.shardId,
    recordsFetched: fetched,
    recordsInWindow: inWindow,
    batches,
    delivered,
    firstSequenceNumber: first,
    lastSequenceNumber: last,
    stoppedAt: stoppedAt ?? 'tip',
    ...(failure === undefined ? {} : { failure }),
  };
}

/**
 * Delivers one batch until the consumer takes all of it, retrying from the
 * lowest reported failure as Lambda does. Attempts count per failing record:
 * progress past it starts its successor's count afresh.
 */
async function deliverBatch(
  source: KinesisSource,
  shardId: string,
  batch: readonly SourceRecord<KinesisPayload>[],
  ctx: ShardContext,
): Promise<{
  delivered: number;
  failure?: Omit<NonNullable<ShardReplay['failure']>, 'notDelivered'>;
}> {
  const deliver = ctx.deliver as ReplayDelivery;
  const maxAttempts = ctx.maxAttempts ?? 5;
  const backoff = ctx.backoff ?? DEFAULT_BACKOFF;
  let remaining = batch;
  let delivered = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    ctx.totals.invocations++;
    const sequenceNumbers = remaining.map((r) => r.sequenceNumber);
    let result: DeliveryResult;
    try {
      result = await deliver(source.toEvent(shardId, remaining));
    } catch (error) {
      result = { ok: false, error: describe(error) };
    }
    let error: string;
    if (result.ok) {
      for (const [name, n] of Object.entries(result.outcomes ?? {})) {
        ctx.outcomes[name] = (ctx.outcomes[name] ?? 0) + n;
      }
      const outcome = classifyBatchResponse(result.response, sequenceNumbers, true);
      if (outcome.kind === 'success') return { delivered: delivered + remaining.length };
      if (outcome.kind === 'partial') {
        const at = sequenceNumbers.indexOf(outcome.failedSequenceNumber);
        if (at > 0) {
          delivered += at;
          remaining = remaining.slice(at);
          attempts = 1;
        }
        error = 'reported in batchItemFailures';
      } else {
        error = `invalid batch response: ${outcome.reason}`;
      }
    } else {
      error = result.error;
    }
    const failed = remaining[0] as SourceRecord<KinesisPayload>;
    if (attempts >= maxAttempts) {
      return {
        delivered,
        failure: {
          sequenceNumber: failed.sequenceNumber,
          partitionKey: failed.partitionKey,
          approximateArrival: failed.approximateArrival.toISOString(),
          attempts,
          error,
        },
      };
    }
    ctx.totals.retries++;
    ctx.log?.(
      `${shardId}: record ${failed.sequenceNumber} failed (${error}); retry ${attempts} of ${maxAttempts - 1}`,
    );
    await sleep(backoffDelayMs(backoff, attempts));
  }
}

/** Retries throttled and failed stream calls with backoff; an expired iterator is renewed. */
async function withRetries<T>(
  source: KinesisSource,
  call: () => Promise<T>,
  renew?: () => Promise<string>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = source.classifyError(error);
      if (kind === 'not-found' || attempt >= 8) throw error;
      if (kind === 'expired-iterator' && renew !== undefined) {
        await renew();
        // `call` reads the renewed iterator on the next attempt.
      }
      await sleep(backoffDelayMs({ baseMs: 200, maxMs: 5_000 }, attempt));
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function streamArnOf(kinesis: KinesisClient, stream: string): Promise<string> {
  if (stream.startsWith('arn:')) return stream;
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const arn = out.StreamDescriptionSummary?.StreamARN;
  if (arn === undefined) throw new Error(`stream ${stream} has no ARN`);
  return arn;
}

/** Shards ordered so that every parent comes before its children. */
function parentsFirst(shards: readonly ShardDescription[]): ShardDescription[] {
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const done = new Set<string>();
  const out: ShardDescription[] = [];
  const visit = (shard: ShardDescription) => {
    if (done.has(shard.shardId)) return;
    done.add(shard.shardId);
    for (const parent of [shard.parentShardId, shard.adjacentParentShardId]) {
      const known = parent === undefined ? undefined : byId.get(parent);
      if (known !== undefined) visit(known);
    }
    out.push(shard);
  };
  for (const shard of shards) visit(shard);
  return out;
}

/** Delivery to the deployed ledger consumer: a synchronous Lambda Invoke per batch. */
export function lambdaDelivery(lambda: LambdaClient, functionName: string): ReplayDelivery {
  return async (event) => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const text = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
    if (out.FunctionError !== undefined) {
      return { ok: false, error: `${out.FunctionError}: ${text.slice(0, 500)}` };
    }
    let response: unknown;
    try {
      response = text === '' ? undefined : JSON.parse(text);
    } catch {
      return {
        ok: false,
        error: `the function answered something that is not JSON: ${text.slice(0, 200)}`,
      };
    }
    return { ok: true, response };
  };
}

const OUTCOME_METRICS = new Set([
  'TransactionsPosted',
  'TransactionsRejected',
  'TransactionsPending',
  'TransactionsDuplicate',
  'TransactionsConflict',
  'PoisonRecords',
]);

/** The outcomes a batch reported, `TransactionsPosted: 2` read as `Posted: 2`; zero counts left out. */
function outcomeCounts(published: readonly Record<string, number>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const set of published) {
    for (const [name, value] of Object.entries(set)) {
      if (!OUTCOME_METRICS.has(name) || value <= 0) continue;
      const key = name.replace(/^Transactions/, '');
      counts[key] = (counts[key] ?? 0) + value;
    }
  }
  return counts;
}

/**
 * Delivery to the ledger's Kinesis handler in this process, against the
 * local cloud (or any endpoint): the handler the Lambda entry point builds
 * (same store, poison sink, logger and concurrency), with a metrics sink
 * that counts its outcomes for the report instead of emitting EMF.
 */
export async function inProcessDelivery(options: {
  readonly endpoint?: string | undefined;
  readonly region: string;
  readonly tableName: string;
  /** A name or a URL. */
  readonly poisonQueue: string;
  readonly concurrency?: number | undefined;
}): Promise<{ deliver: ReplayDelivery; close(): void }> {
  const { DynamoDbLedgerStore, SqsPoisonRecordSink, makeKinesisHandler } = await import(
    '@atm-ledger/ledger'
  );
  const { createLogger, systemClock } = await import('@atm-ledger/runtime');
  const clientOptions = sdkClientOptions({ endpoint: options.endpoint, region: options.region });
  const dynamodb = new DynamoDBClient({ ...clientOptions, maxAttempts: 3 });
  const sqs = new SQSClient(clientOptions);
  const close = () => {
    dynamodb.destroy();
    sqs.destroy();
  };
  let poisonQueueUrl = options.poisonQueue;
  try {
    if (!/^https?:\/\//.test(poisonQueueUrl)) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: poisonQueueUrl }));
      if (QueueUrl === undefined) throw new Error(`queue ${options.poisonQueue} has no URL`);
      poisonQueueUrl = QueueUrl;
    }
  } catch (error) {
    close();
    throw error;
  }
  const metrics = new InMemoryMetricsSink();
  const handler = makeKinesisHandler({
    store: new DynamoDbLedgerStore(dynamodb, options.tableName),
    clock: systemClock,
    poison: new SqsPoisonRecordSink(sqs, poisonQueueUrl),
    logger: createLogger('ledger'),
    concurrency: options.concurrency ?? 10,
    metrics,
  });
  return {
    deliver: async (event) => {
      metrics.published.splice(0);
      try {
        const response: KinesisStreamBatchResponse = await handler(event);
        return { ok: true, response, outcomes: outcomeCounts(metrics.published) };
      } catch (error) {
        return { ok: false, error: describe(error) };
      }
    },
    close,
  };
}
