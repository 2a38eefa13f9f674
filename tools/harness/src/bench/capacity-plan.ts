/**
 * The capacity plan of docs/capacity.md, on paper: what the ledger needs at a
 * sustained rate and at its payday peak (shards, concurrency, write units,
 * partitions, hot keys, quotas) and what a month of the sustained rate costs.
 *
 * Nothing here is a byte count typed in by hand: each transaction type is
 * posted through the ledger's own store (`DynamoDbLedgerStore`, the adapter
 * `npm run bench:ledger` measures) against an in-memory stand-in for
 * DynamoDB that only records what it is sent, and every item is sized with
 * `itemSize()` by DynamoDB's rules; the Kinesis record is encoded by ingest's
 * own publisher. What is assumed (latencies, the traffic mix, quotas) is in
 * `PLAN_INPUTS`, printed with the plan.
 *
 *   npm run capacity
 */

import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  type AtmTransaction,
  AtmTransactionRecord,
  isRoutedTo,
  type LedgerEvent,
  NOTIFIER_KINDS,
  NOTIFIER_ROUTES,
  type NotifierChannel,
  payloadHash,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import { KinesisTransactionPublisher } from '@atm-ledger/ingest';
import {
  AccountCache,
  DynamoDbLedgerStore,
  emptyAccount,
  postTransaction,
  TOTALS_SHARDS,
} from '@atm-ledger/ledger';
import { acceptanceToItem } from '@atm-ledger/ledger/items';
import { silenceSdkNodeVersionWarning } from '@atm-ledger/local-cloud';
import { DEFAULT_LARGE_WITHDRAWAL_THRESHOLD, notificationsFor } from '@atm-ledger/notifier';
import {
  type AttributeValue,
  DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { marshall } from '@aws-sdk/util-dynamodb';
import { costPerMillion, loadPricing, type Pricing } from '../loadtest/cost.js';
import type { MeterRow, Units } from '../loadtest/meter.js';
import { itemSize, writeUnits } from './capacity.js';

type Attrs = Record<string, AttributeValue>;

// ---- measured: what each transaction type writes -------------------------------------------

/** What the posted transactions look like; item sizes grow with their ids and numbers. */
export interface TrafficProfile {
  readonly name: string;
  readonly transactionId: (n: string) => string;
  readonly account: (n: string) => string;
  readonly atmId: string;
  readonly correlationId: string;
  /** Accounts after years of postings (10-digit balances, 6-digit versions), not just opened. */
  readonly lived: boolean;
  /** The types whose requests carry a card (the transaction keeps its last 4 digits). */
  readonly panOn: readonly MixType[];
  /** Reversals carry the original's amount and currency, as ISO 8583 reversals do. */
  readonly reversalCarriesAmount: boolean;
}

export const PROFILES = {
  /** What `npm run bench:ledger` posts ('A', 'atm-1', 'w1', fresh accounts): its item sizes, to compare. */
  bench: {
    name: 'as bench:ledger',
    transactionId: (n) => n,
    account: (n) => (n === '1' ? 'A' : 'B'),
    atmId: 'atm-1',
    correlationId: '',
    lived: false,
    panOn: ['WITHDRAWAL', 'DEPOSIT'],
    reversalCarriesAmount: false,
  },
  /** What a network sends: UUID transaction ids, 20-character accounts, API Gateway request ids. */
  typical: {
    name: 'typical',
    transactionId: () => randomUUID(),
    account: (n) => `acct-${n.padStart(15, '0')}`,
    atmId: 'ATM-US-NY-004213',
    correlationId: 'Zp3kXgQ1IAMEb7w=',
    lived: true,
    panOn: ['WITHDRAWAL', 'DEPOSIT', 'BALANCE_INQUIRY', 'TRANSFER', 'REVERSAL', 'REJECTED'],
    reversalCarriesAmount: true,
  },
  /** Every id at the contract's longest (64 characters; correlation ids 128). */
  longest: {
    name: 'longest ids',
    transactionId: (n) => `${n}-`.padEnd(64, 'x'),
    account: (n) => `${n}-`.padEnd(64, 'a'),
    atmId: 'atm-'.padEnd(64, 'm'),
    correlationId: 'c'.repeat(128),
    lived: true,
    panOn: ['WITHDRAWAL', 'DEPOSIT', 'BALANCE_INQUIRY', 'TRANSFER', 'REVERSAL', 'REJECTED'],
    reversalCarriesAmount: true,
  },
} as const satisfies Record<string, TrafficProfile>;

/** The transaction types of the traffic mix, as the ledger sees them. */
export const MIX_TYPES = [
  'WITHDRAWAL',
  'BALANCE_INQUIRY',
  'DEPOSIT',
  'TRANSFER',
  'REVERSAL',
  'REJECTED',
] as const;
export type MixType = (typeof MIX_TYPES)[number];

export interface ItemWrite {
  /** `TX`, `ACCT`, `ENTRY`, `TOTALS`, ... from the item's key. */
  readonly item: string;
  readonly op: 'Put' | 'Update' | 'ConditionCheck' | 'Delete' | 'PutItem' | 'UpdateItem';
  /** The item as stored (a Put's item; the stored item an Update or check touches). */
  readonly bytes: number;
  readonly wcu: number;
  readonly pk: string;
}

export interface Footprint {
  readonly type: MixType;
  readonly outcome: string;
  readonly writes: readonly ItemWrite[];
  readonly wcu: number;
  /** Strongly consistent read units of the reads a warm lane still makes (a reversal reads its original). */
  readonly rcu: number;
  readonly txItemBytes: number;
  /** Events the decision stored: what the pipe publishes. */
  readonly events: readonly LedgerEvent[];
  /** Transaction-item changes: the records that pass the pipe's filter. */
  readonly pipeRecords: number;
  /** Messages each notifier queue receives, by the subscriptions' filter policies. */
  readonly messages: Readonly<Record<NotifierChannel, number>>;
  /** Notifications each notifier sends (each one claim and one completion in its table). */
  readonly notifications: Readonly<Record<NotifierChannel, number>>;
}

export interface Footprints {
  readonly profile: string;
  readonly byType: Readonly<Record<MixType, Footprint>>;
  /** One Kinesis record of ingest, data plus partition key (both count against a shard). */
  readonly kinesisRecordBytes: number;
  /** Ingest's acceptance marker (the idempotency door), a standalone conditional PutItem. */
  readonly doorItemBytes: number;
  readonly doorWcu: number;
  /** The account and running-totals items as stored, for headroom. */
  readonly accountItemBytes: number;
  readonly totalsItemBytes: number;
}

type UpdateBody = {
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Attrs;
};

/**
 * A DynamoDB client whose requests never leave the process: Puts are kept,
 * reads answer from them, every request is recorded. The ledger's store
 * runs unchanged on it, so the items it sends are the ones it would send.
 */
function recordingDynamoDb() {
  const table = new Map<string, Attrs>();
  const sent: { op: string; input: Record<string, unknown> }[] = [];
  const keyOf = (k: Attrs) => `${k.pk?.S}|${k.sk?.S}`;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'plan', secretAccessKey: 'plan' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = (args as { input: Record<string, unknown> }).input;
      const op = String(context.commandName).replace(/Command$/, '');
      sent.push({ op, input });
      return { output: answer(op, input) as never, response: undefined };
    },
    { step: 'initialize', name: 'recordingDynamoDb' },
  );

  function answer(op: string, input: Record<string, unknown>): Record<string, unknown> {
    const $metadata = {};
    switch (op) {
      case 'PutItem': {
        const item = input.Item as Attrs;
        table.set(keyOf(item), item);
        return { $metadata };
      }
      case 'TransactWriteItems':
        for (const t of input.TransactItems as TransactWriteItem[])
          if (t.Put?.Item) table.set(keyOf(t.Put.Item), t.Put.Item);
        return { $metadata };
      case 'BatchGetItem': {
        const [name, req] = Object.entries(
          input.RequestItems as Record<string, { Keys: Attrs[] }>,
        )[0] as [string, { Keys: Attrs[] }];
        const found = req.Keys.map((k) => table.get(keyOf(k))).filter((i) => i !== undefined);
        return { $metadata, Responses: { [name]: found }, UnprocessedKeys: {} };
      }
      case 'GetItem': {
        const item = table.get(keyOf(input.Key as Attrs));
        return item === undefined ? { $metadata } : { $metadata, Item: item };
      }
      case 'Query':
        return { $metadata, Items: [] };
      default:
        return { $metadata };
    }
  }

  /**
   * Bytes of the item a write touches: as stored, or, for an update that
   * creates it (the running totals), its key plus each `name :value` the
   * expression sets or adds.
   */
  const targetBytes = (key: Attrs, body: UpdateBody) => {
    const stored = table.get(keyOf(key));
    if (stored !== undefined) return itemSize(stored);
    const created: Attrs = { ...key };
    const names = body.ExpressionAttributeNames ?? {};
    for (const [, name, placeholder] of (body.UpdateExpression ?? '').matchAll(
      /(#?\w+)\s*=?\s*(:\w+)/g,
    )) {
      const value = body.ExpressionAttributeValues?.[placeholder as string];
      if (name !== undefined && value !== undefined) created[names[name] ?? name] = value;
    }
    return itemSize(created);
  };
  return { client, sent, table, targetBytes };
}

