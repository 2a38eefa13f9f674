import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot } from '@atm-ledger/local-aws';
import { z } from 'zod';
import type { MeterRow, Mode, Unit } from './meter.js';

const Price = z.object({
  usd: z.number().nonnegative(),
  per: z.number().positive(),
  unit: z.string().min(1),
  source: z.url(),
  date: z.iso.date(),
});

export const Pricing = z.object({
  region: z.string(),
  currency: z.literal('USD'),
  warning: z.string(),
  prices: z.record(z.string(), Price),
  fixed: z.record(z.string(), Price),
  assumptions: z.object({
    /** Lambda memory per function, as infra deploys it. */
    memoryMb: z.record(z.string(), z.number().int().positive()),
  }),
});
export type Pricing = z.infer<typeof Pricing>;

/** The price list's path in the repository; the built code reads the source file, tsc does not copy JSON. */
export const pricingPath = () =>
  join(findRepoRoot(), 'tools', 'harness', 'src', 'loadtest', 'pricing.json');

export async function loadPricing(path: string = pricingPath()): Promise<Pricing> {
  return Pricing.parse(JSON.parse(await readFile(path, 'utf8')));
}

export interface CostLine {
  readonly what: string;
  readonly unit: Unit;
  /** Units per transaction. */
  readonly perTransaction: number;
  /** Dollars per million transactions. */
  readonly usdPerMillion: number;
  readonly estimated: boolean;
}

export interface ModeCost {
  readonly mode: Mode;
  /** Distinct valid transactions of the mode: the denominator. */
  readonly transactions: number;
  readonly lines: readonly CostLine[];
  readonly usdPerMillion: number;
  /** Units the price list has no price for (a bug in the list, reported rather than priced at 0). */
  readonly unpriced: readonly Unit[];
}

/**
 * Dollars per million transactions for one mode: each counted unit, divided
 * by the mode's distinct valid transactions, times its unit price. Retries,
 * duplicates and invalid requests are in the numerator, as they are on a bill.
 */
export function costPerMillion(
  rows: readonly MeterRow[],
  mode: Mode,
  transactions: number,
  pricing: Pricing,
): ModeCost {
  const lines: CostLine[] = [];
  const unpriced = new Set<Unit>();
  for (const row of rows) {
    if (row.mode !== mode) continue;
    for (const [unit, amount] of Object.entries(row.units) as [Unit, number][]) {
      const price = pricing.prices[unit];
      if (price === undefined) {
        unpriced.add(unit);
        continue;
      }
      const perTransaction = transactions > 0 ? amount / transactions : 0;
      lines.push({
        what: row.what,
        unit,
        perTransaction,
        usdPerMillion: (perTransaction * 1_000_000 * price.usd) / price.per,
        estimated: row.estimated,
      });
    }
  }
  lines.sort((a, b) => b.usdPerMillion - a.usdPerMillion);
  return {
    mode,
    transactions,
    lines,
    usdPerMillion: lines.reduce((n, l) => n + l.usdPerMillion, 0),
    unpriced: [...unpriced],
  };
}
