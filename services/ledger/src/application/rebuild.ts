import { type Account, emptyAccount, evolve, isLedgerInvariantError } from '../domain/index.js';
import type { LedgerStore } from '../ports.js';

export interface AccountDrift {
  readonly accountId: string;
  readonly stored: Pick<Account, 'balance' | 'version'>;
  /** What the fold of the entries gives, or why the entries cannot be folded. */
  readonly rebuilt: Pick<Account, 'balance' | 'version'> | { readonly error: string };
}

export interface RebuildReport {
  readonly accounts: number;
  readonly entries: number;
  readonly drift: readonly AccountDrift[];
}

/**
 * Recomputes every account from its entries, the ledger's source of truth, and
 * reports where the stored account differs. It only reads: repairing drift is
 * a decision for an operator, and drift should never happen.
 */
export async function rebuild(
  store: LedgerStore,
  opts: { pageSize?: number } = {},
): Promise<RebuildReport> {
  const pageSize = opts.pageSize ?? 100;
  const drift: AccountDrift[] = [];
  let accounts = 0;
  let entries = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listAccounts(cursor);
    for (const stored of page.items) {
      accounts += 1;
      let folded: Account = emptyAccount(stored);
      let error: string | undefined;
      let entryCursor: string | undefined;
      do {
        const entryPage = await store.listEntries(stored.accountId, pageSize, entryCursor);
        for (const entry of entryPage.items) {
          entries += 1;
          try {
            if (error === undefined) folded = evolve(folded, entry);
          } catch (e) {
            if (!isLedgerInvariantError(e)) throw e;
            error = e.message;
          }
        }
        entryCursor = entryPage.nextCursor ?? undefined;
      } while (entryCursor !== undefined);
      const same =
        error === undefined &&
        folded.balance === stored.balance &&
        folded.version === stored.version;
      if (!same) {
        drift.push({
          accountId: stored.accountId,
          stored: { balance: stored.balance, version: stored.version },
          rebuilt:
            error === undefined ? { balance: folded.balance, version: folded.version } : { error },
        });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { accounts, entries, drift };
}
