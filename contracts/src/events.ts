import * as z from 'zod';
import { DeclineReason, RejectionReason, TransactionType } from './api.js';
import {
  AccountId,
  AtmId,
  AuthorizationId,
  Currency,
  MinorUnits,
  NonNegativeMinorUnits,
  PanLast4,
  Timestamp,
  TransactionId,
} from './primitives.js';

/**
 * The business fields of an ATM transaction, as they travel on Kinesis.
 * The PAN never gets this far: ingest keeps only its last 4 digits.
 * Every field here is part of the idempotency payload: the same id with
 * any of them different is a conflict.
 */
export const AtmTransaction = z
  .object({
    transactionId: TransactionId,
    type: TransactionType,
    accountId: AccountId,
    atmId: AtmId,
    occurredAt: Timestamp,
    amount: MinorUnits.optional(),
    currency: Currency.optional(),
    toAccountId: AccountId.optional(),
    originalTransactionId: TransactionId.optional(),
    dispensedAmount: NonNegativeMinorUnits.optional(),
    authorizationId: AuthorizationId.optional(),
    advice: z.boolean().optional(),
    panLast4: PanLast4.optional(),
  })
  .meta({ id: 'AtmTransaction' });
export type AtmTransaction = z.infer<typeof AtmTransaction>;

/**
 * One Kinesis record: an accepted ATM transaction, partition key = `accountId`.
 * `id` is the transaction id, so a producer retry carries the same id.
 */
export const AtmTransactionRecord = z
  .object({
    type: z.literal('atm.transaction.accepted'),
    schemaVersion: z.literal(1),
    id: TransactionId,
    correlationId: z.string().min(1).max(128),
    receivedAt: Timestamp,
    transaction: AtmTransaction,
  })
  .meta({ id: 'AtmTransactionRecord' });
export type AtmTransactionRecord = z.infer<typeof AtmTransactionRecord>;

/** Record types the ledger consumer understands, by `type` then `schemaVersion`. */
export const KNOWN_RECORD_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  'atm.transaction.accepted': [1],
};

const ledgerEventBase = {
  schemaVersion: z.literal(1),
  /** Deterministic: derived from the ledger item, so a redelivery carries the same id. */
  id: z.string().min(1),
  transactionId: TransactionId,
  occurredAt: Timestamp,
  correlationId: z.string().optional(),
};

export const Leg = z.object({
  account: z.string().describe('Ledger account: a customer account id or a system account'),
  debit: z.number().int().min(0),
  credit: z.number().int().min(0),
  currency: Currency,
});
export type Leg = z.infer<typeof Leg>;

export const AccountMovement = z.object({
  accountId: AccountId,
  amount: z.number().int().describe('Signed: + credits the customer, - debits'),
  balanceBefore: z.number().int(),
  balanceAfter: z.number().int(),
  lowBalanceThreshold: z.number().int(),
  /** How far below zero the account may go by its own debits; a posting that leaves it lower overdraws it. */
  overdraftLimit: z.number().int().min(0).optional(),
  sequence: z.number().int(),
});
export type AccountMovement = z.infer<typeof AccountMovement>;

/**
 * A transaction changed balances (or, for a balance inquiry, was answered).
 * `amount` is what moved: the request's amount, or for a reversal the amount
 * it gave back (0 for a balance inquiry; a reversal that would give back
 * nothing is rejected NOTHING_TO_REVERSE).
 */
export const TransactionPosted = z
  .object({
    ...ledgerEventBase,
    type: z.literal('ledger.transaction.posted'),
    transactionType: TransactionType,
    accountId: AccountId,
    atmId: AtmId,
    currency: Currency.optional(),
    amount: z.number().int().min(0),
    /** For a TRANSFER: the credited account. */
    toAccountId: AccountId.optional(),
    /** For a REVERSAL: the transaction it reverses. */
    originalTransactionId: TransactionId.optional(),
    /** For a REVERSAL: the type of the transaction it reverses (WITHDRAWAL, DEPOSIT or TRANSFER). */
    reversedTransactionType: TransactionType.optional(),
    /** For a WITHDRAWAL: the authorization it completed; for a REVERSAL: the authorization it released. */
    authorizationId: AuthorizationId.optional(),
    /** For a WITHDRAWAL: an advice, posted whatever the balance. */
    advice: z.literal(true).optional(),
    panLast4: PanLast4.optional(),
    postedAt: Timestamp,
    /** For a BALANCE_INQUIRY: the balance it showed. */
    balance: z.number().int().optional(),
    movements: z.array(AccountMovement),
    legs: z.array(Leg),
  })
  .meta({ id: 'TransactionPosted' });