const kindOf = (key: Attrs) => {
  const pk = key.pk?.S ?? '';
  const sk = key.sk?.S ?? '';
  if (pk.startsWith('ACCT#')) return sk.startsWith('ENTRY#') ? 'ENTRY' : 'ACCT';
  return pk.split('#')[0] ?? pk;
};

/** Posts one transaction of each type of the mix through the ledger's store and records what it writes. */
export async function measureFootprints(profile: TrafficProfile): Promise<Footprints> {
  const db = recordingDynamoDb();
  const store = new DynamoDbLedgerStore(db.client, 'capacity-plan');
  const at = '2026-11-27T10:00:00.000Z';
  const clock = { now: () => new Date(at) };
  const a = profile.account('1');
  const b = profile.account('2');
  const open = (accountId: string) =>
    store.createAccount({
      ...emptyAccount({
        accountId,
        currency: 'USD',
        overdraftLimit: profile.lived ? 50_000 : 0,
        lowBalanceThreshold: 10_000,
        createdAt: at,
      }),
      ...(profile.lived
        ? { balance: 1_234_567_890, version: 123_456 }
        : { balance: 50_000, version: 1 }),
    });
  await open(a);
  await open(b);
  const tx = (
    type: MixType,
    id: string,
    fields: Partial<AtmTransaction> & Pick<AtmTransaction, 'type'>,
  ): AtmTransaction => ({
    transactionId: profile.transactionId(id),
    accountId: a,
    atmId: profile.atmId,
    occurredAt: at,
    ...((profile.panOn as readonly MixType[]).includes(type) ? { panLast4: '1111' } : {}),
    ...fields,
  });
  const withdrawal = tx('WITHDRAWAL', 'w1', { type: 'WITHDRAWAL', amount: 6_000, currency: 'USD' });
  const cases: [MixType, AtmTransaction][] = [
    ['WITHDRAWAL', withdrawal],
    ['BALANCE_INQUIRY', tx('BALANCE_INQUIRY', 'b1', { type: 'BALANCE_INQUIRY' })],
    ['DEPOSIT', tx('DEPOSIT', 'd1', { type: 'DEPOSIT', amount: 10_000, currency: 'USD' })],
    [
      'TRANSFER',
      tx('TRANSFER', 't1', { type: 'TRANSFER', amount: 2_000, currency: 'USD', toAccountId: b }),
    ],
    [
      'REVERSAL',
      tx('REVERSAL', 'r1', {
        type: 'REVERSAL',
        originalTransactionId: withdrawal.transactionId,
        dispensedAmount: 2_000,
        ...(profile.reversalCarriesAmount ? { amount: 6_000, currency: 'USD' } : {}),
      }),
    ],
    [
      'REJECTED',
      tx('REJECTED', 'w2', { type: 'WITHDRAWAL', amount: 9_000_000_000, currency: 'USD' }),
    ],
  ];
  const byType = {} as Record<MixType, Footprint>;
  const now = new Date(at);
  for (const [type, t] of cases) {
    // The lane warm, as bench:ledger measures and as the consumer runs in steady state.
    const cache = new AccountCache();
    cache.remember((await store.load(t)).accounts);
    db.sent.length = 0;
    const outcome = await postTransaction(
      { store, clock, cache },
      {
        kind: 'PostTransaction',
        transaction: t,
        payloadHash: payloadHash(t),
        ...(profile.correlationId === '' ? {} : { correlationId: profile.correlationId }),
      },
    );
    const writes: ItemWrite[] = [];
    let rcu = 0;
    for (const { op, input } of db.sent) {
      if (op === 'TransactWriteItems') {
        for (const item of input.TransactItems as TransactWriteItem[]) {
          const [action, body] = Object.entries(item)[0] as [
            ItemWrite['op'],
            { Item?: Attrs; Key?: Attrs } & UpdateBody,
          ];
          const key = body.Item ?? (body.Key as Attrs);
          const bytes = body.Item ? itemSize(body.Item) : db.targetBytes(key, body);
          writes.push({
            item: kindOf(key),
            op: action,
            bytes,
            wcu: 2 * writeUnits(bytes),
            pk: key.pk?.S ?? '',
          });
        }
      } else if (op === 'PutItem' || op === 'UpdateItem') {
        const body = input as { Item?: Attrs; Key?: Attrs } & UpdateBody;
        const key = body.Item ?? (body.Key as Attrs);
        const bytes = body.Item ? itemSize(body.Item) : db.targetBytes(key, body);
        writes.push({ item: kindOf(key), op, bytes, wcu: writeUnits(bytes), pk: key.pk?.S ?? '' });
      } else if (op === 'BatchGetItem') {
        // Strongly consistent, every item under 4 KB: one unit per key asked for.
        const req = Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>);
        rcu += req.reduce((n, r) => n + r.Keys.length, 0);
      }
    }
    const events = 'events' in outcome ? [...outcome.events] : [];
    const txItem = db.table.get(`TX#${t.transactionId}|TX`);
    const messages = {} as Record<NotifierChannel, number>;
    const notifications = {} as Record<NotifierChannel, number>;
    for (const channel of Object.keys(NOTIFIER_ROUTES) as NotifierChannel[]) {
      const routed = events.filter((e) =>
        isRoutedTo(channel, {
          type: e.type,
          transactionType: 'transactionType' in e ? e.transactionType : undefined,
        }),
      );
      messages[channel] = routed.length;
      notifications[channel] = routed.reduce(
        (n, e) =>
          n +
          notificationsFor(e, {
            largeWithdrawalThreshold: DEFAULT_LARGE_WITHDRAWAL_THRESHOLD,
            kinds: new Set(NOTIFIER_KINDS[channel]),
            now,
          }).length,
        0,
      );
    }
    byType[type] = {
      type,
      outcome: outcome.outcome,
      writes,
      wcu: writes.reduce((n, w) => n + w.wcu, 0),
      rcu,
      txItemBytes: txItem ? itemSize(txItem) : 0,
      events,
      pipeRecords: writes.filter((w) => w.item === 'TX').length,
      messages,
      notifications,
    };
  }

  const kinesisRecordBytes = await ingestRecordBytes(profile, withdrawal);
  const door = marshall(
    acceptanceToItem({
      transaction: withdrawal,
      payloadHash: payloadHash(withdrawal),
      acceptedAt: at,
    }),
    { removeUndefinedValues: true },
  );
  const account = db.table.get(`ACCT#${a}|ACCT`) as Attrs;
  const totals = byType.WITHDRAWAL.writes.find((w) => w.item === 'TOTALS');
  return {
    profile: profile.name,
    byType,
    kinesisRecordBytes,
    doorItemBytes: itemSize(door),
    doorWcu: writeUnits(itemSize(door)),
    accountItemBytes: itemSize(account),
    totalsItemBytes: totals?.bytes ?? 0,
  };
}

