import { payloadHash } from '@atm-ledger/contracts';
import {
  type LedgerWriter,
  type PostOutcome,
  postTransaction,
  type RetryPolicy,
} from '@atm-ledger/ledger';
import { type Clock, systemClock } from '@atm-ledger/runtime';
import type { BatchLanding } from './landing.js';

export interface BatchWindow {
  readonly from: Date;
  readonly to: Date;
}

export interface BatchJobReport {
  readonly window: { readonly from: string; readonly to: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Transactions read from the landing store for this window. */
  readonly landed: number;
  /** By the ledger's outcome: POSTED, REJECTED, PENDING, DUPLICATE, CONFLICT. */
  readonly outcomes: Readonly<Record<PostOutcome['outcome'], number>>;
  /** Transactions the ledger could not decide (store failures after retries); a rerun of the window picks them up. */
  readonly failed: readonly { readonly transactionId: string; readonly error: string }[];
  /**
   * Transactions not posted because an earlier one of their account failed in
   * this run, in arrival order; `after` is that failed transaction. A rerun of
   * the window posts them after it, in order.
   */
  readonly skipped: readonly {
    readonly transactionId: string;
    readonly accountId: string;
    readonly after: string;
  }[];
}

export interface BatchJobDeps {
  readonly landing: Pick<BatchLanding, 'readWindow'>;
  readonly store: LedgerWriter;
  readonly clock?: Clock;
  readonly retry?: RetryPolicy;
}

/**
 * One run of the hourly batch: read the window's transactions from the
 * landing store and post them one by one, in arrival order, with the same
 * `postTransaction` the streaming consumer calls. Sequential on purpose: that
 * is what the legacy job does, and it keeps each account's order. When a
 * transaction fails (the store, after retries), the rest of its account's
 * transactions in the window are skipped, as the stream holds back a
 * partition key's later records behind a failed one: posting them would
 * decide them before the one that came first (a withdrawal before the
 * deposit that funds it). Accounts are keyed as the stream partitions, by
 * `accountId`; other accounts carry on. A rerun of a window is harmless: the
 * ledger answers DUPLICATE for what it already decided, and posts the rest
 * in order.
 */
export async function runBatchJob(
  deps: BatchJobDeps,
  window: BatchWindow,
): Promise<BatchJobReport> {
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now().toISOString();
  const outcomes: Record<PostOutcome['outcome'], number> = {
    POSTED: 0,
    REJECTED: 0,
    PENDING: 0,
    DUPLICATE: 0,
    CONFLICT: 0,
  };
  const failed: { transactionId: string; error: string }[] = [];
  const skipped: { transactionId: string; accountId: string; after: string }[] = [];
  /** The failed transaction each stopped account stopped at. */
  const stoppedAt = new Map<string, string>();
  const landed = await deps.landing.readWindow(window.from, window.to);
  for (const { transaction, correlationId } of landed) {
    const after = stoppedAt.get(transaction.accountId);
    if (after !== undefined) {
      skipped.push({
        transactionId: transaction.transactionId,
        accountId: transaction.accountId,
        after,
      });
      continue;
    }
    try {
      const result = await postTransaction(
        { store: deps.store, clock, ...(deps.retry === undefined ? {} : { retry: deps.retry }) },
        {
          kind: 'PostTransaction',
          transaction,
          payloadHash: payloadHash(transaction),
          correlationId,
        },
      );
      outcomes[result.outcome] += 1;
    } catch (error) {
      failed.push({ transactionId: transaction.transactionId, error: (error as Error).message });
      stoppedAt.set(transaction.accountId, transaction.transactionId);
    }
  }
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    startedAt,
    finishedAt: clock.now().toISOString(),
    landed: landed.length,
    outcomes,
    failed,
    skipped,
  };
}
