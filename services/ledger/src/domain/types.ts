import type {
  AccountMovement,
  AtmTransaction,
  AuthorizationEvent,
  AuthorizationFields,
  AuthorizationStatus,
  DeclineReason,
  Leg,
  RejectionReason,
  TransactionEvent,
  TransactionType,
} from '@atm-ledger/contracts';
import { DEFAULT_HOLD_TTL_SECONDS } from '@atm-ledger/contracts';

/** The ledger's settings that decisions depend on: read once from config, passed in, never global. */
export interface LedgerPolicy {
  /**
   * `LEDGER_REVERSAL_WINDOW_SECONDS`: a reversal binds to an original that
   * occurred at most this long before it, and an early reversal waits this
   * long (from when the ledger parked it) for its original to arrive.
   */
  readonly reversalWindowSeconds: number;
  /**
   * `LEDGER_HOLD_TTL_SECONDS`: an approved authorization not completed
   * within this long of its approval expires, and its hold stops counting.
   */
  readonly holdTtlSeconds: number;
}

export const DEFAULT_LEDGER_POLICY: LedgerPolicy = {
  reversalWindowSeconds: 86_400,
  holdTtlSeconds: DEFAULT_HOLD_TTL_SECONDS,
};

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
  /** Sum of the holds of its APPROVED authorizations (those not completed, released or expired). */
  readonly heldAmount: number;
  /** Most that may be withdrawn per UTC day of `occurredAt`; absent means no limit. */
  readonly dailyWithdrawalLimit?: number | undefined;
  /**
   * What counts against the daily limit, per UTC day (`YYYY-MM-DD`): holds
   * approved (less what releases and partial completions gave back) and
   * withdrawals posted without an authorization. Days older than
   * {@link DAILY_USAGE_RETENTION_DAYS} are dropped as the account is written.
   */
  readonly withdrawn: Readonly<Record<string, number>>;
}

/** Days of daily usage an account keeps: a month of late completions, then they are forgotten. */
export const DAILY_USAGE_RETENTION_DAYS = 35;

/** The UTC day of an instant, as the daily limit counts it. */
export const utcDay = (instant: string): string =>
  new Date(Date.parse(instant)).toISOString().slice(0, 10);

/** What counts against the daily limit on the day of `instant`. */
export const withdrawnOn = (account: Pick<Account, 'withdrawn'>, instant: string): number =>
  account.withdrawn[utcDay(instant)] ?? 0;

/** What an authorization may take now: the balance, plus the overdraft, less the holds. */
export const availableBalance = (account: Account): number =>
  account.balance + account.overdraftLimit - account.heldAmount;

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
  readonly events: readonly TransactionEvent[];
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
  /**
   * For a completion (a WITHDRAWAL with `authorizationId`) or a release (a
   * REVERSAL with one): the authorization, if the ledger has decided it.
   */
  readonly authorization?: AuthorizationRecord | undefined;
}

/**
 * What the ledger knows of an authorization id: its request, which never
 * changes, and the fold of its events.
 */
export interface AuthorizationRecord {
  readonly fields: AuthorizationFields;
  readonly payloadHash: string;
  readonly status: AuthorizationStatus;
  readonly reason?: DeclineReason | undefined;
  /** The account's available balance right after the decision, as answered. */
  readonly availableBalance?: number | undefined;
  readonly decidedAt: string;
  readonly expiresAt?: string | undefined;
  readonly completedAmount?: number | undefined;
  /** The WITHDRAWAL that completed it, or the REVERSAL that released it. */
  readonly endedBy?: string | undefined;
  readonly correlationId?: string | undefined;
  /** Every event decided for this id, oldest first: its journal, published as stored. */
  readonly events: readonly AuthorizationEvent[];
}

/** Ask the ledger to authorize a withdrawal now, before the ATM dispenses. */
export interface Authorize {
  readonly kind: 'Authorize';
  readonly fields: AuthorizationFields;
  readonly payloadHash: string;
  readonly correlationId?: string | undefined;
}

/** What an authorization is decided from: its id's record, if any, and its account. */
export interface AuthorizationState {
  readonly request?: Authorize | undefined;
  readonly existing: AuthorizationRecord | undefined;
  /** `undefined` if the account does not exist. */
  readonly account: Account | undefined;
}