/** The bytes ingest puts on the stream for `transaction`, as its publisher encodes them. */
async function ingestRecordBytes(profile: TrafficProfile, transaction: AtmTransaction) {
  const entries: PutRecordsRequestEntry[] = [];
  const kinesis = new KinesisClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'plan', secretAccessKey: 'plan' },
  });
  kinesis.middlewareStack.add(
    () => async (args) => {
      const records = (args as { input: { Records: PutRecordsRequestEntry[] } }).input.Records;
      entries.push(...records);
      return {
        output: {
          $metadata: {},
          FailedRecordCount: 0,
          Records: records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
        } as never,
        response: undefined,
      };
    },
    { step: 'initialize', name: 'recordingKinesis' },
  );
  // The request as an ATM sends it, with its card number; ingest keeps the last 4 digits.
  const request = { ...transaction, panLast4: undefined, pan: '4111111111111111' };
  const record = AtmTransactionRecord.parse({
    type: 'atm.transaction.accepted',
    schemaVersion: 1,
    id: transaction.transactionId,
    correlationId: profile.correlationId || 'bench',
    receivedAt: transaction.occurredAt,
    transaction: toAtmTransaction(request as never),
  });
  await new KinesisTransactionPublisher(kinesis, 'capacity-plan').publish([record]);
  kinesis.destroy();
  const [entry] = entries;
  if (entry === undefined) throw new Error('the publisher put no record');
  return (entry.Data?.byteLength ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '');
}

// ---- assumed: everything the measurement cannot know -------------------------------------------

export const PLAN_INPUTS = {
  sustainedRates: [1_000, 10_000],
  paydayPeak: 5,
  /** Share of the traffic by type (ATM networks are mostly withdrawals and balance inquiries). */
  mix: {
    WITHDRAWAL: 0.6,
    BALANCE_INQUIRY: 0.2,
    DEPOSIT: 0.1,
    TRANSFER: 0.04,
    REVERSAL: 0.01,
    REJECTED: 0.05,
  } satisfies Record<MixType, number>,
  /** Shards and partitions are sized to run at this share of their limit at the peak. */
  utilization: 0.8,
  kinesis: {
    recordsPerShard: 1_000,
    bytesInPerShard: 1_048_576,
    bytesOutPerShard: 2_097_152,
  },
  ledger: {
    batchSize: 100,
    /** LEDGER_BATCH_CONCURRENCY in infra: accounts of one batch posted at once. */
    batchConcurrency: 10,
    parallelizationFactor: 2,
    maxParallelizationFactor: 10,
    /** One TransactWriteItems round trip in AWS (not measured: the local cloud is no guide). */
    postingMs: 25,
    invocationOverheadMs: 20,
    memoryMb: 1024,
  },
  ingest: { durationMs: 30, memoryMb: 512 },
  pipe: {
    batchSize: 10,
    parallelizationFactor: 1,
    /** GetRecords calls per stream shard per second, the rate Lambda documents for stream pollers. */
    pollsPerSecond: 4,
    enrichmentMs: 10,
    /** One batch through the pipe: invoke the enrichment, then PutEvents. */
    cycleMs: 50,
    memoryMb: 256,
  },
  notifier: {
    batchSize: 10,
    /** NOTIFIER_BATCH_CONCURRENCY: notifications of one batch sent at once. */
    batchConcurrency: 10,
    /** Parsing a batch and deciding what to send: all an alerts batch with nothing to send costs. */
    overheadMs: 20,
    /** One notification: claim (put), send (SES), complete (update). */
    sendMs: 130,
    /** The SQS event source's maxConcurrency in infra. */
    maxConcurrency: 5,
    memoryMb: 512,
  },
  timers: { durationMs: 200, memoryMb: 512, invocationsPerMonth: 30 * 24 * 60 },
  dynamodb: {
    partitionWcu: 1_000,
    partitionRcu: 3_000,
    partitionBytes: 10 * 1024 ** 3,
    /** Storage DynamoDB adds to every item. */
    itemOverheadBytes: 100,
    /**
     * How long a transaction keeps each item it writes from other transactions
     * (another one touching it meanwhile is cancelled with TransactionConflict).
     * Assumed; the local cloud serializes requests and never conflicts.
     */
    transactionHoldMs: 15,
    /** Share of time an item may be held before conflicts and their retries dominate. */
    holdTarget: 0.5,
    totalsShards: TOTALS_SHARDS,
  },
  seconds: { month: 30 * 24 * 3600 },
};
export type PlanInputs = typeof PLAN_INPUTS;

/** Default quotas and limits, us-east-1; `soft` ones can be raised on request. */
export const LIMITS = {
  apiStageThrottle: {
    value: 500,
    kind: 'setting',
    what: 'HTTP API stage throttle, infra prod default (apiRateLimit)',
  },
  apiAccount: {
    value: 10_000,
    kind: 'soft',
    what: 'API Gateway requests/s per account and Region',
  },
  lambdaConcurrency: { value: 1_000, kind: 'soft', what: 'Lambda concurrent executions' },
  dynamoTableWru: {
    value: 40_000,
    kind: 'soft',
    what: 'DynamoDB on-demand write request units/s per table',
  },
  putEvents: { value: 10_000, kind: 'soft', what: 'EventBridge PutEvents requests/s' },
  busInvocations: {
    value: 18_750,
    kind: 'soft',
    what: 'EventBridge rule target invocations/s (bus → SNS)',
  },
  snsPublish: { value: 30_000, kind: 'soft', what: 'SNS Publish messages/s, standard topics' },
  kinesisShards: { value: 20_000, kind: 'soft', what: 'Kinesis shards per account' },
} as const;

// ---- pure arithmetic --------------------------------------------------------------------------

/** Write units of one item in a transaction: twice the standard write, 1 KB each. */
export const transactionalWcu = (bytes: number) => 2 * writeUnits(bytes);

/** Shards that take `rate` records/s of `recordBytes` each, each shard at `utilization` of its limits. */
export function shardsFor(
  rate: number,
  recordBytes: number,
  utilization = 1,
  limits: PlanInputs['kinesis'] = PLAN_INPUTS.kinesis,
) {
  const byRecords = rate / (limits.recordsPerShard * utilization);
  const byBytes = (rate * recordBytes) / (limits.bytesInPerShard * utilization);
  return {
    shards: Math.max(1, Math.ceil(Math.max(byRecords, byBytes) - 1e-9)),
    binding: byBytes > byRecords ? ('bytes' as const) : ('records' as const),
  };
}

