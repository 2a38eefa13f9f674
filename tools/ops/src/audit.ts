import { formatMinorUnits } from '@atm-ledger/contracts';
import type { AuditReport } from '@atm-ledger/ledger';

/** `2 currencies, no drift`, or one line per drifted currency, amounts at its ISO 4217 exponent. */
export function formatAuditReport(report: AuditReport): string {
  const head = `${report.currencies} ${report.currencies === 1 ? 'currency' : 'currencies'}`;
  if (report.drift.length === 0) return `${head}, no drift`;
  const money = (minor: bigint, currency: string) => formatMinorUnits(minor, currency);
  return [
    `${head}, ${report.drift.length} drifted:`,
    ...report.drift.map(
      (d) =>
        `  ${d.currency}: totals ${money(d.totals.debits, d.currency)} debits / ${money(d.totals.credits, d.currency)} credits; ` +
        `the journal gives ${money(d.journal.debits, d.currency)} / ${money(d.journal.credits, d.currency)}`,
    ),
  ].join('\n');
}
