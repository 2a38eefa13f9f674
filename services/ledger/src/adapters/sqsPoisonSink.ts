import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
        MessageBody: JSON.stringify({ ...record, failedAt: new Date().toISOString() }),
        MessageAttributes: { reason: { DataType: 'String', StringValue: record.reason } },
      }),
    );
  }
}