/** The sustained rate of money-moving postings at which each totals item reaches its partition's write limit. */
export function totalsWcuBindingRate(shards: number, wcuPerUpdate: number, partitionWcu = 1_000) {
  return (shards * partitionWcu) / wcuPerUpdate;
}

/** Per-transaction averages of the mix. */
export interface PerTransaction {
  readonly ledgerWru: number;
  readonly ledgerRru: number;
  readonly doorWru: number;
  readonly notifierWru: number;
  readonly events: number;
  readonly pipeRecords: number;
  readonly streamRecords: number;
  readonly totalsUpdates: number;
  readonly messages: Readonly<Record<NotifierChannel, number>>;
  readonly notifications: Readonly<Record<NotifierChannel, number>>;
  /** Bytes a transaction adds to the table for good (entries and transaction items; markers expire). */
  readonly storedBytes: number;
  /** Account-item writes per transaction (a payee's balance is written by whichever lane pays it). */
  readonly accountWrites: number;
}

export function perTransaction(f: Footprints, inputs: PlanInputs = PLAN_INPUTS): PerTransaction {
  const mix = inputs.mix;
  const avg = (pick: (fp: Footprint) => number) =>
    MIX_TYPES.reduce((n, t) => n + mix[t] * pick(f.byType[t]), 0);
  const channels = Object.keys(NOTIFIER_ROUTES) as NotifierChannel[];
  const perChannel = (pick: (fp: Footprint, c: NotifierChannel) => number) =>
    Object.fromEntries(channels.map((c) => [c, avg((fp) => pick(fp, c))])) as Record<
      NotifierChannel,
      number
    >;
  const notifications = perChannel((fp, c) => fp.notifications[c]);
  const overhead = inputs.dynamodb.itemOverheadBytes;
  return {
    ledgerWru: avg((fp) => fp.wcu),
    ledgerRru: avg((fp) => fp.rcu),
    doorWru: f.doorWcu,
    // Each notification: the claim (a put) and its completion (an update), one unit each.
    notifierWru: 2 * channels.reduce((n, c) => n + notifications[c], 0),
    events: avg((fp) => fp.events.length),
    pipeRecords: avg((fp) => fp.pipeRecords),
    streamRecords: avg((fp) => fp.writes.filter((w) => w.op !== 'ConditionCheck').length),
    totalsUpdates: avg((fp) => fp.writes.filter((w) => w.item === 'TOTALS').length),
    messages: perChannel((fp, c) => fp.messages[c]),
    notifications,
    storedBytes: avg((fp) =>
      fp.writes
        .filter((w) => w.op === 'Put' || w.op === 'PutItem')
        .filter((w) => w.item === 'TX' || w.item === 'ENTRY')
        .reduce((n, w) => n + w.bytes + overhead, 0),
    ),
    accountWrites: avg(
      (fp) => fp.writes.filter((w) => w.item === 'ACCT' && w.op === 'Update').length,
    ),
  };
}

export interface RatePoint {
  readonly rate: number;
  readonly kinesis: {
    readonly shards: number;
    readonly binding: 'records' | 'bytes';
    readonly inMiBps: number;
    readonly outPerShardMiBps: number;
  };
  readonly ledger: {
    readonly perShardRate: number;
    /** What one shard can post per second at the parallelization factor infra sets, batches full. */
    readonly perShardCapacity: number;
    readonly parallelizationNeeded: number;
    readonly parallelization: number;
    readonly concurrency: number;
    readonly invocationsPerSecond: number;
    readonly durationMs: number;
  };
  readonly ingest: { readonly concurrency: number };
  readonly pipe: {
    readonly streamShards: number;
    /** Batches the pipe may have in flight: a poller per shard and parallelization slot. */
    readonly pollers: number;
    readonly recordsPerSecond: number;
    readonly batchFill: number;
    readonly batchesPerSecond: number;
    readonly enrichmentConcurrency: number;
    readonly getRecordsPerSecond: number;
    readonly perShard: number;
    readonly perShardCapacity: number;
  };
  readonly notifier: Readonly<
    Record<
      NotifierChannel,
      {
        readonly messagesPerSecond: number;
        readonly batchMs: number;
        readonly concurrencyNeeded: number;
        readonly capacity: number;
        readonly invocationsPerSecond: number;
      }
    >
  >;
  readonly lambdaConcurrency: number;
  readonly dynamodb: {
    readonly ledgerWru: number;
    readonly ledgerRru: number;
    readonly doorWru: number;
    readonly tableWru: number;
    readonly notifierWru: number;
    readonly partitions: number;
  };
  readonly totals: {
    readonly updatesPerItem: number;
    readonly wcuPerItem: number;
    /** Share of the time each totals item is held by a transaction. */
    readonly held: number;
    /** Shards that would keep each item under both its write limit and the hold target. */
    readonly shardsNeeded: number;
  };
  readonly bus: {
    readonly events: number;
    readonly invocations: number;
    readonly putEvents: number;
  };
  readonly sns: { readonly publishes: number };
}

/**
 * How long a notifier takes over a full batch: most alerts messages send
 * nothing (the queue gets every money-moving posting; a few cross a threshold).
 */
export function notifierBatchMs(per: PerTransaction, channel: NotifierChannel, inputs: PlanInputs) {
  const N = inputs.notifier;
  const perMessage =
    per.messages[channel] > 0 ? per.notifications[channel] / per.messages[channel] : 0;
  return N.overheadMs + (N.sendMs * N.batchSize * perMessage) / N.batchConcurrency;
}

