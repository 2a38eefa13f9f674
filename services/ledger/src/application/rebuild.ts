import {
  type Account,
  emptyAccount,
  evolveAccount,
  isLedgerInvariantError,
} from '../domain/index.js';
import type { LedgerReader } from '../ports.js';

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
 *
 * Each account is compared at one version, the snapshot's: the entries it
 * folds stop at the snapshot's version. On a live table postings land between
 * the snapshot read and the entries read; each posting writes the snapshot and
 * its entry in one transaction, so the entries up to a version read after that
 * version's snapshot are all there, and the ones past it are not the
 * snapshot's yet. Reading them would report drift that is not there.
 */
export async function rebuild(
  store: LedgerReader,
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
      /** The first entry past the snapshot's version, if the entries went on. */
      let beyond: number | undefined;
      do {
        const entryPage = await store.listEntries(stored.accountId, pageSize, entryCursor);
        for (const entry of entryPage.items) {
          if (entry.sequence > stored.version) {
            beyond = entry.sequence;
            break;
          }
          entries += 1;
          try {
            if (error === undefined) folded = evolveAccount(folded, entry);
          } catch (e) {
            if (!isLedgerInvariantError(e)) throw e;
            error = e.message;
          }
        }
        entryCursor = beyond === undefined ? (entryPage.nextCursor ?? undefined) : undefined;
      } while (entryCursor !== undefined);
      // Entries past the snapshot are a posting that landed meanwhile, unless the snapshot,
      // read again, still has not got that far: then they were written without it.
      if (beyond !== undefined && error === undefined) {
        const now = await store.getAccount(stored.accountId);
        if (now === undefined || now.version < beyond) {
          error = `entry ${beyond} exists, but the account is at version ${now?.version ?? 'none'}`;
        }
      }
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
