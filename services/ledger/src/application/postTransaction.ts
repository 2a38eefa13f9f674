import { isSamePayload, type LedgerEvent } from '@atm-ledger/contracts';
import { backoffDelayMs, type Clock, sleep } from '@atm-ledger/runtime';
import {
  accountsTouched,
  DEFAULT_LEDGER_POLICY,
  decide,
  evolve,
  type LedgerPolicy,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  type PostTransaction,
  RetriesExhaustedError,
  type TransactionRecord,
} from '../domain/index.js';
import { isRetryableStoreError, type LedgerWriter } from '../ports.js';
import type { AccountCache } from './accountCache.js';

export type PostOutcome = DecidedOutcome & {
  /** Reversals that were waiting for this transaction, decided right after it. */
  readonly resumed?: readonly PostOutcome[];
};

type DecidedOutcome =
  | {
      readonly outcome: 'POSTED' | 'REJECTED' | 'PENDING';
      readonly record: TransactionRecord;
      /** The events decided and stored: what the bus will carry. */
      readonly events: readonly LedgerEvent[];
      readonly attempts: number;
    }
  | { readonly outcome: 'DUPLICATE'; readonly record: TransactionRecord; readonly attempts: number }
  | {
      readonly outcome: 'CONFLICT';
      readonly record: TransactionRecord;
      readonly counted: boolean;
      /** Not counted because the id already has MAX_CONFLICTS_COUNTED conflicting payloads. */
      readonly limitReached?: boolean;
      readonly events: readonly LedgerEvent[];
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
  /**
   * The accounts this consumer last saw: with it, a posting whose accounts are
   * all known is decided without a read (the write's conditions verify them).
   */
  readonly cache?: AccountCache;
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
export async function retrying<T>(
  deps: Pick<PostDeps, 'retry' | 'sleep' | 'random'>,
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

  let state: LedgerState = {
    ...(known(deps, command) ?? (await withRetry(() => deps.store.load(command.transaction)))),
    request: command,
  };
  deps.cache?.remember(state.accounts);
  for (let round = 1; round <= policy.maxRounds; round++) {
    const events = decide(
      command,
      state,
      deps.clock.now().toISOString(),
      deps.policy ?? DEFAULT_LEDGER_POLICY,
    );
    if (events.length === 0)
      return { outcome: nothingDecided(command, state, attempts), waiting: waitingOf(state) };
    const result = await withRetry(() => deps.store.commit(state, events));
    switch (result.kind) {
      case 'Committed': {
        const after = events.reduce(evolve, state);
        deps.cache?.remember(after.accounts);
        return { outcome: decided(after, events, attempts), waiting: waitingOf(state) };
      }
      case 'AlreadyDecided':
        state = { ...state, existing: result.existing };
        break;
      case 'Stale': {
        const accounts = new Map(state.accounts);
        for (const [id, account] of result.accounts) accounts.set(id, account);
        deps.cache?.remember(result.accounts);
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
      case 'AuthorizationChanged':
        state = { ...state, authorization: result.authorization };
        break;
      default:
        return assertNever(result);
    }
  }
  throw new RetriesExhaustedError(
    `transaction ${command.transaction.transactionId}: state kept changing for ${policy.maxRounds} rounds`,
  );
}

/**
 * The state a posting may be decided from without a read: every account it
 * touches as this consumer last saw it, and an id assumed new. Its write
 * verifies both (the accounts' versions, the id's absence), and a failed
 * condition brings back what is there instead. A reversal needs its
 * original, and a completion or release its authorization, which are not
 * kept (the API writes authorizations), so they are always read.
 */
function known(deps: PostDeps, command: PostTransaction): LedgerState | undefined {
  const tx = command.transaction;
  if (deps.cache === undefined || tx.type === 'REVERSAL' || tx.authorizationId !== undefined)
    return undefined;
  const accounts = deps.cache.lookup(accountsTouched(tx));
  if (accounts === undefined) return undefined;
  return { existing: undefined, accounts, original: undefined, waiting: [], originalWaiting: [] };
}

/** Reversals to resume after this transaction: the ones read waiting, or the ones its record kept. */
const waitingOf = (state: LedgerState) =>
  state.waiting.length > 0 ? state.waiting : (state.existing?.reversalsWaiting ?? []);

function decided(
  after: LedgerState,
  events: readonly LedgerEvent[],
  attempts: number,
): DecidedOutcome {
  const record = after.existing;
  const [event] = events;
  if (record === undefined || event === undefined)
    throw new Error('a committed decision left no record');
  switch (event.type) {
    case 'ledger.transaction.posted':
      return { outcome: 'POSTED', record, events, attempts };
    case 'ledger.transaction.rejected':
      return { outcome: 'REJECTED', record, events, attempts };
    case 'ledger.reversal.pending':
      return { outcome: 'PENDING', record, events, attempts };
    case 'ledger.transaction.conflict':
      return { outcome: 'CONFLICT', record, counted: true, events, attempts };
    case 'ledger.authorization.approved':
    case 'ledger.authorization.declined':
    case 'ledger.authorization.completed':
    case 'ledger.authorization.released':
    case 'ledger.authorization.expired':
      throw new Error(`a posting's decision began with ${event.id}`);
    default:
      return assertNever(event);
  }
}

/** No event: a redelivery of what is decided, or a conflicting payload already counted (or past the bound). */
function nothingDecided(
  command: PostTransaction,
  state: LedgerState,
  attempts: number,
): DecidedOutcome {
  const record = state.existing;
  if (record === undefined)
    throw new Error(`nothing decided for the new id ${command.transaction.transactionId}`);
  if (isSamePayload(record.payloadHash, command.transaction)) {
    return { outcome: 'DUPLICATE', record, attempts };
  }
  const limitReached =
    !record.conflictHashes.includes(command.payloadHash) &&
    record.conflictHashes.length >= MAX_CONFLICTS_COUNTED;
  return {
    outcome: 'CONFLICT',
    record,
    counted: false,
    ...(limitReached ? { limitReached } : {}),
    events: [],
    attempts,
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
