import type { Leg } from '@atm-ledger/contracts';

/** The system account holding an ATM's cash. One per ATM, so no single item is hot. */
export const atmCashAccount = (atmId: string) => `ATM_CASH:${atmId}`;

/** Legs are how double entry is kept: each posting's debits equal its credits. */
export const debit = (account: string, amount: number, currency: string): Leg => ({
  account,
  debit: amount,
  credit: 0,
  currency,
});
export const credit = (account: string, amount: number, currency: string): Leg => ({
  account,
  debit: 0,
  credit: amount,
  currency,
});

/** Totals per currency; a posting whose totals differ must never be written. */
export function totals(legs: readonly Leg[]): Map<string, { debits: number; credits: number }> {
  const out = new Map<string, { debits: number; credits: number }>();
  for (const leg of legs) {
    const t = out.get(leg.currency) ?? { debits: 0, credits: 0 };
    t.debits += leg.debit;
    t.credits += leg.credit;
    out.set(leg.currency, t);
  }
  return out;
}

/** Running debits and credits per currency, exact at any size: a ledger's totals pass 2^53 in time. */
export type ExactTotals = Map<string, { debits: bigint; credits: bigint }>;

/** Adds legs to running totals, in place, exactly. */
export function addToTotals(into: ExactTotals, legs: readonly Leg[]): ExactTotals {
  for (const leg of legs) {
    const t = into.get(leg.currency) ?? { debits: 0n, credits: 0n };
    t.debits += BigInt(leg.debit);
    t.credits += BigInt(leg.credit);
    into.set(leg.currency, t);
  }
  return into;
}

export function isBalanced(legs: readonly Leg[]): boolean {
  for (const t of totals(legs).values()) if (t.debits !== t.credits) return false;
  return true;
}
