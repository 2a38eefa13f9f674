import { payloadHash } from '@atm-ledger/contracts';
import { type Clock, type Logger, type MetricsSink, MetricUnit } from '@atm-ledger/runtime';
import type { KinesisStreamRecord } from 'aws-lambda';
import { isLedgerInvariantError, type LedgerPolicy } from '../domain/index.js';
import { maskPans, maskPansInBase64 } from '../domain/maskPans.js';
import { isUnprocessableRecordError, type LedgerWriter, type PoisonRecordSink } from '../ports.js';
import type { AccountCache } from './accountCache.js';
import {
  decodeRecord,
  MAX_RECORD_BYTES,
  type PoisonReason,
  sanitizeDetail,
} from './decodeRecord.js';
import { type PostOutcome, postTransaction, type RetryPolicy } from './postTransaction.js';

export interface ConsumeDeps {
  readonly store: LedgerWriter;
  readonly clock: Clock;
  readonly poison: PoisonRecordSink;
  readonly logger: Logger;
  /** The reversal window; the default (one day) when absent. */
  readonly policy?: LedgerPolicy;
  /** The accounts this consumer's lanes last saw (see AccountCache). */
  readonly cache?: AccountCache;
  readonly retry?: RetryPolicy;
  /** Outcome counts (EMF); absent in tests that do not look at them. */
  readonly metrics?: MetricsSink;
}

const OUTCOME_METRIC = {
  POSTED: 'Posted',
  REJECTED: 'Rejected',
  PENDING: 'Pending',
  DUPLICATE: 'Duplicate',
  CONFLICT: 'Conflict',
} as const;

/**
 * An oversized record travels as a prefix of its data: this many base64
 * characters (a multiple of 4, so 3,072 whole bytes), with its size.
 */
export const OVERSIZED_PREFIX_BASE64_CHARS = 4096;

/**
 * What the poison queue receives about a record besides its reason: its
 * coordinates on the stream, and its data (base64), whole unless the record was
 * too large to accept. A record within {@link MAX_RECORD_BYTES} is at most
 * 87,384 characters of base64, so the message stays far under SQS's 256 KiB.
 */
export type PoisonSource = {
  /** The stream. */
  readonly eventSourceARN: string;
  readonly shardId: string;
  readonly eventID: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Seconds since the epoch, as Lambda gives it. */
  readonly approximateArrivalTimestamp: number;
  /** Size of the record's data in bytes (before base64). */
  readonly dataBytes: number;
  /** Whether `data` is only the first {@link OVERSIZED_PREFIX_BASE64_CHARS} characters. */
  readonly dataTruncated: boolean;
  /**
   * PAN-like digit runs masked in `data` and `partitionKey` (all but their
   * last 4 digits): a producer that put a card number on the stream must not
   * have it stored in clear on the dead-letter queue for 14 days.
   */
  readonly pansMasked: number;
  readonly data: string;
};

export function poisonSource(record: KinesisStreamRecord, dataBytes: number): PoisonSource {
  const truncated = dataBytes > MAX_RECORD_BYTES;
  const data = maskPansInBase64(
    truncated ? record.kinesis.data.slice(0, OVERSIZED_PREFIX_BASE64_CHARS) : record.kinesis.data,
  );
  const partitionKey = maskPans(record.kinesis.partitionKey);
  return {
    eventSourceARN: record.eventSourceARN,
    // eventID is `<shardId>:<sequenceNumber>`.
    shardId: record.eventID.slice(0, Math.max(0, record.eventID.lastIndexOf(':'))),
    eventID: record.eventID,
    partitionKey: partitionKey.text,
    sequenceNumber: record.kinesis.sequenceNumber,
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
    dataBytes,
    dataTruncated: truncated,
    pansMasked: data.masked + partitionKey.masked,
    data: data.data,
  };
}

/**
 * One record of the ledger's stream, from its bytes to its outcome: decoded
 * and posted, or, when retrying can never help (it cannot be decoded, the
 * store refuses it, deciding it breaks an invariant), parked on the poison
 * queue with its reason so its account's lane moves on. Anything else throws:
 * the record is retried, and the ledger's idempotency absorbs the replays.
 */
export async function consumeRecord(deps: ConsumeDeps, record: KinesisStreamRecord): Promise<void> {
  const decoded = decodeRecord(record.kinesis.data, record.kinesis.partitionKey);
  if (!decoded.ok) return park(deps, record, decoded.reason, decoded.detail, decoded.bytes);
  const { transaction, correlationId } = decoded.record;
  let result: PostOutcome;
  try {
    result = await postTransaction(
      {
        store: deps.store,
        clock: deps.clock,
        retry: deps.retry,
        policy: deps.policy,
        cache: deps.cache,
      },
      {
        kind: 'PostTransaction',
        transaction,
        payloadHash: payloadHash(transaction),
        correlationId,
      },
    );
  } catch (error) {
    // Valid, but it can never succeed: on every delivery the store refuses it, or deciding it
    // breaks an invariant. Retrying would only stall its account and, once the record is a
    // batch behind, the whole shard; it waits on the poison queue for a person instead.
    if (isUnprocessableRecordError(error) || isLedgerInvariantError(error)) {
      deps.logger.error('valid record can never be posted; parked on the poison queue', {
        correlationId,
        transactionId: transaction.transactionId,
        code: error.code,
        error,
      });
      const reason = isUnprocessableRecordError(error)
        ? 'UNPROCESSABLE'
        : 'LEDGER_INVARIANT_VIOLATED';
      return park(deps, record, reason, sanitizeDetail(error.message), dataBytes(record));
    }
    throw error;
  }
  deps.metrics?.addMetric(`Transactions${OUTCOME_METRIC[result.outcome]}`, MetricUnit.Count, 1);
  if (result.outcome === 'CONFLICT' && result.limitReached === true) {
    deps.metrics?.addMetric('ConflictsNotCounted', MetricUnit.Count, 1);
  }
  for (const resumed of result.resumed ?? []) {
    deps.metrics?.addMetric(`Transactions${OUTCOME_METRIC[resumed.outcome]}`, MetricUnit.Count, 1);
  }
  deps.logger.info('transaction processed', {
    correlationId,
    transactionId: transaction.transactionId,
    type: transaction.type,
    outcome: result.outcome,
    reason: result.record.reason,
    attempts: result.attempts,
  });
}

const dataBytes = (record: KinesisStreamRecord) => Buffer.byteLength(record.kinesis.data, 'base64');

/**
 * Parks a record retrying cannot fix on the poison queue, with its reason, and
 * lets the shard move on. If the queue cannot take it, this throws and the
 * record fails: nothing is dropped.
 */
async function park(
  deps: ConsumeDeps,
  record: KinesisStreamRecord,
  reason: PoisonReason,
  detail: string,
  bytes: number,
): Promise<void> {
  const source = poisonSource(record, bytes);
  await deps.poison.send({ reason, detail: maskPans(detail).text, source });
  deps.metrics?.addMetric('PoisonRecords', MetricUnit.Count, 1);
  // Coordinates and reason only: the data, or an excerpt of it, could hold a card number.
  deps.logger.warn('poison record sent to the dead-letter queue', {
    reason,
    eventSourceARN: source.eventSourceARN,
    shardId: source.shardId,
    sequenceNumber: source.sequenceNumber,
    partitionKey: source.partitionKey,
    approximateArrivalTimestamp: source.approximateArrivalTimestamp,
    dataBytes: source.dataBytes,
  });
}
