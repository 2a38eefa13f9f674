import type { LedgerEvent } from '@atm-ledger/contracts';
import { accountChangesOf, decidedAtOf, forgottenDays } from './accountChanges.js';
import { LedgerInvariantError } from './errors.js';
import { entriesOf } from './evolve.js';
import type { HeldCondition, Reliance, WithdrawnCondition } from './reliance.js';
import type { Account, Entry } from './types.js';

/**
 * Everything one decision writes to, and requires of, one account: a store
 * turns it into a single operation on the account's item (DynamoDB allows
 * one per item in a transaction), and the in-memory store checks and applies
 * it the same way.
 */
export interface AccountPlan {
  readonly accountId: string;
  /** The entry a posting appends: the account moves to its balance and sequence, from the one before. */
  entry?: Entry;
  /** The version the decision read and relied on, when it appends no entry. */
  version?: number;
  /** The decision relied on the account not existing. */
  absent: boolean;
  readonly held: HeldCondition[];
  readonly withdrawn: WithdrawnCondition[];
  /** Added to the hold. */
  heldDelta: number;
  /** Added to the daily usage, per UTC day. */
  readonly withdrawnDeltas: Map<string, number>;
  /** Days of usage the write drops (older than the retention). */
  forget: string[];
}

const emptyPlan = (accountId: string): AccountPlan => ({
  accountId,
  absent: false,
  held: [],
  withdrawn: [],
  heldDelta: 0,
  withdrawnDeltas: new Map(),
  forget: [],
});

/** Whether a plan writes anything, as opposed to only checking conditions. */
export const plansWrite = (plan: AccountPlan): boolean =>
  plan.entry !== undefined ||
  plan.heldDelta !== 0 ||
  plan.withdrawnDeltas.size > 0 ||
  plan.forget.length > 0;

/**
 * The account plans of a decision: its events' entries and hold and usage
 * changes, with what each event relies on. `accounts` are the accounts as
 * the decision read them (for the days their write forgets).
 */
export function accountPlansOf(
  events: readonly LedgerEvent[],
  reliances: readonly Reliance[],
  accounts: ReadonlyMap<string, Account | undefined>,
): Map<string, AccountPlan> {
  const plans = new Map<string, AccountPlan>();
  const plan = (id: string) => {
    let p = plans.get(id);
    if (p === undefined) {
      p = emptyPlan(id);
      plans.set(id, p);
    }
    return p;
  };
  for (const event of events) {
    if (event.type === 'ledger.transaction.posted') {
      for (const entry of entriesOf(event)) {
        const p = plan(entry.accountId);
        if (p.entry !== undefined)
          throw new LedgerInvariantError(`${event.id} moved ${entry.accountId} twice`);
        p.entry = entry;
      }
    }
    const at = decidedAtOf(event);
    for (const c of accountChangesOf(event)) {
      const p = plan(c.accountId);
      p.heldDelta += c.held;
      for (const [day, delta] of c.withdrawn)
        p.withdrawnDeltas.set(day, (p.withdrawnDeltas.get(day) ?? 0) + delta);
      const read = accounts.get(c.accountId);
      if (read !== undefined)
        p.forget = forgottenDays(read, at).filter((day) => !p.withdrawnDeltas.has(day));
    }
  }
  for (const reliance of reliances) {
    for (const account of reliance.unchanged) {
      const p = plan(account.accountId);
      if (p.entry === undefined) p.version = account.version;
      else if (p.entry.sequence !== account.version + 1)
        throw new LedgerInvariantError(`${account.accountId} relied on at two versions`);
    }
    for (const id of reliance.absent) plan(id).absent = true;
    for (const c of reliance.held) plan(c.accountId).held.push(c);
    for (const c of reliance.withdrawn) plan(c.accountId).withdrawn.push(c);
  }
  for (const p of plans.values()) {
    if (p.absent && plansWrite(p))
      throw new LedgerInvariantError(`${p.accountId} written while relied on as absent`);
  }
  return plans;
}

/** Whether an account (undefined: absent) meets a plan's conditions, as a store checks them. */
export function meetsPlan(account: Account | undefined, plan: AccountPlan): boolean {
  if (plan.absent) return account === undefined;
  if (account === undefined) return false;
  if (plan.entry !== undefined && account.version !== plan.entry.sequence - 1) return false;
  if (plan.version !== undefined && account.version !== plan.version) return false;
  for (const c of plan.held) {
    if ('is' in c ? account.heldAmount !== c.is : account.heldAmount > c.atMost) return false;
  }
  for (const c of plan.withdrawn) {
    const used = account.withdrawn[c.day] ?? 0;
    if ('is' in c ? used !== c.is : used > c.atMost) return false;
  }
  return true;
}

/** An account after a plan's writes: the entry's balance and sequence, the deltas, the days forgotten. */
export function applyPlan(account: Account, plan: AccountPlan): Account {
  const withdrawn: Record<string, number> = { ...account.withdrawn };
  for (const day of plan.forget) delete withdrawn[day];
  for (const [day, delta] of plan.withdrawnDeltas) withdrawn[day] = (withdrawn[day] ?? 0) + delta;
  const heldAmount = account.heldAmount + plan.heldDelta;
  if (heldAmount < 0)
    throw new LedgerInvariantError(`account ${account.accountId} would hold ${heldAmount}`);
  return {
    ...account,
    ...(plan.entry === undefined
      ? {}
      : {
          balance: plan.entry.balanceAfter,
          version: plan.entry.sequence,
          updatedAt: plan.entry.postedAt,
        }),
    heldAmount,
    withdrawn,
  };
}
