import type {
  AtmTransaction,
  AuthorizationEvent,
  AuthorizationFields,
  LedgerEvent,
} from '@atm-ledger/contracts';
import { AtmLedgerError } from '@atm-ledger/runtime';
import type { Acceptance, TimerRef } from './adapters/dynamodb/items.js';
import type {
  Account,
  AuthorizationRecord,
  AuthorizationState,
  Entry,
  LedgerState,
  TransactionRecord,
} from './domain/index.js';

/**
 * What happened to a commit. A commit either lands whole or not at all; when
 * it does not, the store says why with the current state it read from the
 * write's own failure (no extra read), so the caller can decide again.
 */
export type CommitOutcome =
  | { readonly kind: 'Committed' }
  /** The transaction id was decided by someone else first (or by our own earlier, timed-out attempt). */
  | { readonly kind: 'AlreadyDecided'; readonly existing: TransactionRecord }
  /** An account moved since it was read; here is its current state. */
  | { readonly kind: 'Stale'; readonly accounts: ReadonlyMap<string, Account | undefined> }
  /** A reversal's original changed (it was reversed meanwhile). */
  | { readonly kind: 'OriginalChanged'; readonly original: TransactionRecord | undefined }
  /** More reversals started waiting for this transaction since it was read. */
  | { readonly kind: 'WaitingChanged'; readonly waiting: readonly string[] }
  /** A reversal's original is still awaited, but by other reversals than the ones read. */
  | { readonly kind: 'OriginalWaitingChanged'; readonly waiting: readonly string[] }
  /** The authorization a completion or release acted on changed (or appeared) since it was read. */
  | {
      readonly kind: 'AuthorizationChanged';
      readonly authorization: AuthorizationRecord | undefined;
    };

/** What happened to an authorization's commit; like {@link CommitOutcome}, read from the failed write. */
export type AuthorizationCommitOutcome =
  | { readonly kind: 'Committed' }
  /** The id was decided first (by another request, or our own timed-out attempt), or ended meanwhile. */
  | { readonly kind: 'AlreadyDecided'; readonly existing: AuthorizationRecord }
  /** The account moved since it was read; here it is as it is now (undefined: absent). */
  | { readonly kind: 'Stale'; readonly account: Account | undefined };

export interface EntriesPageResult {
  readonly items: readonly Entry[];
  readonly nextCursor: string | null;
}

/** Debits and credits per currency, as exact integers: the sums of a busy ledger pass 2^53. */
export type TrialBalanceTotals = ReadonlyMap<
  string,
  { readonly debits: bigint; readonly credits: bigint }
>;

/**
 * The posting path's storage: what `postTransaction` and the timer sweep read
 * and write. Implementations: DynamoDB (production and local cloud) and
 * in-memory (the reference model for tests); one shared suite runs against both.
 */
export interface LedgerWriter {
  /** One consistent read of everything `decide` needs for this transaction. */
  load(transaction: AtmTransaction): Promise<LedgerState>;
  /**
   * Writes the events decided from `state` atomically, with everything they
   * imply (the record and its journal, the accounts they move and their
   * entries, the totals, a reversal's mark on its original, an early
   * reversal's place in its queue and its timer), conditional on `state`
   * being what the table holds for every part the decision relied on
   * (`relianceOf`). When it is not, nothing is written and the outcome says
   * what changed, read from the failed write itself.
   */
  commit(state: LedgerState, events: readonly LedgerEvent[]): Promise<CommitOutcome>;
  getTransaction(transactionId: string): Promise<TransactionRecord | undefined>;
}

/**
 * The authorization path's storage: the API decides an authorization from
 * one consistent read (or its cache) and writes it in one transaction; the
 * timer sweep ends holds that expired.
 */
export interface AuthorizationStore {
  /** The authorization id's record, if any, and its account, in one consistent read. */
  loadAuthorization(fields: AuthorizationFields): Promise<AuthorizationState>;
  /**
   * Writes an authorization's events atomically: its record and journal, the
   * hold and daily usage on its account, an approval's expiry timer;
   * conditional on everything the decision relied on (`authorizationRelianceOf`).
   */
  commitAuthorization(
    state: AuthorizationState,
    events: readonly AuthorizationEvent[],
  ): Promise<AuthorizationCommitOutcome>;
  getAuthorization(authorizationId: string): Promise<AuthorizationRecord | undefined>;
}