/** Everything the plan needs at one rate (transactions per second). */
export function planAt(
  rate: number,
  f: Footprints,
  inputs: PlanInputs = PLAN_INPUTS,
  peakRate = rate,
): RatePoint {
  const per = perTransaction(f, inputs);
  const util = inputs.utilization;

  // Kinesis is sized for the peak whatever the rate: shards are not added for an afternoon.
  const { shards, binding } = shardsFor(peakRate, f.kinesisRecordBytes, util, inputs.kinesis);
  const perShardRate = rate / shards;

  const L = inputs.ledger;
  const fullBatchMs =
    L.invocationOverheadMs + Math.ceil(L.batchSize / L.batchConcurrency) * L.postingMs;
  const perShardCapacity = (L.parallelizationFactor * L.batchSize * 1000) / fullBatchMs;
  const parallelizationNeeded = Math.ceil(
    (perShardRate * fullBatchMs) / (L.batchSize * 1000) - 1e-9,
  );
  const parallelization = Math.min(
    L.maxParallelizationFactor,
    Math.max(L.parallelizationFactor, parallelizationNeeded),
  );
  // A slot invokes with whatever arrived during its last invocation: find that batch size.
  const perSlot = perShardRate / parallelization;
  let batch = 1;
  for (let i = 0; i < 50; i++) {
    const ms = L.invocationOverheadMs + Math.ceil(batch / L.batchConcurrency) * L.postingMs;
    batch = Math.min(L.batchSize, Math.max(1, (perSlot * ms) / 1000));
  }
  const durationMs = L.invocationOverheadMs + Math.ceil(batch / L.batchConcurrency) * L.postingMs;

  const D = inputs.dynamodb;
  const ledgerWru = rate * per.ledgerWru;
  const doorWru = rate * per.doorWru;
  const ledgerRru = rate * per.ledgerRru;
  const tableWru = ledgerWru + doorWru;
  // On demand, a table keeps the partitions of its highest peak: the stream has as many shards.
  const peakWru = peakRate * (per.ledgerWru + per.doorWru);
  const partitions = Math.max(
    1,
    Math.ceil(peakWru / (D.partitionWcu * util)),
    Math.ceil((peakRate * per.ledgerRru) / (D.partitionRcu * util)),
  );

  const P = inputs.pipe;
  const pipeRecords = rate * per.pipeRecords;
  const perStreamShard = pipeRecords / partitions;
  const batchFill = Math.min(P.batchSize, Math.max(1, perStreamShard / P.pollsPerSecond));
  const batchesPerSecond = pipeRecords / batchFill;

  const N = inputs.notifier;
  const notifier = Object.fromEntries(
    (Object.keys(NOTIFIER_ROUTES) as NotifierChannel[]).map((c) => {
      const messagesPerSecond = rate * per.messages[c];
      const batchMs = notifierBatchMs(per, c, inputs);
      return [
        c,
        {
          messagesPerSecond,
          batchMs,
          concurrencyNeeded: (messagesPerSecond * batchMs) / (N.batchSize * 1000),
          capacity: (N.maxConcurrency * N.batchSize * 1000) / batchMs,
          invocationsPerSecond: messagesPerSecond / N.batchSize,
        },
      ];
    }),
  ) as RatePoint['notifier'];

  const ingestConcurrency = (rate * inputs.ingest.durationMs) / 1000;
  const ledgerConcurrency = shards * parallelization;
  const enrichmentConcurrency = (batchesPerSecond * P.enrichmentMs) / 1000;
  const lambdaConcurrency =
    ingestConcurrency +
    ledgerConcurrency +
    enrichmentConcurrency +
    Object.values(notifier).reduce((n, q) => n + Math.max(q.concurrencyNeeded, 0), 0) +
    1;

  const updatesPerItem = (rate * per.totalsUpdates) / D.totalsShards;
  const totalsWcu = transactionalWcu(f.totalsItemBytes);
  const byWcu = (rate * per.totalsUpdates * totalsWcu) / D.partitionWcu;
  const byHold = (rate * per.totalsUpdates * D.transactionHoldMs) / 1000 / D.holdTarget;

  return {
    rate,
    kinesis: {
      shards,
      binding,
      inMiBps: (rate * f.kinesisRecordBytes) / 1_048_576,
      outPerShardMiBps: (perShardRate * f.kinesisRecordBytes) / 1_048_576,
    },
    ledger: {
      perShardRate,
      perShardCapacity,
      parallelizationNeeded,
      parallelization,
      concurrency: ledgerConcurrency,
      invocationsPerSecond: rate / batch,
      durationMs,
    },
    ingest: { concurrency: ingestConcurrency },
    pipe: {
      streamShards: partitions,
      pollers: partitions * P.parallelizationFactor,
      recordsPerSecond: pipeRecords,
      batchFill,
      batchesPerSecond,
      enrichmentConcurrency,
      getRecordsPerSecond: partitions * P.pollsPerSecond,
      perShard: perStreamShard,
      perShardCapacity: (P.parallelizationFactor * P.batchSize * 1000) / P.cycleMs,
    },
    notifier,
    lambdaConcurrency,
    dynamodb: {
      ledgerWru,
      ledgerRru,
      doorWru,
      tableWru,
      notifierWru: rate * per.notifierWru,
      partitions,
    },
    totals: {
      updatesPerItem,
      wcuPerItem: updatesPerItem * totalsWcu,
      held: (updatesPerItem * D.transactionHoldMs) / 1000,
      shardsNeeded: Math.ceil(Math.max(byWcu, byHold) - 1e-9),
    },
    bus: {
      events: rate * per.events,
      invocations: rate * per.events,
      putEvents: batchesPerSecond,
    },
    sns: { publishes: rate * per.events },
  };
}

/** One limit: how much of it a transaction per second uses, and the rate at which it binds. */
export interface Limit {
  readonly name: string;
  readonly kind: 'setting' | 'soft' | 'hard' | 'contention';
  readonly value: number;
  readonly unit: string;
  readonly used: (p: RatePoint) => number;
}

export function limitsOf(f: Footprints, inputs: PlanInputs = PLAN_INPUTS): Limit[] {
  const D = inputs.dynamodb;
  const totalsWcu = transactionalWcu(f.totalsItemBytes);
  return [
    {
      name: LIMITS.apiStageThrottle.what,
      kind: 'setting',
      value: LIMITS.apiStageThrottle.value,
      unit: 'req/s',
      used: (p) => p.rate,
    },
    {
      name: `receipts notifier, SQS maxConcurrency ${inputs.notifier.maxConcurrency} (infra)`,
      kind: 'setting',
      value: inputs.notifier.maxConcurrency,
      unit: 'instances',
      used: (p) => p.notifier.receipts.concurrencyNeeded,
    },
    {
      name: `alerts notifier, SQS maxConcurrency ${inputs.notifier.maxConcurrency} (infra)`,
      kind: 'setting',
      value: inputs.notifier.maxConcurrency,
      unit: 'instances',
      used: (p) => p.notifier.alerts.concurrencyNeeded,
    },
    {
      name: `totals items held by transactions (${D.totalsShards} shards, ${D.transactionHoldMs} ms each, ≤ ${D.holdTarget * 100}%)`,
      kind: 'contention',
      value: D.holdTarget,
      unit: 'held',
      used: (p) => p.totals.held,
    },
    {
      name: LIMITS.dynamoTableWru.what,
      kind: 'soft',
      value: LIMITS.dynamoTableWru.value,
      unit: 'WRU/s',
      used: (p) => p.dynamodb.tableWru,
    },
    {
      name: LIMITS.apiAccount.what,
      kind: 'soft',
      value: LIMITS.apiAccount.value,
      unit: 'req/s',
      used: (p) => p.rate,
    },
    {
      name: LIMITS.putEvents.what,
      kind: 'soft',
      value: LIMITS.putEvents.value,
      unit: 'req/s',
      used: (p) => p.bus.putEvents,
    },
    {
      name: LIMITS.busInvocations.what,
      kind: 'soft',
      value: LIMITS.busInvocations.value,
      unit: 'inv/s',
      used: (p) => p.bus.invocations,
    },
    {
      name: `each totals item's partition (${D.totalsShards} shards × ${totalsWcu} WCU per update)`,
      kind: 'hard',
      value: D.partitionWcu,
      unit: 'WCU/s',
      used: (p) => p.totals.wcuPerItem,
    },
    {
      name: LIMITS.lambdaConcurrency.what,
      kind: 'soft',
      value: LIMITS.lambdaConcurrency.value,
      unit: 'concurrent',
      used: (p) => p.lambdaConcurrency,
    },
    {
      name: LIMITS.snsPublish.what,
      kind: 'soft',
      value: LIMITS.snsPublish.value,
      unit: 'msg/s',
      used: (p) => p.sns.publishes,
    },
    {
      name: LIMITS.kinesisShards.what,
      kind: 'soft',
      value: LIMITS.kinesisShards.value,
      unit: 'shards',
      used: (p) => p.kinesis.shards,
    },
  ];
}

/**
 * The transactions per second at which `limit` is reached, found by
 * bisection because some uses (shards, batch fill) are not linear in the rate.
 */
