import type { LedgerReader, RebuildReport } from '@atm-ledger/ledger';
import { formatMoney } from '@atm-ledger/notifier';

/**
 * The drift of a rebuild report for a person: one line per account, each
 * balance at its currency's ISO 4217 exponent. The report itself holds
 * balances as bare minor units, with no currency (7500 is 75.00 USD but
 * 7,500 JPY), so the currency is read from the stored account. An account
 * that cannot be read shows raw minor units and says so.
 */
export async function describeDrift(
  report: RebuildReport,
  store: Pick<LedgerReader, 'getAccount'>,
  limit = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const lines: string[] = [];
  for (const drift of report.drift.slice(0, limit)) {
    const currency = (await store.getAccount(drift.accountId))?.currency;
    const money = (minor: number) => formatMoney(minor, currency);
    const rebuilt =
      'error' in drift.rebuilt
        ? `its entries cannot be folded: ${drift.rebuilt.error}`
        : `its entries give ${money(drift.rebuilt.balance)} at version ${drift.rebuilt.version}`;
    lines.push(
      `account ${drift.accountId}: stored ${money(drift.stored.balance)} at version ${drift.stored.version}; ${rebuilt}`,
    );
  }
  return lines;
}

/** `3 accounts, 12 entries, no drift` or `…, 1 account drifted:` and the lines of {@link describeDrift}. */
export async function formatRebuildReport(
  report: RebuildReport,
  store: Pick<LedgerReader, 'getAccount'>,
  limit = Number.POSITIVE_INFINITY,
): Promise<string> {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const head = `${count(report.accounts, 'account', 'accounts')}, ${count(report.entries, 'entry', 'entries')}`;
  if (report.drift.length === 0) return `${head}, no drift`;
  const lines = await describeDrift(report, store, limit);
  const more = report.drift.length - lines.length;
  return [
    `${head}, ${report.drift.length} drifted:`,
    ...lines.map((l) => `  ${l}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ].join('\n');
}