/** What the HTTP API and rebuild read; nothing here writes. */
export interface LedgerReader {
  getAccount(accountId: string): Promise<Account | undefined>;
  getTransaction(transactionId: string): Promise<TransactionRecord | undefined>;
  /**
   * Ingest's acceptance of this id (it may not be decided yet): the payload
   * that holds the id, or `transaction: undefined` for a marker written before
   * markers held their payload; `undefined` if ingest never accepted it.
   */
  getAcceptance(
    transactionId: string,
  ): Promise<Acceptance | { readonly transaction: undefined } | undefined>;
  listEntries(accountId: string, limit: number, cursor?: string): Promise<EntriesPageResult>;
  /**
   * Debits and credits per currency over every posted leg: the running totals
   * each posting adds to in its own transaction, read in a bounded number of
   * calls whatever the table's size.
   */
  trialBalance(): Promise<TrialBalanceTotals>;
  /** The same sums recomputed from the journal, by a full scan: the audit's, never the API's. */
  journalTotals(): Promise<TrialBalanceTotals>;
  /**
   * Every customer account, in pages (for rebuild and audits, not for the hot
   * path). A page may be empty while `nextCursor` is not: keep going until it
   * is null. `pageSize` bounds the items a page looks at, not the accounts it
   * returns.
   */
  listAccounts(
    cursor?: string,
    options?: { readonly pageSize?: number },
  ): Promise<{ readonly items: readonly Account[]; readonly nextCursor: string | null }>;
}

/** Opening accounts: the API's one write, which no posting makes. */
export interface AccountRegistry {
  /** Creates the account unless it exists; returns the existing one if it does. */
  createAccount(
    account: Account,
  ): Promise<{ readonly created: boolean; readonly account: Account }>;
}

/** All of the ledger's storage, as each adapter implements it. */
export interface LedgerStore
  extends LedgerWriter,
    LedgerReader,
    AccountRegistry,
    AuthorizationStore {}

/**
 * Timers: what the ledger must decide at a given time (an early reversal's
 * wait running out). Written with the decision that starts them, in the same
 * transaction; read and removed by the sweeper.
 */
export interface TimerStore {
  /** Partitions timers are spread over; a sweep reads each. */
  readonly timerShards: number;
  /** Timers of one shard due at or before `now`, oldest first, at most `limit`. */
  dueTimers(shard: number, now: string, limit: number): Promise<readonly TimerRef[]>;
  /** Removes a timer once what it was for has been decided; removing one that is gone is fine. */
  deleteTimer(timer: TimerRef): Promise<void>;
}

/** A store call failed in a way that is worth retrying: throttling, a transaction conflict, a timeout. */
export class RetryableStoreError extends AtmLedgerError {
  readonly code = 'STORE_RETRYABLE';
}
export const isRetryableStoreError = (e: unknown): e is RetryableStoreError =>
  e instanceof RetryableStoreError;

/** A store call failed in a way retrying will not fix (permissions, a missing table, a bug). */
export class StoreError extends AtmLedgerError {
  readonly code = 'STORE_FAILED';
}
export const isStoreError = (e: unknown): e is StoreError => e instanceof StoreError;

/**
 * The store refused this particular write as invalid (DynamoDB's
 * ValidationException: an item over 400 KB, a value it cannot hold). The same
 * record will be refused on every delivery, so it must leave its lane (the
 * poison queue, with this reason) instead of stalling it.
 */
export class UnprocessableRecordError extends AtmLedgerError {
  readonly code = 'RECORD_UNPROCESSABLE';
}
export const isUnprocessableRecordError = (e: unknown): e is UnprocessableRecordError =>
  e instanceof UnprocessableRecordError;

/** A cursor that this store did not issue. */
export class InvalidCursorError extends AtmLedgerError {
  readonly code = 'INVALID_CURSOR';
}
export const isInvalidCursorError = (e: unknown): e is InvalidCursorError =>
  e instanceof InvalidCursorError;

/** Where records that can never be processed go, with their reason, so the stream moves on. */
export interface PoisonRecordSink {
  send(record: {
    readonly reason: string;
    readonly detail: string;
    readonly source: Record<string, unknown>;
  }): Promise<void>;
}