export function bindingRate(limit: Limit, f: Footprints, inputs: PlanInputs = PLAN_INPUTS) {
  const usedAt = (r: number) => limit.used(planAt(r, f, inputs, r));
  if (usedAt(1e7) < limit.value) return Number.POSITIVE_INFINITY;
  let lo = 1;
  let hi = 1e7;
  if (usedAt(lo) >= limit.value) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (usedAt(mid) >= limit.value) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A key every writer of some kind shares: how fast it can be written, and what it limits. */
export interface HotKey {
  readonly key: string;
  /** What one write to it costs (all its items in one posting). */
  readonly wcuPerWrite: number;
  /** Writes per second that use up its partition's 1,000 WCU/s. */
  readonly byWcu: number;
  /** Writes per second that keep it held by transactions under the target share of the time. */
  readonly byHold: number;
  /** Writes per second it gets per network transaction per second (0: not shared across the network). */
  readonly perNetworkTx: number;
  readonly note: string;
}

export function hotKeys(f: Footprints, inputs: PlanInputs = PLAN_INPUTS): HotKey[] {
  const D = inputs.dynamodb;
  const per = perTransaction(f, inputs);
  const w = f.byType.WITHDRAWAL;
  const accountPk = w.writes.find((x) => x.item === 'ACCT')?.pk ?? '';
  const accountWcu = w.writes.filter((x) => x.pk === accountPk).reduce((n, x) => n + x.wcu, 0);
  const totals = w.writes.find((x) => x.item === 'TOTALS');
  const atmItems = w.writes.filter((x) => x.pk.includes('ATM_CASH'));
  const byHold = (D.holdTarget * 1000) / D.transactionHoldMs;
  const lane = 1000 / inputs.ledger.postingMs;
  const cashShare = inputs.mix.WITHDRAWAL + inputs.mix.DEPOSIT + inputs.mix.REVERSAL;
  return [
    {
      key: 'a customer account (its own lane)',
      wcuPerWrite: accountWcu,
      byWcu: D.partitionWcu / accountWcu,
      byHold: lane,
      perNetworkTx: 0,
      note: 'posted serially in its lane: one write at a time, so never held twice; a card does a few a day',
    },
    {
      key: 'a payee credited from many lanes (merchant, pooled account)',
      wcuPerWrite: accountWcu,
      byWcu: D.partitionWcu / accountWcu,
      byHold,
      perNetworkTx: 0,
      note: 'lanes race on its version: each loser is cancelled and decides again from ALL_OLD',
    },
    {
      key: `an ATM's cash account ATM_CASH:<atm> (${atmItems.length} items written)`,
      wcuPerWrite: atmItems.reduce((n, x) => n + x.wcu, 0),
      byWcu: Number.POSITIVE_INFINITY,
      byHold: Number.POSITIVE_INFINITY,
      perNetworkTx: 0,
      note: 'its legs live on the transaction item; one ATM does a transaction every 30-60 s anyway',
    },
    {
      key: 'one network-wide pooled cash item (if there were one)',
      wcuPerWrite: 2,
      byWcu: D.partitionWcu / 2,
      byHold,
      perNetworkTx: cashShare,
      note: 'every withdrawal, deposit and reversal would write it: what the design avoids',
    },
    {
      key: `one running-totals item TOTALS#<0..${D.totalsShards - 1}> (per currency)`,
      wcuPerWrite: totals?.wcu ?? 0,
      byWcu: D.partitionWcu / (totals?.wcu ?? 1),
      byHold,
      perNetworkTx: per.totalsUpdates / D.totalsShards,
      note: 'shard = FNV-1a(transaction id) mod 32, so postings spread evenly over the 32',
    },
  ];
}

/** The network rate at which a hot key binds (Infinity when the network does not share it). */
export const hotKeyBindingRate = (k: HotKey) =>
  k.perNetworkTx > 0 ? Math.min(k.byWcu, k.byHold) / k.perNetworkTx : Number.POSITIVE_INFINITY;

// ---- cost -----------------------------------------------------------------------------------

export interface MonthlyLine {
  readonly what: string;
  readonly unit: string;
  readonly quantity: number;
  readonly usd: number;
}

/** A month of `rate` sustained, priced line by line with the repository's price list. */
export function monthlyCost(
  rate: number,
  f: Footprints,
  pricing: Pricing,
  inputs: PlanInputs = PLAN_INPUTS,
  peakRate = rate * inputs.paydayPeak,
): { lines: MonthlyLine[]; total: number; unpriced: string[] } {
  const p = planAt(rate, f, inputs, peakRate);
  const s = inputs.seconds.month;
  const transactions = rate * s;
  const gbs = (invocationsPerSecond: number, ms: number, memoryMb: number) =>
    invocationsPerSecond * s * (Math.max(1, Math.ceil(ms)) / 1000) * (memoryMb / 1024);
  const lambda = (per: number, ms: number, mb: number): Units => ({
    'lambda.requests': per * s,
    'lambda.gbSeconds': gbs(per, ms, mb),
  });
  const N = inputs.notifier;
  const notifierInvocations = Object.values(p.notifier).reduce(
    (n, q) => n + q.invocationsPerSecond,
    0,
  );
  const notifierGbs = Object.values(p.notifier).reduce(
    (n, q) => n + gbs(q.invocationsPerSecond, q.batchMs, N.memoryMb),
    0,
  );
  const notifierMessages = Object.values(p.notifier).reduce((n, q) => n + q.messagesPerSecond, 0);
  const rows: [string, Units][] = [
    ['API Gateway HTTP API', { 'apigateway.requests': transactions }],
    ['Lambda ingest', lambda(rate, inputs.ingest.durationMs, inputs.ingest.memoryMb)],
    [
      'Lambda ledger (Kinesis)',
      lambda(p.ledger.invocationsPerSecond, p.ledger.durationMs, inputs.ledger.memoryMb),
    ],
    [
      'Lambda publish enrichment (pipe)',
      lambda(p.pipe.batchesPerSecond, inputs.pipe.enrichmentMs, inputs.pipe.memoryMb),
    ],
    [
      'Lambda notifiers',
      { 'lambda.requests': notifierInvocations * s, 'lambda.gbSeconds': notifierGbs },
    ],
    [
      'Lambda timers sweep',
      {
        'lambda.requests': inputs.timers.invocationsPerMonth,
        'lambda.gbSeconds':
          inputs.timers.invocationsPerMonth *
          (inputs.timers.durationMs / 1000) *
          (inputs.timers.memoryMb / 1024),
      },
    ],
    ['DynamoDB ledger writes', { 'dynamodb.wru': p.dynamodb.ledgerWru * s }],
    ['DynamoDB ingest door writes', { 'dynamodb.wru': p.dynamodb.doorWru * s }],
    ['DynamoDB ledger reads (reversals)', { 'dynamodb.rru': p.dynamodb.ledgerRru * s }],
    ['DynamoDB notifier idempotency writes', { 'dynamodb.wru': p.dynamodb.notifierWru * s }],
    [
      'DynamoDB Streams reads (pipe GetRecords)',
      { 'streams.readRequests': p.pipe.getRecordsPerSecond * s },
    ],
    // On-demand bills each record rounded up to 1 KiB in; reads by bytes.
    [
      'Kinesis data in',
      { 'kinesis.ingestKiB': transactions * Math.max(1, Math.ceil(f.kinesisRecordBytes / 1024)) },
    ],
    [
      'Kinesis data out (ledger)',
      { 'kinesis.readKiB': (transactions * f.kinesisRecordBytes) / 1024 },
    ],
    ['EventBridge Pipes requests', { 'pipes.requests': p.pipe.recordsPerSecond * s }],
    ['EventBridge bus events', { 'eventbridge.events': p.bus.events * s }],
    ['SNS publishes', { 'sns.publishes': p.sns.publishes * s }],
    // A receive and a batch delete per batch, as the loadtest meters them; SNS's delivery to SQS is not billed there.
    [
      'SQS requests (notifier queues)',
      { 'sqs.requests': ((2 * notifierMessages) / N.batchSize) * s },
    ],
    [
      'EventBridge Scheduler (timers)',
      { 'scheduler.invocations': inputs.timers.invocationsPerMonth },
    ],
  ];
  const meterRows: MeterRow[] = rows.map(([what, units]) => ({
    mode: 'streaming',
    what,
    calls: 0,
    units,
    estimated: true,
  }));
  const priced = costPerMillion(meterRows, 'streaming', transactions, pricing);
  const lines: MonthlyLine[] = priced.lines.map((l) => ({
    what: l.what,
    unit: l.unit,
    quantity: l.perTransaction * transactions,
    usd: (l.usdPerMillion * transactions) / 1_000_000,
  }));
  const stream = pricing.fixed['kinesis.onDemandStreamHour'];
  if (stream) {
    const hours = s / 3600;
    lines.push({
      what: 'Kinesis on-demand stream',
      unit: 'kinesis.onDemandStreamHour',
      quantity: hours,
      usd: (hours * stream.usd) / stream.per,
    });
  }
  lines.sort((a, b) => b.usd - a.usd);
  return { lines, total: lines.reduce((n, l) => n + l.usd, 0), unpriced: [...priced.unpriced] };
}

/** What a month of `rate` adds that the price list has no line for, and what the table's growth costs. */
export function growth(
  rate: number,
  f: Footprints,
  pricing: Pricing,
  inputs: PlanInputs = PLAN_INPUTS,
) {
  const per = perTransaction(f, inputs);
  const s = inputs.seconds.month;
  const gbPerMonth = (rate * s * per.storedBytes) / 1024 ** 3;
  const partitionsAfterYear = Math.ceil(
    (12 * gbPerMonth * 1024 ** 3) / inputs.dynamodb.partitionBytes,
  );
  // Every partition has a stream shard, and the pipe polls each one, busy or not.
  const reads = pricing.prices['streams.readRequests'];
  const getRecordsUsdAfterYear =
    reads === undefined
      ? Number.NaN
      : (partitionsAfterYear * inputs.pipe.pollsPerSecond * s * reads.usd) / reads.per;
  return {
    storageGbAddedPerMonth: gbPerMonth,
    partitionsAfterYear,
    getRecordsUsdAfterYear,
    notificationsPerMonth: Object.values(per.notifications).reduce((n, x) => n + x, 0) * rate * s,
  };
}

// ---- printing -------------------------------------------------------------------------------

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '∞');
const n1 = (x: number) =>
  x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const n2 = (x: number) =>
  x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const usd = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const pct = (x: number) => `${Math.round(100 * x)}%`;

