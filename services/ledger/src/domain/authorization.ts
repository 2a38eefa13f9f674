import {
  type AuthorizationApproved,
  type AuthorizationDeclined,
  type AuthorizationEvent,
  type DeclineReason,
  ledgerEventId,
} from '@atm-ledger/contracts';
import { applyAccountChanges } from './accountChanges.js';
import { LedgerInvariantError } from './errors.js';
import {
  type AuthorizationRecord,
  type AuthorizationState,
  type Authorize,
  availableBalance,
  DEFAULT_LEDGER_POLICY,
  type LedgerPolicy,
  withdrawnOn,
} from './types.js';

/** Optional fields left out rather than undefined: events are JSON, stored and published as such. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/**
 * Decides an authorization, now, before the ATM dispenses: approved when the
 * amount is within the account's available balance and the daily limit,
 * which places a hold; declined otherwise, and the decline is remembered like
 * an approval. An id already decided decides nothing (the caller answers the
 * decision on file, or a conflict if the payload differs). Pure; `now` is the
 * decision time. Declines are checked in this order: the account, its
 * currency, the funds, the daily limit.
 */
export function decideAuthorization(
  command: Authorize,
  state: AuthorizationState,
  now: string,
  policy: Pick<LedgerPolicy, 'holdTtlSeconds'> = DEFAULT_LEDGER_POLICY,
): readonly AuthorizationEvent[] {
  if (state.existing !== undefined) return [];
  const { fields } = command;
  const account = state.account;
  const base = {
    schemaVersion: 1 as const,
    authorizationId: fields.authorizationId,
    accountId: fields.accountId,
    occurredAt: fields.occurredAt,
    ...optional({ correlationId: command.correlationId }),
    atmId: fields.atmId,
    amount: fields.amount,
    currency: fields.currency,
    ...optional({ panLast4: fields.panLast4 }),
  };
  const decline = (reason: DeclineReason): AuthorizationDeclined[] => [
    {
      ...base,
      id: ledgerEventId.authorization(fields.authorizationId, 'declined'),
      type: 'ledger.authorization.declined',
      reason,
      ...optional({
        availableBalance: account === undefined ? undefined : availableBalance(account),
      }),
      decidedAt: now,
    },
  ];
  if (account === undefined) return decline('ACCOUNT_NOT_FOUND');
  if (account.currency !== fields.currency) return decline('CURRENCY_MISMATCH');
  if (fields.amount > availableBalance(account)) return decline('INSUFFICIENT_FUNDS');
  if (exceedsDailyLimit(account, fields.occurredAt, fields.amount))
    return decline('DAILY_LIMIT_EXCEEDED');
  const approved: AuthorizationApproved = {
    ...base,
    id: ledgerEventId.authorization(fields.authorizationId, 'approved'),
    type: 'ledger.authorization.approved',
    availableBalance: availableBalance(account) - fields.amount,
    decidedAt: now,
    expiresAt: new Date(Date.parse(now) + policy.holdTtlSeconds * 1000).toISOString(),
  };
  return [approved];
}

/** Whether taking `amount` on the UTC day of `occurredAt` would pass the account's daily limit. */
export function exceedsDailyLimit(
  account: {
    readonly dailyWithdrawalLimit?: number | undefined;
    readonly withdrawn: Readonly<Record<string, number>>;
  },
  occurredAt: string,
  amount: number,
): boolean {
  const limit = account.dailyWithdrawalLimit;
  return limit !== undefined && withdrawnOn(account, occurredAt) + amount > limit;
}

/**
 * Ends an APPROVED hold that was not completed by its expiry: EXPIRED, and
 * the hold stops counting. Anything else (ended meanwhile, or not yet due)
 * decides nothing. A completion may still come afterwards: the cash left.
 */
export function decideHoldExpiry(
  record: AuthorizationRecord,
  now: string,
): readonly AuthorizationEvent[] {
  if (record.status !== 'APPROVED' || record.expiresAt === undefined) return [];
  if (Date.parse(now) < Date.parse(record.expiresAt)) return [];
  const { fields } = record;
  return [
    {
      schemaVersion: 1,
      id: ledgerEventId.authorization(fields.authorizationId, 'expired'),
      type: 'ledger.authorization.expired',
      authorizationId: fields.authorizationId,
      accountId: fields.accountId,
      occurredAt: fields.occurredAt,
      ...optional({ correlationId: record.correlationId }),
      amount: fields.amount,
      currency: fields.currency,
      expiresAt: record.expiresAt,
      expiredAt: now,
    },
  ];
}

/** The record of an authorization id before anything is decided: its request. */
export function initialAuthorization(request: Authorize): AuthorizationRecord {
  return {
    fields: request.fields,
    payloadHash: request.payloadHash,
    status: 'APPROVED',
    decidedAt: '',
    ...optional({ correlationId: request.correlationId }),
    events: [],
  };
}

/**
 * Folds one event into an authorization's record: the one rule by which its
 * status follows from its journal (`events.reduce(evolveAuthorization, initialAuthorization(request))`).
 */
export function evolveAuthorization(
  record: AuthorizationRecord,
  event: AuthorizationEvent,
): AuthorizationRecord {
  if (event.authorizationId !== record.fields.authorizationId) {
    throw new LedgerInvariantError(
      `event ${event.id} folded into authorization ${record.fields.authorizationId}`,
    );
  }
  const events = [...record.events, event];
  switch (event.type) {
    case 'ledger.authorization.approved':
      return {
        ...record,
        status: 'APPROVED',
        availableBalance: event.availableBalance,
        decidedAt: event.decidedAt,
        expiresAt: event.expiresAt,
        events,
      };
    case 'ledger.authorization.declined':
      return {
        ...record,
        status: 'DECLINED',
        reason: event.reason,
        ...optional({ availableBalance: event.availableBalance }),
        decidedAt: event.decidedAt,
        events,
      };
    case 'ledger.authorization.completed':
      return {
        ...record,
        status: 'COMPLETED',
        completedAmount: event.completedAmount,
        endedBy: event.transactionId,
        events,
      };
    case 'ledger.authorization.released':
      return { ...record, status: 'RELEASED', endedBy: event.transactionId, events };
    case 'ledger.authorization.expired':
      return { ...record, status: 'EXPIRED', events };
    default: {
      const never: never = event;
      throw new LedgerInvariantError(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

/** The record an event folds into: the one on file, else the request's. */
export function authorizationBefore(
  existing: AuthorizationRecord | undefined,
  request: Authorize | undefined,
  event: AuthorizationEvent,
): AuthorizationRecord {
  if (existing !== undefined) return existing;
  if (request === undefined || request.fields.authorizationId !== event.authorizationId) {
    throw new LedgerInvariantError(
      `event ${event.id} folded into a state without authorization ${event.authorizationId}`,
    );
  }
  return initialAuthorization(request);
}

/** The state after an authorization's decision: its record, and its account's hold and daily usage. */
export function evolveAuthorizationState(
  state: AuthorizationState,
  event: AuthorizationEvent,
): AuthorizationState {
  const existing = evolveAuthorization(
    authorizationBefore(state.existing, state.request, event),
    event,
  );
  const account =
    state.account === undefined
      ? undefined
      : applyAccountChanges(new Map([[state.account.accountId, state.account]]), event).get(
          state.account.accountId,
        );
  return { ...state, existing, account };
}
