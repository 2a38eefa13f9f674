import { backoffDelayMs, type Clock, sleep } from '@atm-ledger/runtime';
import {
  DEFAULT_LEDGER_POLICY,
  decide,
  type LedgerPolicy,
  type PostTransaction,
  RetriesExhaustedError,
  type TransactionRecord,
} from '../domain/index.js';
import { isRetryableStoreError, type LedgerWriter } from '../ports.js';

export type PostOutcome = DecidedOutcome & {
  /** Reversals that were waiting for this transaction, decided right after it. */
  readonly resumed?: readonly PostOutcome[];
};

type DecidedOutcome =
  | {
      readonly outcome: 'POSTED' | 'REJECTED' | 'PENDING';
      readonly record: TransactionRecord;
      readonly attempts: number;
    }
  | { readonly outcome: 'DUPLICATE'; readonly record: TransactionRecord; readonly attempts: number }
  | {
      readonly outcome: 'CONFLICT';
      readonly record: TransactionRecord;
      readonly counted: boolean;
      /** Not counted because the id already has MAX_CONFLICTS_COUNTED conflicting payloads. */
      readonly limitReached?: boolean;
      readonly attempts: number;
    };

export interface RetryPolicy {
  /** Attempts at a store call that failed retryably, before giving up. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Decide-and-commit rounds when state keeps moving under us (optimistic concurrency). */
  readonly maxRounds: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 20,
  maxDelayMs: 1_000,
  maxRounds: 50,
};

export interface PostDeps {
  readonly store: LedgerWriter;
  readonly clock: Clock;
  /** The reversal window; the default (one day) when absent. */
  readonly policy?: LedgerPolicy;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Posts one transaction: read, decide, write conditionally, and on a lost race
 * decide again from the state the failed write reported. Retryable store
 * failures back off with full jitter, so writers contending for one account
 * spread out instead of colliding in lockstep.
 */
export async function postTransaction(
  deps: PostDeps,
  command: PostTransaction,
): Promise<PostOutcome> {
  const { outcome, waiting } = await decideAndCommit(deps, command);
  if (waiting.length === 0 || outcome.outcome === 'CONFLICT' || outcome.outcome === 'PENDING')
    return outcome;
  // Reversals that arrived early are decided now, right after their original. This
  // also runs when the original is a duplicate, so a crash between posting the
  // original and resuming its reversals is repaired by the redelivery.
  const resumed: PostOutcome[] = [];
  for (const reversalId of waiting) {
    const pending = await retrying(deps, reversalId, () => deps.store.getTransaction(reversalId));
    if (pending?.status !== 'PENDING') continue;
    resumed.push(
      await postTransaction(deps, {
        kind: 'PostTransaction',
        transaction: pending.transaction,
        payloadHash: pending.payloadHash,
        correlationId: pending.correlationId,
      }),
    );
  }
  return { ...outcome, resumed };
}

/** Runs a store call, backing off with full jitter while it fails retryably. */
async function retrying<T>(
  deps: PostDeps,
  transactionId: string,
  call: () => Promise<T>,
): Promise<T> {
  const policy = deps.retry ?? defaultRetryPolicy;
  const wait = deps.sleep ?? sleep;
  const backoff = { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs };
  for (let failures = 0; ; ) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryableStoreError(error)) throw error;
      failures += 1;
      if (failures >= policy.maxAttempts) {
        throw new RetriesExhaustedError(
          `transaction ${transactionId}: store still failing after ${failures} attempts`,
          { cause: error },
        );
      }
      // `failures + 1`: this policy's ceilings start at twice `baseDelayMs`, as they always have.
      await wait(backoffDelayMs(backoff, failures + 1, deps.random));
    }
  }
}

async function decideAndCommit(
  deps: PostDeps,
  command: PostTransaction,
): Promise<{ outcome: DecidedOutcome; waiting: readonly string[] }> {
  const policy = deps.retry ?? defaultRetryPolicy;
  let attempts = 0;

  const withRetry = <T>(call: () => Promise<T>): Promise<T> =>
    retrying(deps, command.transaction.transactionId, () => {
      attempts += 1;
      return call();
    });

  let state = await withRetry(() => deps.store.load(command.transaction));
  for (let round = 1; round <= policy.maxRounds; round++) {
    const decision = decide(
      command,
      state,
      deps.clock.now().toISOString(),
      deps.policy ?? DEFAULT_LEDGER_POLICY,
    );
    switch (decision.kind) {
      case 'Duplicate':
        return {
          outcome: { outcome: 'DUPLICATE', record: decision.existing, attempts },
          waiting: state.waiting,
        };
      case 'Conflict': {
        const { counted, conflicts, limitReached } = await withRetry(() =>
          deps.store.recordConflict(
            command.transaction.transactionId,
            decision.conflictingHash,
            deps.clock.now().toISOString(),
          ),
        );
        return {
          outcome: {
            outcome: 'CONFLICT',
            record: { ...decision.existing, conflicts },
            counted,
            ...(limitReached === true ? { limitReached } : {}),
            attempts,
          },
          waiting: [],
        };
      }
      case 'Post':
      case 'Reject':
      case 'Pend': {
        const result = await withRetry(() => deps.store.commit(decision));
        switch (result.kind) {
          case 'Committed':
            return {
              outcome: { outcome: decision.record.status, record: decision.record, attempts },
              waiting: state.waiting,
            };
          case 'AlreadyDecided':
            state = { ...state, existing: result.existing };
            break;
          case 'Stale': {
            const accounts = new Map(state.accounts);
            for (const [id, account] of result.accounts) accounts.set(id, account);
            state = { ...state, accounts };
            break;
          }
          case 'WaitingChanged':
            state = { ...state, waiting: result.waiting };
            break;
          case 'OriginalChanged':
            state = { ...state, original: result.original };
            break;
          case 'OriginalWaitingChanged':
            state = { ...state, originalWaiting: result.waiting };
            break;
          default:
            return assertNever(result);
        }
        break;
      }
      default:
        return assertNever(decision);
    }
  }
  throw new RetriesExhaustedError(
    `transaction ${command.transaction.transactionId}: state kept changing for ${policy.maxRounds} rounds`,
  );
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
