import { payloadHash } from '@atm-ledger/contracts';
import { type MetricsSink, MetricUnit, processInLanes } from '@atm-ledger/runtime';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { AccountCache } from '../application/accountCache.js';
import {
  type PostOutcome,
  postTransaction,
  type RetryPolicy,
} from '../application/postTransaction.js';
import { isLedgerInvariantError } from '../domain/index.js';
import { isUnprocessableRecordError } from '../ports.js';
import type { LedgerStreamDeps } from '../wiring.js';
import {
  decodeRecord,
  MAX_RECORD_BYTES,
  type PoisonReason,
  sanitizeDetail,
} from './decodeRecord.js';
import { maskPans, maskPansInBase64 } from './maskPans.js';

export type KinesisHandlerDeps = Pick<LedgerStreamDeps, 'store' | 'clock' | 'poison' | 'logger'> & {
  /** The reversal window; the default (one day) when absent. */
  readonly policy?: LedgerStreamDeps['policy'];
  /** The accounts the lanes last saw; one is made for the handler when absent. */
  readonly cache?: AccountCache;
  readonly concurrency: number;
  readonly retry?: RetryPolicy;
  /** Outcome counts per batch (EMF); absent in tests that do not look at them. */
  readonly metrics?: MetricsSink;
};

/**
 * The ledger's Kinesis consumer. Records are grouped by partition key
 * (account): accounts proceed concurrently, while one account's records are
 * posted strictly in order and stop at its first failure, so a later record of
 * that account can never overtake one that will be retried. Failures are
 * reported per item (ReportBatchItemFailures); Lambda resumes from the lowest
 * failed sequence number and the ledger's idempotency absorbs the replays.
 */
const OUTCOME_METRIC = {
  POSTED: 'Posted',
  REJECTED: 'Rejected',
  PENDING: 'Pending',
  DUPLICATE: 'Duplicate',
  CONFLICT: 'Conflict',
} as const;

export function makeKinesisHandler(given: KinesisHandlerDeps) {
  // Kept for the life of the instance, across batches: see AccountCache.
  const deps = { ...given, cache: given.cache ?? new AccountCache() };
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const { failed } = await processInLanes(event.Records, {
      laneOf: (record) => record.kinesis.partitionKey,
      concurrency: deps.concurrency,
      process: (record) => processRecord(deps, record),
      onError: (record, error) =>
        deps.logger.error('record failed; its account stops here for this batch', {
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          error: error as Error,
        }),
    });
    if (deps.metrics !== undefined) {
      deps.metrics.addMetric('RecordsFailed', MetricUnit.Count, failed.length);
      deps.metrics.publishStoredMetrics();
    }
    return {
      batchItemFailures: failed.map((record) => ({
        itemIdentifier: record.kinesis.sequenceNumber,
      })),
    };
  };
}

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

async function processRecord(deps: KinesisHandlerDeps, record: KinesisStreamRecord): Promise<void> {
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
  deps: KinesisHandlerDeps,
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
