import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the emulator this run's tests point their SDK clients at. */
    awsEndpoint: string;
  }
}

export const REGION = 'us-east-1';

/**
 * Options for an SDK client of the run's emulator (vitest's provided
 * `awsEndpoint`): static dummy credentials, so no developer profile is read,
 * and an HTTP/1.1 handler, since the Kinesis client defaults to HTTP/2, which
 * the emulator does not speak.
 */
export function emulatorClientOptions(opts: { readonly maxSockets?: number } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 50 });
  return {
    endpoint: inject('awsEndpoint'),
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: agent, connectionTimeout: 3_000 }),
  };
}

/** Test files run in parallel against one emulator: every resource gets a unique name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createQueue(
  sqs: SQSClient,
  prefix = 'queue',
  attributes: Record<string, string> = {},
): Promise<{ name: string; url: string; arn: string }> {
  const name = uniqueName(prefix);
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error('CreateQueue returned no URL');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (Attributes?.QueueArn === undefined) throw new Error('queue has no ARN');
  return { name, url: QueueUrl, arn: Attributes.QueueArn };
}

/** Receives (and deletes) until `count` messages arrived or the deadline passed; bodies parsed as JSON. */
export async function receiveJson(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  timeoutMs = 10_000,
  waitTimeSeconds = 1,
): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const deadline = Date.now() + timeoutMs;
  do {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
      }),
    );
    for (const m of out.Messages ?? []) {
      bodies.push(JSON.parse(m.Body ?? 'null'));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  } while (bodies.length < count && Date.now() < deadline);
  return bodies;
}