export type TransactionPosted = z.infer<typeof TransactionPosted>;

/** A transaction was refused; the refusal is remembered like a posting. */
export const TransactionRejected = z
  .object({
    ...ledgerEventBase,
    type: z.literal('ledger.transaction.rejected'),
    transactionType: TransactionType,
    accountId: AccountId,
    atmId: AtmId,
    amount: z.number().int().min(0).optional(),
    currency: Currency.optional(),
    toAccountId: AccountId.optional(),
    originalTransactionId: TransactionId.optional(),
    authorizationId: AuthorizationId.optional(),
    advice: z.literal(true).optional(),
    panLast4: PanLast4.optional(),
    reason: RejectionReason,
    rejectedAt: Timestamp,
  })
  .meta({ id: 'TransactionRejected' });
export type TransactionRejected = z.infer<typeof TransactionRejected>;

/**
 * A known transaction id arrived again with a different payload; it was
 * counted, never applied. One event per counted conflict: `conflictNumber`
 * is the count after it.
 */
export const TransactionConflict = z
  .object({
    ...ledgerEventBase,
    type: z.literal('ledger.transaction.conflict'),
    accountId: AccountId,
    conflictNumber: z.number().int().min(1),
    existingPayloadHash: z.string(),
    conflictingPayloadHash: z.string(),
    detectedAt: Timestamp,
  })
  .meta({ id: 'TransactionConflict' });
export type TransactionConflict = z.infer<typeof TransactionConflict>;

/** A reversal arrived before its original and waits for it. */
export const ReversalPending = z
  .object({
    ...ledgerEventBase,
    type: z.literal('ledger.reversal.pending'),
    accountId: AccountId,
    originalTransactionId: TransactionId,
    pendingSince: Timestamp,
    /** When it stops waiting: past this, it is refused ORIGINAL_NOT_FOUND. */
    waitUntil: Timestamp.optional(),
  })
  .meta({ id: 'ReversalPending' });
export type ReversalPending = z.infer<typeof ReversalPending>;

const authorizationEventBase = {
  schemaVersion: z.literal(1),
  /** Deterministic: `<authorizationId>:authorization:<kind>`, so a redelivery carries the same id. */
  id: z.string().min(1),
  authorizationId: AuthorizationId,
  accountId: AccountId,
  /** When the ATM asked: the authorization's own `occurredAt`. */
  occurredAt: Timestamp,
  correlationId: z.string().optional(),
};

/** An authorization was approved: its amount is held on the account until it ends. */
export const AuthorizationApproved = z
  .object({
    ...authorizationEventBase,
    type: z.literal('ledger.authorization.approved'),
    atmId: AtmId,
    amount: z.number().int().min(1),
    currency: Currency,
    panLast4: PanLast4.optional(),
    /** The account's available balance after the hold. */
    availableBalance: z.number().int(),
    decidedAt: Timestamp,
    /** Past this, a hold not completed expires and stops counting. */
    expiresAt: Timestamp,
  })
  .meta({ id: 'AuthorizationApproved' });
export type AuthorizationApproved = z.infer<typeof AuthorizationApproved>;

/** An authorization was declined; the decline is remembered like an approval. */
export const AuthorizationDeclined = z
  .object({
    ...authorizationEventBase,
    type: z.literal('ledger.authorization.declined'),
    atmId: AtmId,
    amount: z.number().int().min(1),
    currency: Currency,
    panLast4: PanLast4.optional(),
    reason: DeclineReason,
    /** The account's available balance, which the decline left as it was; absent for an unknown account. */
    availableBalance: z.number().int().optional(),
    decidedAt: Timestamp,
  })
  .meta({ id: 'AuthorizationDeclined' });
export type AuthorizationDeclined = z.infer<typeof AuthorizationDeclined>;

