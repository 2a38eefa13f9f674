import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import { backoffDelayMs, sleep } from '@atm-ledger/runtime';
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { PublishError, type TransactionPublisher } from '../ports.js';

/** PutRecords takes at most 500 entries per call. */
const MAX_ENTRIES = 500;

/** One partition key's records, in the order given, and how far they got. */
interface Lane {
  readonly entries: PutRecordsRequestEntry[];
  /** Index of the next record to put; every record before it is on the stream. */
  next: number;
  /** Times the record at `next` has been refused. */
  refusals: number;
  /** Set when the record at `next` was refused `maxAttempts` times: the lane stops there. */
  gaveUp: boolean;
}

/**
 * Publishes with PutRecords, partition key = account id, keeping each
 * account's records in the order given. PutRecords is not atomic: some entries
 * can be refused (throttling, internal errors) while later ones succeed, so two
 * records of one account in one call could land out of order once the refused
 * one is re-put. Each call therefore carries at most one record per key (round
 * k carries each key's next record), and a key's next record goes only once
 * the one before it landed. Only refused entries are re-sent, with backoff, so
 * a retry never duplicates a record that already landed. A key whose record is
 * still refused after `maxAttempts` sends nothing more: its later records
 * would otherwise overtake it.
 */
export class KinesisTransactionPublisher implements TransactionPublisher {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly options: {
      maxAttempts?: number;
      /** Delay ceiling before a refused record's first re-put; it doubles per refusal, up to 2 s. */
      baseDelayMs?: number;
    } = {},
  ) {}

  async publish(records: readonly AtmTransactionRecord[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = { baseMs: this.options.baseDelayMs ?? 200, maxMs: 2_000 };
    const lanes = new Map<string, Lane>();
    for (const record of records) {
      const key = record.transaction.accountId;
      const lane = lanes.get(key) ?? { entries: [], next: 0, refusals: 0, gaveUp: false };
      lane.entries.push({
        PartitionKey: key,
        Data: Buffer.from(JSON.stringify(record)),
      });
      lanes.set(key, lane);
    }
    let lastError = '';
    for (;;) {
      const heads = [...lanes.values()].filter((l) => !l.gaveUp && l.next < l.entries.length);
      if (heads.length === 0) break;
      // Back off only before re-sending a refused record; a round of fresh ones goes at once.
      const retry = heads.reduce((most, l) => Math.max(most, l.refusals), 0);
      if (retry > 0) await sleep(backoffDelayMs(backoff, retry));
      for (let i = 0; i < heads.length; i += MAX_ENTRIES) {
        const call = heads.slice(i, i + MAX_ENTRIES);
        const errors = await this.put(call.map((l) => l.entries[l.next] as PutRecordsRequestEntry));
        for (const [j, lane] of call.entries()) {
          const error = errors[j];
          if (error === undefined) {
            lane.next += 1;
            lane.refusals = 0;
            continue;
          }
          lastError = error;
          lane.refusals += 1;
          if (lane.refusals >= maxAttempts) lane.gaveUp = true;
        }
      }
    }
    const stopped = [...lanes.values()].filter((l) => l.gaveUp);
    if (stopped.length === 0) return;
    const missing = stopped.reduce((n, l) => n + l.entries.length - l.next, 0);
    const unsent = missing - stopped.length;
    throw new PublishError(
      `${missing} of ${records.length} records not accepted by the stream after ${maxAttempts} attempts: ${lastError}` +
        (unsent > 0
          ? `; ${unsent} of them not sent, because an earlier record of the same account was refused`
          : ''),
    );
  }

  /** One PutRecords call: the error code of each entry, `undefined` where it landed. */
  private async put(entries: PutRecordsRequestEntry[]): Promise<(string | undefined)[]> {
    try {
      const response = await this.client.send(
        new PutRecordsCommand({ StreamName: this.streamName, Records: entries }),
      );
      const results = response.Records ?? [];
      // An entry the answer does not account for is treated as refused: sending it again is safe.
      return entries.map((_, i) =>
        results[i] === undefined ? 'MissingResult' : results[i]?.ErrorCode,
      );
    } catch (error) {
      // The whole call failed after the SDK's own retries: every entry in it counts as refused.
      return entries.map(() => (error as Error).name);
    }
  }
}
