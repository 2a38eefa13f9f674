import {
  AccountId,
  AuthorizationId,
  NOTIFICATION_KINDS,
  Timestamp,
  TransactionId,
} from '@atm-ledger/contracts';
import * as z from 'zod';

/**
 * What a notifier can send. A deployed notifier sends a configured subset
 * (contracts' `NOTIFIER_KINDS`, which infra and the local cloud deploy); the
 * list itself is the contracts' too, so the two cannot disagree.
 */
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;
export { NOTIFICATION_KINDS };

/**
 * One message to one account holder. `notificationId` is derived from the
 * ledger event, the kind and the account, so a redelivered event yields the
 * same id and the idempotency record can suppress the second send. `message`
 * never holds a card number: only `**** 1234`.
 */
export const Notification = z
  .object({
    notificationId: z.string().min(1),
    kind: NotificationKind,
    accountId: AccountId,
    /** What it is about: a transaction, or (for a declined authorization) an authorization. */
    transactionId: TransactionId.optional(),
    authorizationId: AuthorizationId.optional(),
    createdAt: Timestamp,
    message: z.string().min(1),
  })
  .refine((n) => (n.transactionId === undefined) !== (n.authorizationId === undefined), {
    message: 'expected exactly one of transactionId and authorizationId',
    path: ['transactionId'],
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof Notification>;

export interface NotificationSettings {
  /** A posted withdrawal of at least this many minor units raises LARGE_WITHDRAWAL. */
  readonly largeWithdrawalThreshold: number;
  /** Kinds to produce; all of them when absent. */
  readonly kinds?: ReadonlySet<NotificationKind> | undefined;
  /** `createdAt` of every notification produced; the caller's clock, never the wall clock here. */
  readonly now: Date;
}

export const DEFAULT_LARGE_WITHDRAWAL_THRESHOLD = 50_000;

export const notificationIdOf = (eventId: string, kind: NotificationKind, accountId: string) =>
  `${eventId}:${kind}:${accountId}`;