export function formatFootprints(all: readonly Footprints[]): string {
  const out: string[] = [];
  const [typical] = all.filter((f) => f.profile === PROFILES.typical.name);
  if (typical === undefined) throw new Error('no typical profile');
  out.push(`Measured: what one transaction writes (${typical.profile}, the lane warm)\n`);
  out.push(
    '| type | outcome | items written | tx item bytes | WCU | RCU | events | receipts msg / sent | alerts msg / sent |',
  );
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|');
  for (const t of MIX_TYPES) {
    const fp = typical.byType[t];
    const items = fp.writes.map((w) => `${w.op} ${w.item} ${w.bytes} B`).join(' · ');
    out.push(
      `| ${t} | ${fp.outcome} | ${items} | ${fp.txItemBytes} | ${fp.wcu} | ${fp.rcu} | ${fp.events.length} | ${fp.messages.receipts} / ${fp.notifications.receipts} | ${fp.messages.alerts} / ${fp.notifications.alerts} |`,
    );
  }
  out.push('');
  out.push('Transaction item bytes [write units of the whole posting], by profile\n');
  out.push(
    `| profile | Kinesis record | door marker | account | totals | ${MIX_TYPES.join(' | ')} |`,
  );
  out.push(`|---|---:|---:|---:|---:|${MIX_TYPES.map(() => '---:').join('|')}|`);
  for (const f of all) {
    const cells = MIX_TYPES.map((t) => `${f.byType[t].txItemBytes} [${f.byType[t].wcu}]`);
    out.push(
      `| ${f.profile} | ${f.kinesisRecordBytes} | ${f.doorItemBytes} [${f.doorWcu}] | ${f.accountItemBytes} | ${f.totalsItemBytes} | ${cells.join(' | ')} |`,
    );
  }
  return out.join('\n');
}

