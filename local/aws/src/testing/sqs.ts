import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  SqsEventSourceMapping,
  type SqsEventSourceMappingConfigInput,
  type SqsEventSourceMappingEventMap,
  type SqsHandler,
} from '../sqs/index.js';
import { emulatorClientOptions, uniqueName } from './emulator.js';

export const sqsClient = () => new SQSClient(emulatorClientOptions());

export interface TestQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

async function queue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<TestQueue> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error('no queue URL');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { name, url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
}

/**
 * A queue shaped like the notifiers' (a DLQ with maxReceiveCount) but with a
 * 1 s visibility timeout, so redeliveries come quickly.
 */
export async function createQueueWithDlq(
  sqs: SQSClient,
  opts: { maxReceiveCount?: number; visibilityTimeout?: number } = {},
): Promise<{ source: TestQueue; dlq: TestQueue }> {
  const name = uniqueName('sqs-esm');
  const dlq = await queue(sqs, `${name}-dlq`, {});
  const source = await queue(sqs, name, {
    VisibilityTimeout: String(opts.visibilityTimeout ?? 1),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: opts.maxReceiveCount ?? 3,
    }),
  });
  return { source, dlq };
}

export async function createPlainQueue(sqs: SQSClient, visibilityTimeout = 1): Promise<TestQueue> {
  return queue(sqs, uniqueName('sqs-plain'), { VisibilityTimeout: String(visibilityTimeout) });
}

export async function send(
  sqs: SQSClient,
  url: string,
  body: string,
  attributes?: Record<string, MessageAttributeValue>,
): Promise<string> {
  const out = await sqs.send(
    new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attributes }),
  );
  return out.MessageId ?? '';
}

/** Visible plus in-flight messages: zero once everything is deleted (or moved away). */
export async function depth(
  sqs: SQSClient,
  url: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export { REGION, uniqueName } from './emulator.js';
export { waitFor } from './wait.js';

/** One handler call as the test saw it. */
export interface SqsInvocation {
  readonly event: SQSEvent;
  readonly context: Context;
  /** Bodies, in batch order. */
  readonly bodies: string[];
}

/** A handler that records each call and answers with `behaviour` (default: success). */
export function recordingHandler(
  behaviour: (
    invocation: SqsInvocation,
    index: number,
  ) => Promise<SQSBatchResponse | undefined> = async () => undefined,
): { handler: SqsHandler; invocations: SqsInvocation[] } {
  const invocations: SqsInvocation[] = [];
  const handler: SqsHandler = async (event, context) => {
    const invocation = { event, context, bodies: event.Records.map((r) => r.body) };
    invocations.push(invocation);
    return behaviour(invocation, invocations.length - 1);
  };
  return { handler, invocations };
}

export function collect<K extends keyof SqsEventSourceMappingEventMap>(
  mapping: SqsEventSourceMapping,
  event: K,
): SqsEventSourceMappingEventMap[K][0][] {
  const seen: SqsEventSourceMappingEventMap[K][0][] = [];
  (mapping.on as (e: string, l: (arg: SqsEventSourceMappingEventMap[K][0]) => void) => void)(
    event,
    (arg) => seen.push(arg),
  );
  return seen;
}

/** Mappings made by a test, stopped after it; fast polling so tests stay quick. */
export function harness() {
  const sqs = sqsClient();
  const mappings: SqsEventSourceMapping[] = [];
  return {
    sqs,
    mappings,
    mapping(
      queueArn: string,
      handler: SqsHandler,
      config: Partial<SqsEventSourceMappingConfigInput> = {},
    ): SqsEventSourceMapping {
      const mapping = new SqsEventSourceMapping({
        config: {
          eventSourceArn: queueArn,
          functionName: 'test-function',
          functionResponseTypes: ['ReportBatchItemFailures'],
          functionTimeoutSeconds: 1,
          pollIntervalMs: 20,
          ...config,
        },
        handler,
        clients: { sqs },
      });
      mappings.push(mapping);
      return mapping;
    },
    async cleanup() {
      await Promise.all(mappings.map((m) => m.stop({ abandonInFlight: true })));
      sqs.destroy();
    },
  };
}
