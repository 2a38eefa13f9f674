import type { LedgerStore } from '../ports.js';

/** One currency whose running totals differ from what the journal adds up to. */
export interface TotalsDrift {
  readonly currency: string;
  /** What the trial balance answers: the running totals. */
  readonly totals: { readonly debits: bigint; readonly credits: bigint };
  /** What every posted event's legs add up to. */
  readonly journal: { readonly debits: bigint; readonly credits: bigint };
}

export interface AuditReport {
  /** Currencies seen in either. */
  readonly currencies: number;
  readonly drift: readonly TotalsDrift[];
}

const ZERO = { debits: 0n, credits: 0n };

/**
 * Recomputes the trial balance from the journal, by a full scan, and
 * compares it with the running totals the API answers from: any difference
 * is drift. It only reads; like `rebuild`, repairing is an operator's call.
 * On a live table the two reads are moments apart, so a posting landing in
 * between shows as drift on one run and not on the next; run it again, or
 * on a quiet table, before acting on it.
 */
export async function audit(
  store: Pick<LedgerStore, 'trialBalance' | 'journalTotals'>,
): Promise<AuditReport> {
  const totals = await store.trialBalance();
  const journal = await store.journalTotals();
  const currencies = [...new Set([...totals.keys(), ...journal.keys()])].sort();
  const drift: TotalsDrift[] = [];
  for (const currency of currencies) {
    const t = totals.get(currency) ?? ZERO;
    const j = journal.get(currency) ?? ZERO;
    if (t.debits !== j.debits || t.credits !== j.credits) {
      drift.push({ currency, totals: { ...t }, journal: { ...j } });
    }
  }
  return { currencies: currencies.length, drift };
}
