import type {
  AccountMovement,
  AtmTransaction,
  LedgerEvent,
  Leg,
  RejectionReason,
  TransactionType,
} from '@atm-ledger/contracts';

/** The ledger's settings that decisions depend on: read once from config, passed in, never global. */
export interface LedgerPolicy {
  /**
   * `LEDGER_REVERSAL_WINDOW_SECONDS`: a reversal binds to an original that
   * occurred at most this long before it, and an early reversal waits this
   * long (from when the ledger parked it) for its original to arrive.
   */
  readonly reversalWindowSeconds: number;
}

export const DEFAULT_LEDGER_POLICY: LedgerPolicy = { reversalWindowSeconds: 86_400 };

/** Reversals that may wait for one original: a bound on the item that lists them. */
export const MAX_WAITING_REVERSALS = 10;

/**
 * Distinct conflicting payloads counted against one id: a bound on the item
 * that remembers their fingerprints (43 bytes each), far under DynamoDB's
 * 400 KB. Past it, further conflicts are logged and metered, not counted.
 */
export const MAX_CONFLICTS_COUNTED = 100;

/** A customer account as the ledger holds it. `balance` is the fold of its entries. */
export interface Account {
  readonly accountId: string;
  readonly currency: string;
  readonly balance: number;
  readonly overdraftLimit: number;
  readonly lowBalanceThreshold: number;
  /** Number of entries applied; the next entry gets sequence `version + 1`. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One line of a customer account's history. Append-only. */
export interface Entry {
  readonly accountId: string;
  readonly sequence: number;
  readonly transactionId: string;
  readonly type: TransactionType;
  /** Signed: + credits the customer, − debits. */
  readonly amount: number;
  readonly balanceAfter: number;
  readonly postedAt: string;
}

export type TransactionStatus = 'POSTED' | 'REJECTED' | 'PENDING';

/**
 * What the ledger knows of a transaction id: the payload that holds it (its
 * request, which never changes) and the fold of the events decided for it.
 * What makes redelivery harmless.
 */
export interface TransactionRecord {
  readonly transaction: AtmTransaction;
  readonly payloadHash: string;
  readonly status: TransactionStatus;
  readonly reason?: RejectionReason | undefined;
  readonly conflicts: number;
  /** Payload hashes of conflicting deliveries already counted. */
  readonly conflictHashes: readonly string[];
  readonly legs: readonly Leg[];
  readonly movements: readonly Movement[];
  readonly decidedAt?: string | undefined;
  readonly correlationId?: string | undefined;
  /** For a posted BALANCE_INQUIRY: the balance it showed. */
  readonly balance?: number | undefined;
  /** For a posted REVERSAL: the type of the transaction it reversed. */
  readonly reversedType?: TransactionType | undefined;
  /** For a PENDING reversal: when it stops waiting for its original (REJECTED ORIGINAL_NOT_FOUND). */
  readonly waitUntil?: string | undefined;
  /** Set on an original once a reversal has been applied to it. */
  readonly reversedBy?: string | undefined;
  /**
   * Reversals that arrived before this transaction and wait for it, as read
   * when it was decided. Kept on the record so a redelivery can resume them.
   */
  readonly reversalsWaiting?: readonly string[] | undefined;
  /**
   * The transaction's journal: every event decided for this id, oldest first.
   * Stored with the record, in the same write, and published as stored.
   */
  readonly events: readonly LedgerEvent[];
}

/** The change one posting makes to one customer account. */
export type Movement = AccountMovement & { readonly overdraftLimit: number };

/** Ask the ledger to post one transaction. */
export interface PostTransaction {
  readonly kind: 'PostTransaction';
  readonly transaction: AtmTransaction;
  readonly payloadHash: string;
  readonly correlationId?: string | undefined;
}

/**
 * What the ledger knows when it decides, loaded in one consistent read (or
 * kept from the lane's last decision), and what `evolve` folds events into.
 */
export interface LedgerState {
  /**
   * The transaction being decided, as asked: the initial state of a
   * transaction id the ledger has never seen, which its first event folds
   * into a record.
   */
  readonly request?: PostTransaction | undefined;
  /** The remembered outcome of this transaction id, if any. */
  readonly existing: TransactionRecord | undefined;
  /** Every account the transaction touches, by id; `undefined` if it does not exist. */
  readonly accounts: ReadonlyMap<string, Account | undefined>;
  /** For a reversal: the original transaction's record, if it has arrived. */
  readonly original: TransactionRecord | undefined;
  /** Ids of reversals that arrived before this transaction and wait for it, in arrival order. */
  readonly waiting: readonly string[];
  /**
   * For a reversal whose original has not arrived: the reversals already
   * waiting for that original, in arrival order (empty when none are).
   */
  readonly originalWaiting?: readonly string[] | undefined;
}
