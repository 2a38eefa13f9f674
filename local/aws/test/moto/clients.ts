import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { emulatorClientOptions } from '../../src/testing/emulator.js';

/** Options for a client of this run's emulator, with as many sockets as asked (SDK default 50). */
export function clientOptions(opts: { maxSockets?: number } = {}) {
  return emulatorClientOptions(opts);
}

export const clients = {
  dynamodb: (opts?: { maxSockets?: number }) => new DynamoDBClient(clientOptions(opts)),
  streams: () => new DynamoDBStreamsClient(clientOptions()),
  eventbridge: () => new EventBridgeClient(clientOptions()),
  kinesis: () => new KinesisClient(clientOptions()),
  sns: () => new SNSClient(clientOptions()),
  sqs: () => new SQSClient(clientOptions()),
};

/** Test files run in parallel against one server: every resource gets a unique name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
