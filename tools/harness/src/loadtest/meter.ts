import {
  type AttributeValue,
  DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { itemSize, readUnits, writeUnits } from '../bench/capacity.js';

export type Mode = 'streaming' | 'batch';

/**
 * Billable units, named after the price list (`pricing.json`) that prices them.
 * Counted per call from what the call carried, by each service's published rules.
 */
export type Unit =
  | 'apigateway.requests'
  | 'lambda.requests'
  | 'lambda.gbSeconds'
  | 'dynamodb.wru'
  | 'dynamodb.rru'
  | 'streams.readRequests'
  | 'kinesis.ingestKiB'
  | 'kinesis.readKiB'
  | 'pipes.requests'
  | 'eventbridge.events'
  | 'sns.publishes'
  | 'sqs.requests'
  | 'scheduler.invocations';

export type Units = Partial<Record<Unit, number>>;

/** Which tables belong to which path; anything else unknown to us counts as streaming. */
export interface MeterResources {
  readonly streamingTables: readonly string[];
  readonly batchTables: readonly string[];
  /** The local runtime's own tables (checkpoints, leases): AWS keeps these internally, for free. */
  readonly runtimeTables: readonly string[];
  /** Left off table names in the report (`<prefix>-ledger` shows as `ledger`). */
  readonly namePrefix?: string;
}

export interface MeterRow {
  readonly mode: Mode;
  /** `dynamodb:TransactWriteItems`, `lambda:ledger-stream`, … */
  readonly what: string;
  calls: number;
  units: Units;
  /** Whether the figure is estimated (no measurement behind it) rather than counted. */
  estimated: boolean;
}

/** What one SDK call was, as the counting middleware saw it. */
export interface ObservedCall {
  readonly service: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly output: Record<string, unknown> | undefined;
  readonly failed: boolean;
}

/**
 * Counts billable AWS usage per path while `enabled`. SDK calls come in
 * through {@link installSdkMeter}; Lambda, API Gateway and scheduler usage,
 * which no SDK call of ours shows, is added with {@link UsageMeter.add}.
 */
export class UsageMeter {
  enabled = false;
  readonly #rows = new Map<string, MeterRow>();

  constructor(readonly resources: MeterResources) {}

  add(mode: Mode, what: string, units: Units, opts: { calls?: number; estimated?: boolean } = {}) {
    if (!this.enabled) return;
    const key = `${mode}|${what}`;
    const row = this.#rows.get(key) ?? { mode, what, calls: 0, units: {}, estimated: false };
    row.calls += opts.calls ?? 1;
    for (const [unit, n] of Object.entries(units) as [Unit, number][])
      row.units[unit] = (row.units[unit] ?? 0) + n;
    row.estimated ||= opts.estimated ?? false;
    this.#rows.set(key, row);
  }

  /** A Lambda invocation of `memoryMb` that ran `durationMs` (billed per ms, as Lambda does). */
  addLambda(mode: Mode, fn: string, durationMs: number, memoryMb: number, estimated = false) {
    this.add(
      mode,
      `lambda:${fn}`,
      {
        'lambda.requests': 1,
        'lambda.gbSeconds': (Math.max(1, Math.ceil(durationMs)) / 1000) * (memoryMb / 1024),
      },
      { estimated },
    );
  }

  observe(call: ObservedCall): void {
    if (!this.enabled) return;
    const counted = classify(call, this.resources);
    if (counted === undefined) return;
    const what = `${call.service}:${call.operation}${counted.label ? ` (${counted.label})` : ''}`;
    this.add(counted.mode, what, counted.units, {
      estimated: counted.estimated ?? false,
    });
    if (counted.also)
      this.add(counted.mode, counted.also.what, counted.also.units, {
        estimated: counted.also.estimated,
      });
  }

  rows(): MeterRow[] {
    return [...this.#rows.values()].map((r) => ({ ...r, units: { ...r.units } }));
  }

  reset(): void {
    this.#rows.clear();
  }
}

const KIB = 1024;
const CHUNK_64K = 64 * KIB;

/**
 * Which path a call belongs to and what it is billed, or undefined for what
 * AWS does not bill per event: control-plane calls, idle polls (a fixed cost
 * per shard or queue, whatever the volume), the local runtime's checkpoints.
 */
export function classify(
  call: ObservedCall,
  resources: MeterResources,
):
  | {
      mode: Mode;
      units: Units;
      estimated?: boolean;
      label?: string;
      /** Usage the call causes elsewhere, counted under its own name. */
      also?: { what: string; units: Units; estimated: boolean };
    }
  | undefined {
  const { service, operation: op, input, output } = call;
  switch (service) {
    case 'dynamodb':
      return classifyDynamoDb(call, resources);
    case 'kinesis': {
      if (op === 'PutRecords' || op === 'PutRecord') {
        const records = (op === 'PutRecords' ? (input.Records as unknown[]) : [input]) as {
          Data?: Uint8Array;
          PartitionKey?: string;
        }[];
        // On-demand bills data in per record, rounded up to 1 KiB; the partition key counts.
        const kib = records.reduce((n, r) => n + Math.max(1, Math.ceil(recordBytes(r) / KIB)), 0);
        return { mode: 'streaming', units: { 'kinesis.ingestKiB': kib } };
      }
      if (op === 'GetRecords') {
        const records = (output?.Records ?? []) as { Data?: Uint8Array; PartitionKey?: string }[];
        if (records.length === 0) return undefined;
        const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
        return { mode: 'streaming', units: { 'kinesis.readKiB': bytes / KIB } };
      }
      return undefined;
    }
    case 'dynamodbstreams':
      // Pipes reading a table's stream pay for GetRecords; an empty poll is the fixed idle cost.
      if (op === 'GetRecords' && ((output?.Records as unknown[] | undefined)?.length ?? 0) > 0)
        return { mode: 'streaming', units: { 'streams.readRequests': 1 } };
      return undefined;
    case 'eventbridge': {
      if (op !== 'PutEvents') return undefined;
      const entries = (input.Entries ?? []) as Record<string, unknown>[];
      const chunks = entries.reduce(
        (n, e) => n + Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(e)) / CHUNK_64K)),
        0,
      );
      // Every entry is a Pipe request after filtering and an event on the bus. Each also
      // becomes one SNS publish (every ledger event matches the rule), which the emulator
      // makes inside PutEvents where no SDK call of ours can see it: hence estimated.
      return {
        mode: 'streaming',
        units: { 'pipes.requests': chunks, 'eventbridge.events': chunks },
        also: {
          what: 'sns:Publish (by the bus rule)',
          units: { 'sns.publishes': entries.length },
          estimated: true,
        },
      };
    }
    case 'sqs': {
      if (op === 'ReceiveMessage') {
        if (((output?.Messages as unknown[] | undefined)?.length ?? 0) === 0) return undefined;
        return { mode: 'streaming', units: { 'sqs.requests': 1 } };
      }
      if (
        /^(DeleteMessage|DeleteMessageBatch|ChangeMessageVisibility|ChangeMessageVisibilityBatch|SendMessage|SendMessageBatch)$/.test(
          op,
        )
      )
        return { mode: 'streaming', units: { 'sqs.requests': 1 } };
      return undefined;
    }
    case 'sns':
      return op === 'Publish' ? { mode: 'streaming', units: { 'sns.publishes': 1 } } : undefined;
    default:
      return undefined;
  }
}

