import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import {
  DynamoDbCheckpointStore,
  type EventSourceMappingEventMap,
  KinesisEventSourceMapping,
  type KinesisHandler,
  type StreamEventSourceMappingConfigInput,
  type StreamHandlerResult,
} from '../esm/index.js';
import { emulatorClientOptions, uniqueName } from './emulator.js';

export interface Clients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  destroy(): void;
}

export function makeClients(): Clients {
  const options = emulatorClientOptions;
  const kinesis = new KinesisClient(options());
  const dynamodb = new DynamoDBClient(options());
  const sqs = new SQSClient(options());
  return {
    kinesis,
    dynamodb,
    sqs,
    destroy() {
      kinesis.destroy();
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}

export async function createStream(kinesis: KinesisClient, shardCount: number): Promise<string> {
  const StreamName = uniqueName('esm');
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: shardCount }));
  for (;;) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
    const summary = out.StreamDescriptionSummary;
    if (summary?.StreamStatus === 'ACTIVE' && summary.StreamARN !== undefined) {
      return summary.StreamARN;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PutResult {
  readonly partitionKey: string;
  readonly data: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** One PutRecord at a time, so the stream order is the order given. */
export async function putRecords(
  kinesis: KinesisClient,
  streamArn: string,
  records: readonly { partitionKey: string; data: string }[],
): Promise<PutResult[]> {
  const results: PutResult[] = [];
  for (const r of records) {
    const out = await kinesis.send(
      new PutRecordCommand({
        StreamARN: streamArn,
        PartitionKey: r.partitionKey,
        Data: Buffer.from(r.data),
      }),
    );
    if (out.ShardId === undefined || out.SequenceNumber === undefined) {
      throw new Error('PutRecord returned no position');
    }
    results.push({ ...r, shardId: out.ShardId, sequenceNumber: out.SequenceNumber });
  }
  return results;
}

export { createQueue, REGION, receiveJson, uniqueName } from './emulator.js';
export { waitFor } from './wait.js';

/** One handler call as the test saw it. */
export interface Invocation {
  readonly event: KinesisStreamEvent;
  readonly context: Context;
  readonly at: number;
  readonly data: string[];
  readonly sequenceNumbers: string[];
  readonly shardId: string;
}

/**
 * A handler that records every call and answers with `respond` (which may
 * throw to fail the invocation).
 */
export function recordingHandler(
  respond: (
    invocation: Invocation,
    index: number,
  ) => StreamHandlerResult | Promise<StreamHandlerResult> = () => undefined,
) {
  const invocations: Invocation[] = [];
  const handler = async (event: KinesisStreamEvent, context: Context) => {
    const first = event.Records[0];
    const invocation: Invocation = {
      event,
      context,
      at: Date.now(),
      data: event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()),
      sequenceNumbers: event.Records.map((r) => r.kinesis.sequenceNumber),
      shardId: first === undefined ? '' : (first.eventID.split(':')[0] ?? ''),
    };
    invocations.push(invocation);
    return respond(invocation, invocations.length - 1);
  };
  return { handler, invocations };
}

/** Collects a mapping's events of one kind. */
export function collect<K extends keyof EventSourceMappingEventMap>(
  mapping: KinesisEventSourceMapping,
  event: K,
): EventSourceMappingEventMap[K][0][] {
  const seen: EventSourceMappingEventMap[K][0][] = [];
  (mapping.on as (e: string, l: (arg: EventSourceMappingEventMap[K][0]) => void) => unknown)(
    event,
    (arg) => {
      seen.push(arg);
    },
  );
  return seen;
}

export interface MappingSpec {
  readonly streamArn: string;
  readonly handler: KinesisHandler;
  readonly checkpointTableName: string;
  readonly mappingId?: string;
  readonly ownerId?: string;
  readonly config?: Partial<StreamEventSourceMappingConfigInput>;
}

/**
 * Clients plus a factory for mappings with test-friendly timings; `cleanup`
 * stops every mapping it made, so a failed assertion leaves no poller running.
 */
export function esmHarness() {
  const clients = makeClients();
  const mappings: KinesisEventSourceMapping[] = [];
  return {
    clients,
    mapping(spec: MappingSpec): KinesisEventSourceMapping {
      const mapping = new KinesisEventSourceMapping({
        config: {
          mappingId: spec.mappingId ?? uniqueName('mapping'),
          eventSourceArn: spec.streamArn,
          functionName: 'ledger-test',
          startingPosition: 'TRIM_HORIZON',
          pollIntervalMs: 20,
          shardDiscoveryIntervalMs: 200,
          leaseDurationMs: 3_000,
          retryBackoff: { baseMs: 10, maxMs: 50 },
          ...spec.config,
        },
        handler: spec.handler,
        clients,
        checkpointTableName: spec.checkpointTableName,
        ownerId: spec.ownerId,
      });
      mappings.push(mapping);
      return mapping;
    },
    async cleanup(): Promise<void> {
      await Promise.all(mappings.map((m) => m.stop({ abandonInFlight: true })));
      clients.destroy();
    },
  };
}

export function checkpointStore(clients: Clients, tableName: string): DynamoDbCheckpointStore {
  return new DynamoDbCheckpointStore(clients.dynamodb, tableName);
}
