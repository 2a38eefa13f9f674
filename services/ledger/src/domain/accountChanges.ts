import type { LedgerEvent } from '@atm-ledger/contracts';
import { LedgerInvariantError } from './errors.js';
import { type Account, DAILY_USAGE_RETENTION_DAYS, utcDay } from './types.js';

/**
 * What an event does to an account besides its entries: its hold and its
 * daily usage. These are deltas, which commute: the authorizations (API) and
 * the postings (stream) write them to one account item without taking turns,
 * and each decision's conditions (`relianceOf`) guard what it relied on.
 */
export interface AccountChange {
  readonly accountId: string;
  /** Added to `heldAmount`. */
  readonly held: number;
  /** Added to the daily usage, per UTC day. */
  readonly withdrawn: ReadonlyMap<string, number>;
}

/** The first UTC day still kept, for a write at `at`: older days are dropped as the account is written. */
export const oldestKeptDay = (at: string): string =>
  utcDay(new Date(Date.parse(at) - DAILY_USAGE_RETENTION_DAYS * 86_400_000).toISOString());

/** When an event was decided: the time the account changes it implies are written at. */
export function decidedAtOf(event: LedgerEvent): string {
  switch (event.type) {
    case 'ledger.transaction.posted':
      return event.postedAt;
    case 'ledger.transaction.rejected':
      return event.rejectedAt;
    case 'ledger.transaction.conflict':
      return event.detectedAt;
    case 'ledger.reversal.pending':
      return event.pendingSince;
    case 'ledger.authorization.approved':
    case 'ledger.authorization.declined':
      return event.decidedAt;
    case 'ledger.authorization.completed':
      return event.completedAt;
    case 'ledger.authorization.released':
      return event.releasedAt;
    case 'ledger.authorization.expired':
      return event.expiredAt;
    default: {
      const never: never = event;
      throw new LedgerInvariantError(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

const change = (
  accountId: string,
  held: number,
  day: string,
  withdrawn: number,
  at: string,
): AccountChange[] => [
  {
    accountId,
    held,
    // Usage of a day already forgotten is not written back: nothing counts against it any more.
    withdrawn: withdrawn === 0 || day < oldestKeptDay(at) ? new Map() : new Map([[day, withdrawn]]),
  },
];

/**
 * The hold and daily-usage changes of one event:
 * - an approval holds its amount and counts it against its day;
 * - a completion stops the hold counting (unless it had expired) and gives
 *   back to the authorization's day what it did not dispense;
 * - a release stops the hold and gives all of it back;
 * - an expiry stops the hold; the day keeps it, as a completion may still come;
 * - a withdrawal posted without an authorization (an advice too) counts
 *   against its day.
 */
export function accountChangesOf(event: LedgerEvent): readonly AccountChange[] {
  const at = decidedAtOf(event);
  switch (event.type) {
    case 'ledger.authorization.approved':
      return change(event.accountId, event.amount, utcDay(event.occurredAt), event.amount, at);
    case 'ledger.authorization.completed':
      return change(
        event.accountId,
        0 - event.releasedHold, // not -x, which makes -0 of an expired hold
        utcDay(event.occurredAt),
        -(event.amount - event.completedAmount),
        at,
      );
    case 'ledger.authorization.released':
      return change(event.accountId, -event.amount, utcDay(event.occurredAt), -event.amount, at);
    case 'ledger.authorization.expired':
      return change(event.accountId, -event.amount, utcDay(event.occurredAt), 0, at);
    case 'ledger.transaction.posted':
      return event.transactionType === 'WITHDRAWAL' && event.authorizationId === undefined
        ? change(event.accountId, 0, utcDay(event.occurredAt), event.amount, at)
        : [];
    case 'ledger.authorization.declined':
    case 'ledger.transaction.rejected':
    case 'ledger.transaction.conflict':
    case 'ledger.reversal.pending':
      return [];
    default: {
      const never: never = event;
      throw new LedgerInvariantError(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

/** Days of an account's usage that a write at `at` drops. */
export function forgottenDays(account: Account, at: string): string[] {
  const oldest = oldestKeptDay(at);
  return Object.keys(account.withdrawn).filter((day) => day < oldest);
}

/** An account after one change written at `at`, its forgotten days dropped as the store drops them. */
export function applyAccountChange(account: Account, c: AccountChange, at: string): Account {
  // Not checked for < 0 here: this folds what a lane last saw, which may lag the table; the
  // stores check the true hold (a write's conditions keep every hold ending once).
  const heldAmount = account.heldAmount + c.held;
  const withdrawn: Record<string, number> = { ...account.withdrawn };
  for (const day of forgottenDays(account, at)) delete withdrawn[day];
  for (const [day, delta] of c.withdrawn) withdrawn[day] = (withdrawn[day] ?? 0) + delta;
  return { ...account, heldAmount, withdrawn };
}

/** Accounts after an event's hold and usage changes; an account not loaded is an invariant broken. */
export function applyAccountChanges(
  accounts: ReadonlyMap<string, Account | undefined>,
  event: LedgerEvent,
): Map<string, Account | undefined> {
  const out = new Map(accounts);
  const at = decidedAtOf(event);
  for (const c of accountChangesOf(event)) {
    const account = out.get(c.accountId);
    if (account === undefined)
      throw new LedgerInvariantError(`${event.id} changed ${c.accountId}, which is not loaded`);
    out.set(c.accountId, applyAccountChange(account, c, at));
  }
  return out;
}
