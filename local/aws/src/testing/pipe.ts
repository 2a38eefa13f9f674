import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LocalPipe, type LocalPipeConfigInput, type PipeEnrichment } from '../pipe/index.js';
import { createQueue, emulatorClientOptions, uniqueName } from './emulator.js';

/** `source` of the events the generic test pipes put on their bus. */
export const TEST_SOURCE = 'atm-ledger.test';

export interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly eventbridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  destroy(): void;
}

export function makeClients(): Clients {
  const options = emulatorClientOptions;
  const all = {
    dynamodb: new DynamoDBClient(options()),
    streams: new DynamoDBStreamsClient(options()),
    eventbridge: new EventBridgeClient(options()),
    sqs: new SQSClient(options()),
    sns: new SNSClient(options()),
  };
  return {
    ...all,
    destroy() {
      for (const client of Object.values(all)) client.destroy();
    },
  };
}

/** A pk/sk table with a NEW_AND_OLD_IMAGES stream; returns its name and stream ARN. */
export async function createStreamTable(
  dynamodb: DynamoDBClient,
): Promise<{ tableName: string; streamArn: string }> {
  const tableName = uniqueName('pipe-table');
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  for (;;) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && Table.LatestStreamArn !== undefined) {
      return { tableName, streamArn: Table.LatestStreamArn };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes flat items (strings and numbers) one at a time, so the stream order is the order given. */
export async function putItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  items: readonly Record<string, string | number>[],
): Promise<void> {
  for (const item of items) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: Object.fromEntries(
          Object.entries(item).map(([k, v]) => [
            k,
            typeof v === 'number' ? { N: String(v) } : { S: String(v) },
          ]),
        ),
      }),
    );
  }
}

/** A transaction-shaped item (it passes the ledger filter) and an account item (it does not). */
export const txItem = (id: string, extra: Record<string, string | number> = {}) => ({
  pk: `TX#${id}`,
  sk: 'TX',
  entity: 'TRANSACTION',
  transactionId: id,
  ...extra,
});
export const accountItem = (id: string) => ({
  pk: `ACCT#${id}`,
  sk: 'ACCT',
  entity: 'ACCOUNT',
  accountId: id,
});

/** A custom bus whose every event from `sources` also lands in a queue, to see what reached the bus. */
export async function createObservedBus(
  eventbridge: EventBridgeClient,
  sqs: SQSClient,
  sources: readonly string[] = [TEST_SOURCE],
): Promise<{ name: string; arn: string; queueUrl: string }> {
  const name = uniqueName('pipe-bus');
  const { EventBusArn } = await eventbridge.send(new CreateEventBusCommand({ Name: name }));
  if (EventBusArn === undefined) throw new Error('CreateEventBus returned no ARN');
  const queue = await createQueue(sqs, 'pipe-bus-tap');
  const rule = uniqueName('everything');
  await eventbridge.send(
    new PutRuleCommand({
      Name: rule,
      EventBusName: name,
      EventPattern: JSON.stringify({ source: sources }),
    }),
  );
  await eventbridge.send(
    new PutTargetsCommand({
      Rule: rule,
      EventBusName: name,
      Targets: [{ Id: 'tap', Arn: queue.arn }],
    }),
  );
  return { name, arn: EventBusArn, queueUrl: queue.url };
}

export { createQueue, REGION, receiveJson, uniqueName } from './emulator.js';
export { waitFor } from './wait.js';

/**
 * What one PutEvents call carried and what it answered. A call is recorded
 * as it is sent: the bus may deliver its entries (and a test receive them)
 * before its answer is back, and until then `failedEntryCount` counts only
 * the injected failures.
 */
export interface PutEventsCall {
  readonly entries: PutEventsRequestEntry[];
  readonly failedEntryCount: number;
}

/**
 * Records every PutEvents call an EventBridge client makes. `fail` may make
 * a call throw before it is sent, or drop entries from it and report them
 * failed (as a partial failure), so those entries never reach the bus.
 */
