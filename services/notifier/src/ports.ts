import { AtmLedgerError } from '@atm-ledger/runtime';
import type { Notification } from './domain/index.js';

/** Proof of holding a notification's idempotency record while it is sent. */
export interface Claim {
  readonly key: string;
  /** Unique per claim, so a holder whose claim expired cannot complete or release its successor's. */
  readonly token: string;
  readonly inProgressUntil: Date;
}

/** What happened to an attempt to claim a notification for sending. */
export type ClaimOutcome =
  /** Ours to send. `tookOver`: an earlier holder's claim had expired unfinished (it may have sent). */
  | { readonly kind: 'Claimed'; readonly claim: Claim; readonly tookOver: boolean }
  /** Sent before, within the record's time to live: do not send again. */
  | { readonly kind: 'AlreadyCompleted'; readonly completedAt: string | undefined }
  /** Someone else holds an unexpired claim: it is being sent right now, or its sender died recently. */
  | { readonly kind: 'InFlight'; readonly inProgressUntil: Date };

/** What happened when a claim was completed or released. */
export type SettleOutcome =
  | { readonly kind: 'Settled' }
  /** The claim had expired and was taken over; the record now belongs to someone else. */
  | { readonly kind: 'ClaimLost' };

/**
 * At most one send per key, following Powertools' idempotency records: an
 * INPROGRESS record with an expiry is written with a conditional put before
 * sending, and marked COMPLETED after. Implementations: DynamoDB (production
 * and local cloud) and in-memory; one shared suite runs against both.
 */
export interface IdempotencyStore {
  /**
   * Takes the key unless it is completed or held. A record past its time to
   * live counts as absent (DynamoDB deletes expired items lazily), and so
   * does an INPROGRESS record past `inProgressUntil`.
   */
  claim(key: string, options: { readonly inProgressMs: number }): Promise<ClaimOutcome>;
  /** Marks the key sent; it stays so for the store's time to live. */
  complete(claim: Claim): Promise<SettleOutcome>;
  /** Gives the key up after a failed send, so a retry can claim it at once. */
  release(claim: Claim): Promise<SettleOutcome>;
}

/** The idempotency store failed (not a condition: throttling, network, permissions). Retry the message. */
export class IdempotencyStoreError extends AtmLedgerError {
  readonly code = 'IDEMPOTENCY_STORE_FAILED';
}
export const isIdempotencyStoreError = (e: unknown): e is IdempotencyStoreError =>
  e instanceof IdempotencyStoreError;

/** What a channel did with a notification. */
export type DeliveryResult =
  /** Handed to the provider; `reference` is its id (SES message id, SNS message id), if any. */
  | { readonly kind: 'Delivered'; readonly reference?: string | undefined }
  /** No address for this account on this channel: nothing was sent, and retrying will not help. */
  | { readonly kind: 'NoDestination' };

/** Where notifications go: a local file, email, SMS. */
export interface NotificationChannel {
  readonly name: string;
  /** Resolves once the provider accepted it; throws {@link DeliveryError} otherwise. */
  send(notification: Notification): Promise<DeliveryResult>;
}

/** The channel's provider refused or failed the notification. Retry the message. */
export class DeliveryError extends AtmLedgerError {
  readonly code = 'DELIVERY_FAILED';
}
export const isDeliveryError = (e: unknown): e is DeliveryError => e instanceof DeliveryError;

/** How to reach an account holder. */
export interface Contact {
  readonly email?: string | undefined;
  /** E.164, e.g. `+15555550100`. */
  readonly phone?: string | undefined;
}

/** Finds an account holder's contact details; the bank's customer system in production. */
export interface ContactDirectory {
  contactFor(accountId: string): Promise<Contact | undefined>;
}
