import {
  type AccountMovement,
  type LedgerEvent,
  NOTIFICATION_KINDS,
  type ReversalPending,
  type TransactionConflict,
  type TransactionPosted,
  type TransactionRejected,
  type TransactionType,
} from '@atm-ledger/contracts';
import { type Clock, createLogger } from '@atm-ledger/runtime';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { NotifierDeps, NotifierSettings } from '../../src/handlers/sqsHandler.js';
import type { IdempotencyStore, NotificationChannel } from '../../src/ports.js';

export const NOW = new Date('2026-11-27T10:00:05.000Z');
export const fixedClock: Clock = { now: () => NOW };

/** A clock tests move by hand, to expire claims and records. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: Date = NOW) {
    this.#now = start.getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A logger that writes nothing, so test output is the test's; spy on it to assert what is logged. */
export function silentLogger() {
  const logger = createLogger('notifier-test');
  logger.setLogLevel('SILENT');
  return logger;
}

export function movement(overrides: Partial<AccountMovement> = {}): AccountMovement {
  return {
    accountId: 'acct-0001',
    amount: -2_500,
    balanceBefore: 100_000,
    balanceAfter: 97_500,
    lowBalanceThreshold: 10_000,
    sequence: 2,
    ...overrides,
  };
}

/** A posted withdrawal of `amount` from `balanceBefore`, threshold 10,000 unless given. */
export function aPostedWithdrawal(
  opts: {
    amount?: number;
    balanceBefore?: number;
    lowBalanceThreshold?: number;
    accountId?: string;
    panLast4?: string | undefined;
    id?: string;
  } = {},
): TransactionPosted {
  const amount = opts.amount ?? 2_500;
  const balanceBefore = opts.balanceBefore ?? 100_000;
  const accountId = opts.accountId ?? 'acct-0001';
  const transactionId = opts.id ?? 'tx-w-1';
  return {
    type: 'ledger.transaction.posted',
    schemaVersion: 1,
    id: `${transactionId}:posted`,
    transactionId,
    occurredAt: '2026-11-27T10:00:00.000Z',
    correlationId: `corr-${transactionId}`,
    transactionType: 'WITHDRAWAL',
    accountId,
    atmId: 'atm-1',
    currency: 'USD',
    amount,
    ...('panLast4' in opts
      ? opts.panLast4 === undefined
        ? {}
        : { panLast4: opts.panLast4 }
      : { panLast4: '4242' }),
    postedAt: '2026-11-27T10:00:01.000Z',
    movements: [
      movement({
        accountId,
        amount: -amount,
        balanceBefore,
        balanceAfter: balanceBefore - amount,
        lowBalanceThreshold: opts.lowBalanceThreshold ?? 10_000,
      }),
    ],
    legs: [
      { account: accountId, debit: amount, credit: 0, currency: 'USD' },
      { account: 'system:atm-cash', debit: 0, credit: amount, currency: 'USD' },
    ],
  };
}

export function aPostedDeposit(
  opts: { amount?: number; balanceBefore?: number } = {},
): TransactionPosted {
  const amount = opts.amount ?? 10_000;
  const balanceBefore = opts.balanceBefore ?? 5_000;
  return {
    ...aPostedWithdrawal({ id: 'tx-d-1' }),
    transactionType: 'DEPOSIT',
    amount,
    movements: [
      movement({ amount, balanceBefore, balanceAfter: balanceBefore + amount, sequence: 1 }),
    ],
    legs: [
      { account: 'system:atm-cash', debit: amount, credit: 0, currency: 'USD' },
      { account: 'acct-0001', debit: 0, credit: amount, currency: 'USD' },
    ],
  };
}

export function aPostedTransfer(
  opts: { amount?: number; fromBefore?: number; toBefore?: number } = {},
): TransactionPosted {
  const amount = opts.amount ?? 3_000;
  const fromBefore = opts.fromBefore ?? 50_000;
  const toBefore = opts.toBefore ?? 1_000;
  return {
    ...aPostedWithdrawal({ id: 'tx-t-1' }),
    transactionType: 'TRANSFER',
    amount,
    movements: [
      movement({
        accountId: 'acct-0001',
        amount: -amount,
        balanceBefore: fromBefore,
        balanceAfter: fromBefore - amount,
      }),
      movement({
        accountId: 'acct-0002',
        amount,
        balanceBefore: toBefore,
        balanceAfter: toBefore + amount,
      }),
    ],
    legs: [
      { account: 'acct-0001', debit: amount, credit: 0, currency: 'USD' },
      { account: 'acct-0002', debit: 0, credit: amount, currency: 'USD' },
    ],
  };
}