export function formatPlan(f: Footprints, pricing: Pricing, inputs: PlanInputs = PLAN_INPUTS) {
  const out: string[] = [];
  const per = perTransaction(f, inputs);
  const mix = MIX_TYPES.map((t) => `${t} ${pct(inputs.mix[t])}`).join(', ');
  out.push(`\nPer transaction, mix ${mix}:\n`);
  out.push(
    `- ledger ${n2(per.ledgerWru)} WRU + door ${per.doorWru} WRU, ${n2(per.ledgerRru)} RRU; ${n2(per.totalsUpdates)} totals updates; ${n2(per.events)} events; ${n2(per.pipeRecords)} pipe records; ${n2(per.streamRecords)} stream records;`,
  );
  out.push(
    `- receipts ${n2(per.messages.receipts)} msg (${n2(per.notifications.receipts)} sent), alerts ${n2(per.messages.alerts)} msg (${n2(per.notifications.alerts)} sent); notifier table ${n2(per.notifierWru)} WRU; ${n0(per.storedBytes)} bytes kept in the table`,
  );

  const L = inputs.ledger;
  const D = inputs.dynamodb;
  out.push(
    `\nAssumed (not measured): TransactWriteItems ${L.postingMs} ms, ledger invocation overhead ${L.invocationOverheadMs} ms, ingest ${inputs.ingest.durationMs} ms, enrichment ${inputs.pipe.enrichmentMs} ms, pipe batch cycle ${inputs.pipe.cycleMs} ms, ${inputs.pipe.pollsPerSecond} stream polls/s per shard, notifier send ${inputs.notifier.sendMs} ms; a transaction holds each item ${D.transactionHoldMs} ms; shards and partitions at ${pct(inputs.utilization)} of their limits at the peak`,
  );

  const points = inputs.sustainedRates.flatMap((r) => [
    { label: `${n0(r)} sustained`, p: planAt(r, f, inputs, r * inputs.paydayPeak) },
    {
      label: `${n0(r * inputs.paydayPeak)} peak`,
      p: planAt(r * inputs.paydayPeak, f, inputs, r * inputs.paydayPeak),
    },
  ]);
  out.push('\nPlan per rate (tx/s); shards and partitions sized for the peak\n');
  out.push(`| | ${points.map((x) => x.label).join(' | ')} |`);
  out.push(`|---|${points.map(() => '---:').join('|')}|`);
  const row = (name: string, cell: (p: RatePoint) => string) =>
    out.push(`| ${name} | ${points.map((x) => cell(x.p)).join(' | ')} |`);
  row(
    'Kinesis shards (binding: records or bytes)',
    (p) => `${p.kinesis.shards} (${p.kinesis.binding})`,
  );
  row('Kinesis in, MiB/s (whole stream)', (p) => n2(p.kinesis.inMiBps));
  row(`Kinesis out per shard, MiB/s (limit ${inputs.kinesis.bytesOutPerShard / 1_048_576})`, (p) =>
    n2(p.kinesis.outPerShardMiBps),
  );
  row('records/s per shard (limit 1,000)', (p) => n0(p.ledger.perShardRate));
  row(`ledger capacity per shard at PF ${inputs.ledger.parallelizationFactor}, rec/s`, (p) =>
    n0(p.ledger.perShardCapacity),
  );
  row(
    'ledger parallelization factor needed → used',
    (p) => `${p.ledger.parallelizationNeeded} → ${p.ledger.parallelization}`,
  );
  row('ledger concurrency (shards × PF)', (p) => n0(p.ledger.concurrency));
  row('ingest concurrency (rate × duration)', (p) => n1(p.ingest.concurrency));
  row('pipe: stream shards (≈ table partitions)', (p) => n0(p.pipe.streamShards));
  row(
    'pipe: records per batch / batches/s',
    (p) => `${n1(p.pipe.batchFill)} / ${n0(p.pipe.batchesPerSecond)}`,
  );
  row(
    'pipe: records/s per stream shard, capacity',
    (p) => `${n1(p.pipe.perShard)}, ${n0(p.pipe.perShardCapacity)}`,
  );
  row('pipe enrichment concurrency', (p) => n1(p.pipe.enrichmentConcurrency));
  row(
    'receipts: msg/s, batch ms, concurrency needed (max 5)',
    (p) =>
      `${n0(p.notifier.receipts.messagesPerSecond)}, ${n0(p.notifier.receipts.batchMs)}, ${n1(p.notifier.receipts.concurrencyNeeded)}`,
  );
  row(
    'alerts: msg/s, batch ms, concurrency needed (max 5)',
    (p) =>
      `${n0(p.notifier.alerts.messagesPerSecond)}, ${n0(p.notifier.alerts.batchMs)}, ${n1(p.notifier.alerts.concurrencyNeeded)}`,
  );
  row('timers sweep concurrency', () => '1');
  row('Lambda concurrency, all functions (default 1,000)', (p) => n0(p.lambdaConcurrency));
  row('ledger table WRU/s (ledger + door; default 40,000)', (p) => `${n0(p.dynamodb.tableWru)}`);
  row('ledger table RRU/s', (p) => n0(p.dynamodb.ledgerRru));
  row('ledger table partitions for throughput', (p) => n0(p.dynamodb.partitions));
  row('notifier table WRU/s', (p) => n0(p.dynamodb.notifierWru));
  row(`updates/s per totals item (${inputs.dynamodb.totalsShards} shards)`, (p) =>
    n1(p.totals.updatesPerItem),
  );
  row('WCU/s per totals item (limit 1,000)', (p) => n0(p.totals.wcuPerItem));
  row(`totals item held by a transaction (target ≤ ${pct(inputs.dynamodb.holdTarget)})`, (p) =>
    pct(p.totals.held),
  );
  row('totals shards needed', (p) => n0(p.totals.shardsNeeded));
  row('bus events/s = rule invocations/s (18,750)', (p) => n0(p.bus.events));
  row('PutEvents requests/s (10,000)', (p) => n0(p.bus.putEvents));
  row('SNS publishes/s (30,000)', (p) => n0(p.sns.publishes));
  row('API requests/s (account 10,000; infra stage 500)', (p) => n0(p.rate));

  out.push('\nHot keys (writes per second to one key)\n');
  out.push(
    `| key | WCU per write | limit by 1,000 WCU/s | limit by contention | ${points.map((x) => x.label).join(' | ')} | binds at | why |`,
  );
  out.push(`|---|---:|---:|---:|${points.map(() => '---:').join('|')}|---:|---|`);
  for (const k of hotKeys(f, inputs)) {
    const cells = points.map((x) => (k.perNetworkTx > 0 ? n1(x.p.rate * k.perNetworkTx) : '—'));
    out.push(
      `| ${k.key} | ${k.wcuPerWrite} | ${n0(k.byWcu)} | ${n0(k.byHold)} | ${cells.join(' | ')} | ${k.perNetworkTx > 0 ? `${n0(hotKeyBindingRate(k))} network tx/s` : `${n0(Math.min(k.byWcu, k.byHold))} tx/s on that key`} | ${k.note} |`,
    );
  }

  out.push('\nLimits, in the order the rate reaches them\n');
  out.push(
    `| limit | kind | limit value | binds at tx/s | ${points.map((x) => x.label).join(' | ')} |`,
  );
  out.push(`|---|---|---:|---:|${points.map(() => '---:').join('|')}|`);
  const limits = limitsOf(f, inputs)
    .map((l) => ({ l, at: bindingRate(l, f, inputs) }))
    .sort((a, b) => a.at - b.at);
  for (const { l, at } of limits) {
    const cells = points.map((x) => pct(l.used(x.p) / l.value));
    const value = l.value < 10 ? n1(l.value) : n0(l.value);
    out.push(`| ${l.name} | ${l.kind} | ${value} ${l.unit} | ${n0(at)} | ${cells.join(' | ')} |`);
  }

  out.push('\nFirst limit reached, by kind\n');
  for (const x of points) {
    const over = limits.filter(({ l }) => l.used(x.p) >= l.value);
    const first = (kind: Limit['kind']) => over.find(({ l }) => l.kind === kind)?.l.name ?? 'none';
    out.push(
      `- ${x.label}: setting: ${first('setting')}; contention: ${first('contention')}; AWS quota: ${first('soft')}; hard: ${first('hard')}`,
    );
  }

  for (const r of inputs.sustainedRates) {
    const c = monthlyCost(r, f, pricing, inputs);
    out.push(
      `\nA month at ${n0(r)} tx/s sustained (${n0(r * inputs.seconds.month)} transactions), ${pricing.region} list prices\n`,
    );
    out.push('| line | unit | quantity | USD |');
    out.push('|---|---|---:|---:|');
    for (const l of c.lines)
      out.push(`| ${l.what} | ${l.unit} | ${n0(l.quantity)} | ${usd(l.usd)} |`);
    out.push(
      `| **total** | | | **${usd(c.total)}** (${n2(c.total / ((r * inputs.seconds.month) / 1e6))} per million) |`,
    );
    if (c.unpriced.length > 0) out.push(`\n- unpriced units: ${c.unpriced.join(', ')}`);
    const g = growth(r, f, pricing, inputs);
    out.push(
      `\n- not in the price list: table storage +${n0(g.storageGbAddedPerMonth)} GB a month (point-in-time recovery bills the table's size again); ${n0(g.notificationsPerMonth)} e-mails or SMS; the bus archive; KMS, CloudWatch, data transfer; provisioned shard-hours`,
    );
    out.push(
      `- growth: after a year the table holds ${n0(12 * g.storageGbAddedPerMonth)} GB in ${n0(g.partitionsAfterYear)} partitions by size, as many stream shards for the pipe to poll: ${usd(g.getRecordsUsdAfterYear)} a month of GetRecords`,
    );
  }
  return out.join('\n');
}

async function main() {
  silenceSdkNodeVersionWarning();
  const profiles = [PROFILES.bench, PROFILES.typical, PROFILES.longest];
  const all = await Promise.all(profiles.map((p) => measureFootprints(p)));
  const typical = all[1] as Footprints;
  const pricing = await loadPricing();
  console.log(formatFootprints(all));
  console.log(formatPlan(typical, pricing));
  console.log(`\nPrices: ${pricing.warning}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
