import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { escapeNonAscii } from '../ascii.js';
import type { PoisonRecordSink } from '../ports.js';

/** Poison records go to an SQS dead-letter queue with their reason, so an operator can inspect and replay them. */
export class SqsPoisonRecordSink implements PoisonRecordSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(record: {
    reason: string;
    detail: string;
    source: Record<string, unknown>;
  }): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: asciiJson({ ...record, failedAt: new Date().toISOString() }),
        MessageAttributes: { reason: { DataType: 'String', StringValue: record.reason } },
      }),
    );
  }
}

/**
 * JSON with every character past ASCII written as a `\u` escape: the same
 * value once parsed, but a body SQS always accepts. A hostile record's
 * partition key may hold code points SQS refuses; a refused send would fail
 * the record on every delivery and stall its account.
 */
export function asciiJson(value: unknown): string {
  return escapeNonAscii(JSON.stringify(value));
}