/** A withdrawal completed an authorization; what it did not dispense was given back. */
export const AuthorizationCompleted = z
  .object({
    ...authorizationEventBase,
    type: z.literal('ledger.authorization.completed'),
    /** The completing WITHDRAWAL. */
    transactionId: TransactionId,
    amount: z.number().int().min(1),
    completedAmount: z.number().int().min(1),
    currency: Currency,
    /** The hold that stopped counting: the authorized amount, or 0 if it had expired. */
    releasedHold: z.number().int().min(0),
    completedAt: Timestamp,
  })
  .meta({ id: 'AuthorizationCompleted' });
export type AuthorizationCompleted = z.infer<typeof AuthorizationCompleted>;

/** A REVERSAL released an approved hold that was never completed. */
export const AuthorizationReleased = z
  .object({
    ...authorizationEventBase,
    type: z.literal('ledger.authorization.released'),
    /** The releasing REVERSAL. */
    transactionId: TransactionId,
    amount: z.number().int().min(1),
    currency: Currency,
    releasedAt: Timestamp,
  })
  .meta({ id: 'AuthorizationReleased' });
export type AuthorizationReleased = z.infer<typeof AuthorizationReleased>;

/** An approved hold was not completed in time: it stopped counting. A completion may still come. */
export const AuthorizationExpired = z
  .object({
    ...authorizationEventBase,
    type: z.literal('ledger.authorization.expired'),
    amount: z.number().int().min(1),
    currency: Currency,
    expiresAt: Timestamp,
    expiredAt: Timestamp,
  })
  .meta({ id: 'AuthorizationExpired' });
export type AuthorizationExpired = z.infer<typeof AuthorizationExpired>;

/** What the ledger decides about a transaction id. */
export type TransactionEvent =
  | TransactionPosted
  | TransactionRejected
  | TransactionConflict
  | ReversalPending;

/** What the ledger decides about an authorization id. */
export type AuthorizationEvent =
  | AuthorizationApproved
  | AuthorizationDeclined
  | AuthorizationCompleted
  | AuthorizationReleased
  | AuthorizationExpired;

/** Everything the ledger publishes onto the event bus. */
export const LedgerEvent = z
  .discriminatedUnion('type', [
    TransactionPosted,
    TransactionRejected,
    TransactionConflict,
    ReversalPending,
    AuthorizationApproved,
    AuthorizationDeclined,
    AuthorizationCompleted,
    AuthorizationReleased,
    AuthorizationExpired,
  ])
  .meta({ id: 'LedgerEvent' });
export type LedgerEvent = z.infer<typeof LedgerEvent>;

const AUTHORIZATION_EVENT_TYPES = new Set<string>([
  'ledger.authorization.approved',
  'ledger.authorization.declined',
  'ledger.authorization.completed',
  'ledger.authorization.released',
  'ledger.authorization.expired',
] satisfies AuthorizationEvent['type'][]);

export const isAuthorizationEvent = (event: LedgerEvent): event is AuthorizationEvent =>
  AUTHORIZATION_EVENT_TYPES.has(event.type);

export { MinorUnits };

/** Every `type` a {@link LedgerEvent} can have. */
export type LedgerEventType = LedgerEvent['type'];
export const LEDGER_EVENT_TYPES = [
  'ledger.transaction.posted',
  'ledger.transaction.rejected',
  'ledger.transaction.conflict',
  'ledger.reversal.pending',
  'ledger.authorization.approved',
  'ledger.authorization.declined',
  'ledger.authorization.completed',
  'ledger.authorization.released',
  'ledger.authorization.expired',
] as const satisfies readonly LedgerEventType[];

/**
 * Event ids, derived from what the event records (its transaction and kind)
 * and nothing else, so a redelivered transaction, or a stream record
 * delivered twice, yields the same id and consumers can deduplicate on it.
 */
export const ledgerEventId = {
  posted: (transactionId: string) => `${transactionId}:posted`,
  rejected: (transactionId: string) => `${transactionId}:rejected`,
  pending: (transactionId: string) => `${transactionId}:pending`,
  conflict: (transactionId: string, conflictNumber: number) =>
    `${transactionId}:conflict:${conflictNumber}`,
  /** Authorization ids have a namespace of their own, so theirs say so. */
  authorization: (
    authorizationId: string,
    kind: 'approved' | 'declined' | 'completed' | 'released' | 'expired',
  ) => `${authorizationId}:authorization:${kind}`,
} as const;
