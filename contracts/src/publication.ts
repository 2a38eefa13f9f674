import type { TransactionType } from './api.js';
import { LEDGER_EVENT_TYPES, type LedgerEventType } from './events.js';

/**
 * How ledger events leave the ledger: DynamoDB Streams → EventBridge Pipe
 * (filter, then the `publish` enrichment) → event bus → rule → SNS topic →
 * one SQS queue per notifier, selected by subscription filter policies.
 * infra and the local cloud build that path from these values, so the two
 * cannot drift apart.
 */

/** `source` of every event the pipe puts on the bus; its `detail-type` is the event's `type`. */
export const LEDGER_EVENT_SOURCE = 'atm-ledger.ledger';

/** The `entity` attribute of a ledger transaction item, whose journal is published. */
export const TRANSACTION_ENTITY = 'TRANSACTION';

/** The `entity` attribute of an authorization item, whose journal is published too. */
export const AUTHORIZATION_ENTITY = 'AUTHORIZATION';

/** The items whose journals go on the bus; every other item is internal. */
export const PUBLISHED_ENTITIES = [TRANSACTION_ENTITY, AUTHORIZATION_ENTITY] as const;

/**
 * The pipe's filter, as an EventBridge Pipes filter pattern over a DynamoDB
 * stream record: only records whose new image is a transaction or an
 * authorization item go on to the enrichment. Accounts, entries, acceptance markers and waiting lists
 * are internal; removals have no new image and never match. Filtering before
 * the enrichment also means the dropped records are not billed as pipe events.
 *
 * infra: `sourceParameters.filterCriteria.filters: [{ pattern: JSON.stringify(LEDGER_STREAM_FILTER_PATTERN) }]`.
 */
export const LEDGER_STREAM_FILTER_PATTERN = {
  dynamodb: { NewImage: { entity: { S: [...PUBLISHED_ENTITIES] } } },
} as const;

/** The bus rule that sends every ledger event to the fan-out topic. */
export const LEDGER_EVENTS_RULE_PATTERN = {
  source: [LEDGER_EVENT_SOURCE],
  'detail-type': [...LEDGER_EVENT_TYPES],
} as const;

/** One set of events a notifier wants: every listed field must match one of its values. */
export interface NotifierRoute {
  readonly type: readonly LedgerEventType[];
  /** Absent: any transaction type, and events that have none (an authorization's). */
  readonly transactionType?: readonly TransactionType[];
}

/**
 * The types whose postings move money. A posted REVERSAL always does: one
 * that would return nothing is rejected (NOTHING_TO_REVERSE).
 */
const MONEY_MOVING: readonly TransactionType[] = ['WITHDRAWAL', 'DEPOSIT', 'TRANSFER', 'REVERSAL'];

/**
 * What each notifier receives; a notifier receives an event if any of its
 * routes matches the event (the bus event's `detail`).
 */
export const NOTIFIER_ROUTES = {
  /** Customer receipts for money that moved, refunds and reversals included. */
  receipts: [{ type: ['ledger.transaction.posted'], transactionType: MONEY_MOVING }],
  /**
   * Low-balance and overdrawn alerts (from any posting that takes money: a
   * reversal of a deposit or of a transfer takes it back), large withdrawals
   * and refused withdrawals, an ATM's declined authorization among them.
   */
  alerts: [
    { type: ['ledger.transaction.posted'], transactionType: MONEY_MOVING },
    { type: ['ledger.transaction.rejected'], transactionType: ['WITHDRAWAL'] },
    { type: ['ledger.authorization.declined'] },
  ],
} as const satisfies Record<string, readonly [NotifierRoute, ...NotifierRoute[]]>;

export type NotifierChannel = keyof typeof NOTIFIER_ROUTES;

/** Every kind of notification the notifier can write. */
export const NOTIFICATION_KINDS = [
  'RECEIPT',
  'LOW_BALANCE',
  'LARGE_WITHDRAWAL',
  'WITHDRAWAL_REJECTED',
  'OVERDRAWN',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * The kinds each notifier sends (its `NOTIFIER_KINDS`, comma-separated):
 * the same code runs once per channel, and each sends only its own kinds of
 * the events its routes deliver. infra and the local cloud both configure
 * the notifiers from this. A `Record` over the channels, so a channel added
 * to {@link NOTIFIER_ROUTES} fails to compile until it is given its kinds.
 */
export const NOTIFIER_KINDS = {
  receipts: ['RECEIPT'],
  alerts: ['LOW_BALANCE', 'OVERDRAWN', 'LARGE_WITHDRAWAL', 'WITHDRAWAL_REJECTED'],
} as const satisfies Record<NotifierChannel, readonly [NotificationKind, ...NotificationKind[]]>;

/** A notifier's `NOTIFIER_KINDS` value. */
export const notifierKindsSetting = (channel: NotifierChannel): string =>
  NOTIFIER_KINDS[channel].join(',');

/**
 * Whether a notifier's subscription receives an event: one of its routes
 * matches, as the SNS filter policy (or the local split of it) decides.
 */
export function isRoutedTo(
  channel: NotifierChannel,
  event: { readonly type: string; readonly transactionType?: string | undefined },
): boolean {
  const routes: readonly NotifierRoute[] = NOTIFIER_ROUTES[channel];
  return routes.some(
    (route) =>
      (route.type as readonly string[]).includes(event.type) &&
      (route.transactionType === undefined ||
        (event.transactionType !== undefined &&
          (route.transactionType as readonly string[]).includes(event.transactionType))),
  );
}

/** A route as a pattern on the `detail` of a bus event (SNS policy and EventBridge pattern alike). */
export function detailPattern(route: NotifierRoute): Record<string, string[]> {
  const pattern: Record<string, string[]> = { type: [...route.type] };
  if (route.transactionType !== undefined) pattern.transactionType = [...route.transactionType];
  return pattern;
}

/**
 * The SNS subscription filter policy of a notifier's queue, to be used with
 * `FilterPolicyScope: MessageBody`: the bus publishes the whole EventBridge
 * event as the message body and sets no message attributes. Several routes
 * become one `$or` policy.
 */
export function notifierFilterPolicy(channel: NotifierChannel): Record<string, unknown> {
  const routes: readonly NotifierRoute[] = NOTIFIER_ROUTES[channel];
  const branches = routes.map((route) => ({ detail: detailPattern(route) }));
  if (branches.length === 1) return branches[0] as Record<string, unknown>;
  return { $or: branches };
}
