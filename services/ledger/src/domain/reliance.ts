import type { AuthorizationStatus, LedgerEvent } from '@atm-ledger/contracts';
import { isFundsChecked } from './decide.js';
import { LedgerInvariantError } from './errors.js';
import {
  type Account,
  type AuthorizationState,
  type LedgerState,
  utcDay,
  withdrawnOn,
} from './types.js';

/** A condition on an account's hold: exactly `is`, or at most `atMost`. */
export type HeldCondition =
  | { readonly accountId: string; readonly is: number }
  | { readonly accountId: string; readonly atMost: number };

/** A condition on an account's usage of one UTC day: exactly `is`, or at most `atMost`. */
export type WithdrawnCondition =
  | { readonly accountId: string; readonly day: string; readonly is: number }
  | { readonly accountId: string; readonly day: string; readonly atMost: number };

/**
 * What in the state a decision relies on, besides the accounts it moves
 * (which their own writes condition on their version) and its own id
 * (written once). The store writes the decision conditional on these still
 * holding, so a decision made from a state that has moved on never lands.
 *
 * Holds and daily usage change without the version (an authorization is not
 * an entry), so a decision that depends on them says so here: a debit
 * checked for funds needs the hold to be at most what leaves the available
 * balance at zero; an authorization, which answers the available balance
 * after it, needs the hold exactly as read.
 */
export interface Reliance {
  /** Accounts that must still be at the version the decision read. */
  readonly unchanged: readonly Account[];
  /** Accounts whose absence the decision relied on. */
  readonly absent: readonly string[];
  readonly held: readonly HeldCondition[];
  readonly withdrawn: readonly WithdrawnCondition[];
  /** The authorization a completion, release or expiry acts on: its status as read, or its absence. */
  readonly authorization?:
    | { readonly authorizationId: string; readonly status: AuthorizationStatus | 'ABSENT' }
    | undefined;
}

const NOTHING: Reliance = { unchanged: [], absent: [], held: [], withdrawn: [] };

const exactly = (account: Account): Pick<Reliance, 'unchanged' | 'held'> => ({
  unchanged: [account],
  held: [{ accountId: account.accountId, is: account.heldAmount }],
});

/**
 * What a posting's events rely on:
 * - a balance inquiry, on the balance it showed;
 * - a debit checked for funds, on the hold leaving it within the available
 *   balance; a withdrawal under a daily limit, on the day's usage leaving room;
 * - a completion or a release, on the authorization's status as read;
 * - a refusal for funds, a bound or the daily limit, on the account exactly
 *   as read; for a missing account or authorization, on its absence.
 * Every other refusal follows from what never changes (the request, an
 * account's currency, an original's payload and final status, a reversal
 * mark or an ended authorization, which are never taken back).
 */
export function relianceOf(state: LedgerState, event: LedgerEvent): Reliance {
  const read = [...state.accounts];
  const present = read.map(([, a]) => a).filter((a): a is Account => a !== undefined);
  const authorization = state.authorization;
  switch (event.type) {
    case 'ledger.transaction.posted': {
      if (event.transactionType === 'BALANCE_INQUIRY') return { ...NOTHING, unchanged: present };
      const held: HeldCondition[] = [];
      if (isFundsChecked(event)) {
        for (const m of event.movements) {
          if (m.amount < 0)
            held.push({ accountId: m.accountId, atMost: m.balanceAfter + (m.overdraftLimit ?? 0) });
        }
      }
      const withdrawn: WithdrawnCondition[] = [];
      const account = state.accounts.get(event.accountId);
      const limit = account?.dailyWithdrawalLimit;
      if (event.transactionType === 'WITHDRAWAL' && isFundsChecked(event) && limit !== undefined) {
        withdrawn.push({
          accountId: event.accountId,
          day: utcDay(event.occurredAt),
          atMost: limit - event.amount,
        });
      }
      return {
        ...NOTHING,
        held,
        withdrawn,
        ...(event.authorizationId === undefined || authorization === undefined
          ? {}
          : {
              authorization: {
                authorizationId: event.authorizationId,
                status: authorization.status,
              },
            }),
      };
    }
    case 'ledger.transaction.rejected':
      switch (event.reason) {
        case 'INSUFFICIENT_FUNDS':
        case 'LIMIT_EXCEEDED':
          return {
            ...NOTHING,
            unchanged: present,
            held: present.map((a) => ({ accountId: a.accountId, is: a.heldAmount })),
          };
        case 'DAILY_LIMIT_EXCEEDED':
          return {
            ...NOTHING,
            unchanged: present,
            held: present.map((a) => ({ accountId: a.accountId, is: a.heldAmount })),
            withdrawn: present.map((a) => ({
              accountId: a.accountId,
              day: utcDay(event.occurredAt),
              is: withdrawnOn(a, event.occurredAt),
            })),
          };
        case 'ACCOUNT_NOT_FOUND':
          return { ...NOTHING, absent: read.filter(([, a]) => a === undefined).map(([id]) => id) };
        case 'AUTHORIZATION_NOT_FOUND':
          if (event.authorizationId === undefined)
            throw new LedgerInvariantError(`${event.id} names no authorization`);
          return {
            ...NOTHING,
            authorization: { authorizationId: event.authorizationId, status: 'ABSENT' },
          };
        default:
          return NOTHING;
      }
    case 'ledger.authorization.completed':
    case 'ledger.authorization.released':
    case 'ledger.authorization.expired':
      if (authorization === undefined)
        throw new LedgerInvariantError(`${event.id} decided without its authorization`);
      return {
        ...NOTHING,
        authorization: { authorizationId: event.authorizationId, status: authorization.status },
      };
    case 'ledger.reversal.pending':
    case 'ledger.transaction.conflict':
      return NOTHING;
    case 'ledger.authorization.approved':
    case 'ledger.authorization.declined':
      throw new LedgerInvariantError(`${event.id} is decided by authorizing, not by posting`);
    default: {
      const never: never = event;
      return never;
    }
  }
}

/**
 * What an authorization's decision relies on: the account exactly as read
 * (the answer says the available balance after it, and that must be the
 * truth), and for an approval under a daily limit, room left on its day; for
 * a decline by the daily limit, the day's usage as read; for an unknown
 * account, its absence.
 */
export function authorizationRelianceOf(state: AuthorizationState, event: LedgerEvent): Reliance {
  const account = state.account;
  switch (event.type) {
    case 'ledger.authorization.approved': {
      if (account === undefined)
        throw new LedgerInvariantError(`${event.id} approved without an account`);
      const limit = account.dailyWithdrawalLimit;
      return {
        ...NOTHING,
        ...exactly(account),
        withdrawn:
          limit === undefined
            ? []
            : [
                {
                  accountId: account.accountId,
                  day: utcDay(event.occurredAt),
                  atMost: limit - event.amount,
                },
              ],
      };
    }
    case 'ledger.authorization.declined':
      if (account === undefined) return { ...NOTHING, absent: [event.accountId] };
      return {
        ...NOTHING,
        ...exactly(account),
        withdrawn:
          event.reason === 'DAILY_LIMIT_EXCEEDED'
            ? [
                {
                  accountId: account.accountId,
                  day: utcDay(event.occurredAt),
                  is: withdrawnOn(account, event.occurredAt),
                },
              ]
            : [],
      };
    case 'ledger.authorization.expired':
      return {
        ...NOTHING,
        authorization: { authorizationId: event.authorizationId, status: 'APPROVED' },
      };
    default:
      throw new LedgerInvariantError(`${event.id} is not an authorization's own decision`);
  }
}