const recordBytes = (r: { Data?: Uint8Array; PartitionKey?: string }) =>
  (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? '');

type Item = Record<string, AttributeValue>;

function classifyDynamoDb(
  call: ObservedCall,
  resources: MeterResources,
): { mode: Mode; units: Units; label: string } | undefined {
  const counted = classifyDynamoDbUnits(call, resources);
  if (counted === undefined) return undefined;
  const prefix = resources.namePrefix === undefined ? '' : `${resources.namePrefix}-`;
  const label = tablesOf(call.operation, call.input)
    .map((t) => (prefix !== '' && t.startsWith(prefix) ? t.slice(prefix.length) : t))
    .join(', ');
  return { ...counted, label };
}

function classifyDynamoDbUnits(
  call: ObservedCall,
  resources: MeterResources,
): { mode: Mode; units: Units } | undefined {
  const { operation: op, input, output } = call;
  const tables = tablesOf(op, input);
  if (tables.length === 0) return undefined;
  if (tables.every((t) => resources.runtimeTables.includes(t))) return undefined;
  const mode: Mode = tables.some((t) => resources.batchTables.includes(t)) ? 'batch' : 'streaming';
  const consistent = input.ConsistentRead === true;
  const read = (bytes: number) => readUnits(bytes) * (consistent ? 1 : 0.5);
  switch (op) {
    case 'PutItem':
      return { mode, units: { 'dynamodb.wru': writeUnits(itemSize(input.Item as Item)) } };
    // The item's size after an update is not in the request; the ledger's account
    // and counter items are well under 1 KB, which is one unit.
    case 'UpdateItem':
    case 'DeleteItem':
      return { mode, units: { 'dynamodb.wru': 1 } };
    case 'GetItem': {
      const item = output?.Item as Item | undefined;
      // A read of an absent item still costs the minimum.
      return { mode, units: { 'dynamodb.rru': read(item ? itemSize(item) : 0) } };
    }
    case 'BatchGetItem': {
      const requested = Object.entries(
        (input.RequestItems ?? {}) as Record<
          string,
          { Keys?: unknown[]; ConsistentRead?: boolean }
        >,
      );
      const responses = (output?.Responses ?? {}) as Record<string, Item[]>;
      let rru = 0;
      for (const [table, req] of requested) {
        const found = responses[table] ?? [];
        const unit = req.ConsistentRead === true ? 1 : 0.5;
        rru += found.reduce((n, item) => n + readUnits(itemSize(item)) * unit, 0);
        rru += Math.max(0, (req.Keys?.length ?? 0) - found.length) * unit;
      }
      return { mode, units: { 'dynamodb.rru': rru } };
    }
    case 'Query':
    case 'Scan': {
      // Billed on the total size read, rounded up once per request.
      const items = (output?.Items ?? []) as Item[];
      return { mode, units: { 'dynamodb.rru': read(items.reduce((n, i) => n + itemSize(i), 0)) } };
    }
    case 'BatchWriteItem': {
      let wru = 0;
      for (const reqs of Object.values(
        (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item } }[]>,
      ))
        for (const r of reqs) wru += r.PutRequest ? writeUnits(itemSize(r.PutRequest.Item)) : 1;
      return { mode, units: { 'dynamodb.wru': wru } };
    }
    case 'TransactWriteItems': {
      // Transactional writes cost twice; a cancelled transaction is billed too.
      let wru = 0;
      for (const item of (input.TransactItems ?? []) as TransactWriteItem[])
        wru += 2 * writeUnits(item.Put?.Item ? itemSize(item.Put.Item) : KIB);
      return { mode, units: { 'dynamodb.wru': wru } };
    }
    case 'TransactGetItems':
      return {
        mode,
        units: {
          'dynamodb.rru': 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 0),
        },
      };
    default:
      // DescribeTable (health checks), CreateTable and the like: control plane, not billed per call.
      return undefined;
  }
}

