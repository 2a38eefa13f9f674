import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { PublishError, type TransactionPublisher } from '../ports.js';

/** PutRecords takes at most 500 entries per call. */
const MAX_ENTRIES = 500;

/**
 * Publishes with PutRecords, partition key = account id. PutRecords is not
 * atomic: some entries can fail (throttling, internal errors) while others
 * succeed. Only the failed ones are retried, with backoff, so a retry never
 * duplicates a record that already landed (the ledger would absorb it, but the
 * stream stays cleaner and cheaper).
 */
export class KinesisTransactionPublisher implements TransactionPublisher {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly options: { maxAttempts?: number; baseDelayMs?: number } = {},
  ) {}

  async publish(records: readonly AtmTransactionRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_ENTRIES) {
      await this.publishChunk(records.slice(i, i + MAX_ENTRIES));
    }
  }

  private async publishChunk(records: readonly AtmTransactionRecord[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const baseDelayMs = this.options.baseDelayMs ?? 50;
    let pending: PutRecordsRequestEntry[] = records.map((record) => ({
      PartitionKey: record.transaction.accountId,
      Data: Buffer.from(JSON.stringify(record)),
    }));
    let lastError = '';
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new PublishError(
          `${pending.length} of ${records.length} records not accepted by the stream after ${maxAttempts} attempts: ${lastError}`,
        );
      }
      if (attempt > 1) {
        await new Promise((r) =>
          setTimeout(r, Math.random() * Math.min(2_000, baseDelayMs * 2 ** attempt)),
        );
      }
      let response: PutRecordsCommandOutput;
      try {
        response = await this.client.send(
          new PutRecordsCommand({ StreamName: this.streamName, Records: pending }),
        );
      } catch (error) {
        lastError = (error as Error).name;
        continue;
      }
      const results = response.Records ?? [];
      const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
      lastError = results.find((r) => r.ErrorCode !== undefined)?.ErrorCode ?? lastError;
      pending = failed;
    }
  }
}