export function tapPutEvents(
  client: EventBridgeClient,
  fail: (
    call: number,
    entries: readonly PutEventsRequestEntry[],
  ) => 'throw' | number[] | undefined = () => undefined,
): PutEventsCall[] {
  const calls: PutEventsCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand') return next(args);
      const input = args.input as PutEventsCommandInput;
      const entries = [...(input.Entries ?? [])];
      const verdict = fail(calls.length, entries);
      if (verdict === 'throw') {
        calls.push({ entries, failedEntryCount: entries.length });
        throw Object.assign(new Error('injected: PutEvents unavailable'), {
          name: 'InternalException',
        });
      }
      const failing = new Set(verdict ?? []);
      (args.input as PutEventsCommandInput).Entries = entries.filter((_, i) => !failing.has(i));
      const call = { entries, failedEntryCount: failing.size };
      calls.push(call);
      const result = await next(args);
      const output = result.output as PutEventsCommandOutput;
      const delivered = [...(output.Entries ?? [])];
      output.Entries = entries.map((_, i) =>
        failing.has(i)
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'injected entry failure' }
          : (delivered.shift() ?? {}),
      );
      output.FailedEntryCount = (output.FailedEntryCount ?? 0) + failing.size;
      call.failedEntryCount = output.FailedEntryCount;
      return result;
    },
    { step: 'initialize', name: 'tapPutEvents' },
  );
  return calls;
}

/** Ledger-event-like payloads the generic pipe tests enrich records into. */
export interface TestEvent {
  readonly type: 'test.changed';
  readonly id: string;
  readonly sequenceNumber: string;
}

/** Maps each record to one event, id = the item's key and its eventName: stable across redelivery. */
export const keyEnrichment: PipeEnrichment = (records) =>
  records.map(
    (r): TestEvent => ({
      type: 'test.changed',
      id: `${r.dynamodb?.Keys?.pk?.S}:${r.eventName}`,
      sequenceNumber: r.dynamodb?.SequenceNumber ?? '',
    }),
  );

export interface PipeSpec {
  readonly streamArn: string;
  readonly busArn: string;
  readonly checkpointTableName: string;
  readonly enrichment?: PipeEnrichment;
  readonly name?: string;
  readonly dlqArn?: string;
  readonly source?: Partial<LocalPipeConfigInput['sourceParameters']['dynamoDbStreamParameters']>;
  readonly filters?: readonly object[];
  readonly local?: LocalPipeConfigInput['local'];
  readonly eventbridge?: EventBridgeClient;
  readonly ownerId?: string;
  /** `source` of the events put on the bus; the generic test source by default. */
  readonly eventSource?: string;
}

/** Pipes with test-friendly timings; `cleanup` stops them all, so a failed assertion leaves none running. */
export function pipeHarness() {
  const clients = makeClients();
  const pipes: LocalPipe[] = [];
  return {
    clients,
    pipe(spec: PipeSpec): LocalPipe {
      const pipe = new LocalPipe({
        config: {
          name: spec.name ?? uniqueName('pipe'),
          source: spec.streamArn,
          sourceParameters: {
            dynamoDbStreamParameters: {
              startingPosition: 'TRIM_HORIZON',
              batchSize: 10,
              ...(spec.dlqArn === undefined ? {} : { deadLetterConfig: { arn: spec.dlqArn } }),
              ...spec.source,
            },
            ...(spec.filters === undefined
              ? {}
              : {
                  filterCriteria: {
                    filters: spec.filters.map((f) => ({ pattern: JSON.stringify(f) })),
                  },
                }),
          },
          target: spec.busArn,
          targetParameters: {
            eventBridgeEventBusParameters: {
              source: spec.eventSource ?? TEST_SOURCE,
              detailType: '$.type',
            },
          },
          local: {
            pollIntervalMs: 20,
            shardDiscoveryIntervalMs: 200,
            leaseDurationMs: 3_000,
            retryBackoff: { baseMs: 5, maxMs: 20 },
            ...spec.local,
          },
        },
        enrichment: spec.enrichment ?? keyEnrichment,
        clients: { ...clients, eventbridge: spec.eventbridge ?? clients.eventbridge },
        checkpointTableName: spec.checkpointTableName,
        ownerId: spec.ownerId,
      });
      pipes.push(pipe);
      return pipe;
    },
    async cleanup(): Promise<void> {
      await Promise.all(pipes.map((p) => p.stop({ abandonInFlight: true })));
      clients.destroy();
    },
  };
}

/** A fresh EventBridge client, so a test's middleware stays its own. */
export const eventBridgeClient = () => new EventBridgeClient(emulatorClientOptions());

/** The `detail` of each EventBridge event received from a bus tap queue. */
export const details = <T>(bodies: readonly unknown[]) =>
  bodies.map((b) => (b as { detail: T }).detail);