function tablesOf(op: string, input: Record<string, unknown>): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  if (op === 'BatchGetItem' || op === 'BatchWriteItem')
    return Object.keys((input.RequestItems ?? {}) as object);
  if (op === 'TransactWriteItems' || op === 'TransactGetItems') {
    const names = new Set<string>();
    for (const item of (input.TransactItems ?? []) as Record<string, { TableName?: string }>[])
      for (const part of Object.values(item)) if (part?.TableName) names.add(part.TableName);
    return [...names];
  }
  return [];
}

const METERED_CLIENTS = [
  ['dynamodb', DynamoDBClient],
  ['kinesis', KinesisClient],
  ['dynamodbstreams', DynamoDBStreamsClient],
  ['eventbridge', EventBridgeClient],
  ['sns', SNSClient],
  ['sqs', SQSClient],
] as const;

interface Instrumentable {
  middlewareStack: { add(mw: unknown, opts: { step: string; name: string }): void };
}

export interface SdkMeterHandle {
  /** Calls from this client are never counted (the load test's own reads). */
  exclude(client: object): void;
  uninstall(): void;
}

/**
 * Counts every SDK call made in this process, with a middleware on each
 * client. The Lambda entry points build their clients at module scope and run
 * unmodified, so the middleware is attached from the clients' `send` on a
 * client's first call rather than where it is built.
 */
let installs = 0;

export function installSdkMeter(meter: UsageMeter): SdkMeterHandle {
  // A client keeps the middleware of an earlier install; each gets its own name.
  const middlewareName = `atmLedgerUsageMeter${++installs}`;
  const excluded = new WeakSet<object>();
  const instrumented = new WeakSet<object>();
  const restore: (() => void)[] = [];
  for (const [service, Client] of METERED_CLIENTS) {
    const proto = Client.prototype as unknown as { send: (...args: unknown[]) => unknown };
    const hadOwn = Object.hasOwn(proto, 'send');
    const original = proto.send;
    proto.send = function (this: Instrumentable, ...args: unknown[]) {
      if (!instrumented.has(this) && !excluded.has(this)) {
        instrumented.add(this);
        this.middlewareStack.add(
          (next: (a: unknown) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
            async (a: { input: Record<string, unknown> }) => {
              const operation = String(context.commandName ?? '').replace(/Command$/, '');
              try {
                const result = await next(a);
                meter.observe({
                  service,
                  operation,
                  input: a.input,
                  output: result.output as Record<string, unknown>,
                  failed: false,
                });
                return result;
              } catch (error) {
                meter.observe({
                  service,
                  operation,
                  input: a.input,
                  output: undefined,
                  failed: true,
                });
                throw error;
              }
            },
          { step: 'initialize', name: middlewareName },
        );
      }
      return original.apply(this, args);
    };
    restore.push(() => {
      if (hadOwn) proto.send = original;
      else delete (proto as { send?: unknown }).send;
    });
  }
  return {
    exclude: (client) => excluded.add(client),
    uninstall: () => {
      for (const r of restore) r();
    },
  };
}
