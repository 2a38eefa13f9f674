import { LedgerInvariantError } from './errors.js';
import type { Account, Entry } from './types.js';

/**
 * Folds one entry into an account. An account's state is exactly the fold of
 * its entries from an empty account, which `rebuild` relies on.
 */
export function evolve(account: Account, entry: Entry): Account {
  if (entry.accountId !== account.accountId) {
    throw new LedgerInvariantError(
      `entry ${entry.sequence} of ${entry.accountId} folded into account ${account.accountId}`,
    );
  }
  if (entry.sequence !== account.version + 1) {
    throw new LedgerInvariantError(
      `account ${account.accountId} is at version ${account.version}; expected entry ${account.version + 1}, got ${entry.sequence}`,
    );
  }
  const balance = account.balance + entry.amount;
  if (balance !== entry.balanceAfter) {
    throw new LedgerInvariantError(
      `entry ${entry.sequence} of ${account.accountId} says balanceAfter ${entry.balanceAfter}, fold gives ${balance}`,
    );
  }
  return { ...account, balance, version: entry.sequence, updatedAt: entry.postedAt };
}

/** An opened account before any entry. */
export function emptyAccount(
  opened: Pick<
    Account,
    'accountId' | 'currency' | 'overdraftLimit' | 'lowBalanceThreshold' | 'createdAt'
  >,
): Account {
  return { ...opened, balance: 0, version: 0, updatedAt: opened.createdAt };
}