/**
 * A posted REVERSAL with the movements the ledger recorded for it, of the
 * `reversed` type (absent: an event from before the ledger named it). Its
 * legs play no part in any text, so it has none.
 */
export function aPostedReversal(opts: {
  movements: AccountMovement[];
  reversed?: TransactionType | undefined;
  panLast4?: string | undefined;
}): TransactionPosted {
  const base = aPostedWithdrawal({
    id: 'tx-v-1',
    ...('panLast4' in opts ? { panLast4: opts.panLast4 } : {}),
  });
  return {
    ...base,
    transactionType: 'REVERSAL',
    originalTransactionId: 'tx-o-1',
    ...(opts.reversed === undefined ? {} : { reversedTransactionType: opts.reversed }),
    amount: Math.max(0, ...opts.movements.map((m) => Math.abs(m.amount))),
    movements: opts.movements,
    legs: [],
  };
}

export function aRejectedWithdrawal(
  overrides: Partial<TransactionRejected> = {},
): TransactionRejected {
  return {
    type: 'ledger.transaction.rejected',
    schemaVersion: 1,
    id: 'tx-r-1:rejected',
    transactionId: 'tx-r-1',
    occurredAt: '2026-11-27T10:00:00.000Z',
    transactionType: 'WITHDRAWAL',
    accountId: 'acct-0001',
    atmId: 'atm-1',
    amount: 60_000,
    currency: 'USD',
    panLast4: '4242',
    reason: 'INSUFFICIENT_FUNDS',
    rejectedAt: '2026-11-27T10:00:01.000Z',
    ...overrides,
  };
}

export function aConflict(): TransactionConflict {
  return {
    type: 'ledger.transaction.conflict',
    schemaVersion: 1,
    id: 'tx-c-1:conflict:1',
    transactionId: 'tx-c-1',
    occurredAt: '2026-11-27T10:00:00.000Z',
    accountId: 'acct-0001',
    conflictNumber: 1,
    existingPayloadHash: 'a',
    conflictingPayloadHash: 'b',
    detectedAt: '2026-11-27T10:00:01.000Z',
  };
}

export function aReversalPending(): ReversalPending {
  return {
    type: 'ledger.reversal.pending',
    schemaVersion: 1,
    id: 'tx-p-1:pending',
    transactionId: 'tx-p-1',
    occurredAt: '2026-11-27T10:00:00.000Z',
    accountId: 'acct-0001',
    originalTransactionId: 'tx-w-1',
    pendingSince: '2026-11-27T10:00:01.000Z',
  };
}

/** The body SQS holds after bus → rule → SNS → SQS without raw delivery. */
export function snsWrapped(event: LedgerEvent): string {
  const eventBridge = {
    version: '0',
    id: `eb-${event.id}`,
    'detail-type': event.type,
    source: 'atm-ledger.ledger',
    account: '123456789012',
    time: '2026-11-27T10:00:02Z',
    region: 'us-east-1',
    resources: [],
    detail: event,
  };
  return JSON.stringify({
    Type: 'Notification',
    MessageId: `sns-${event.id}`,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ledger-events',
    Message: JSON.stringify(eventBridge),
  });
}

let messageNumber = 0;

/** One SQS record as Lambda hands it over. */
export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  messageNumber += 1;
  return {
    messageId: `msg-${messageNumber}`,
    receiptHandle: `rh-${messageNumber}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795773602000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795773602100',
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:notifier-receipts',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

export const allKinds = () => new Set(NOTIFICATION_KINDS);

export function settings(overrides: Partial<NotifierSettings> = {}): NotifierSettings {
  return {
    kinds: allKinds(),
    largeWithdrawalThreshold: 50_000,
    inProgressMs: 30_000,
    concurrency: 4,
    ...overrides,
  };
}

export function handlerDeps(
  parts: { idempotency: IdempotencyStore; channel: NotificationChannel } & Partial<NotifierDeps>,
): NotifierDeps {
  return {
    clock: fixedClock,
    logger: silentLogger(),
    settings: settings(),
    ...parts,
  };
}
