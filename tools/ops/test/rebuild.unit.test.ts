import type { Account, RebuildReport } from '@atm-ledger/ledger';
import { describe, expect, it } from 'vitest';
import { formatRebuildReport } from '../src/rebuild.js';

const account = (accountId: string, currency: string) =>
  ({ accountId, currency }) as unknown as Account;

/** A store that knows these accounts' currencies, and nothing else. */
const storeOf = (...accounts: Account[]) => ({
  getAccount: async (id: string) => accounts.find((a) => a.accountId === id),
});

describe('formatRebuildReport', () => {
  it('says there is no drift in one line', async () => {
    // Act
    const many = await formatRebuildReport({ accounts: 3, entries: 12, drift: [] }, storeOf());
    const one = await formatRebuildReport({ accounts: 1, entries: 1, drift: [] }, storeOf());

    // Assess
    expect(many).toBe('3 accounts, 12 entries, no drift');
    expect(one).toBe('1 account, 1 entry, no drift');
  });

  it("shows each drifted balance at its account's ISO 4217 exponent, or raw minor units when the account is gone", async () => {
    // Prepare
    const report: RebuildReport = {
      accounts: 4,
      entries: 9,
      drift: [
        {
          accountId: 'H',
          stored: { balance: 150_000, version: 2 },
          rebuilt: { balance: 140_000, version: 3 },
        },
        {
          accountId: 'J',
          stored: { balance: 150_000, version: 2 },
          rebuilt: { error: 'gap at sequence 2' },
        },
        {
          accountId: 'B',
          stored: { balance: 1_500, version: 1 },
          rebuilt: { balance: 0, version: 0 },
        },
        {
          accountId: 'X',
          stored: { balance: 7_500, version: 1 },
          rebuilt: { balance: 7_000, version: 1 },
        },
      ],
    };
    const store = storeOf(account('H', 'HUF'), account('J', 'JPY'), account('B', 'BHD'));

    // Act
    const text = await formatRebuildReport(report, store, 3);

    // Assess
    expect(text.split('\n')).toEqual([
      '4 accounts, 9 entries, 4 drifted:',
      '  account H: stored 1,500.00 HUF at version 2; its entries give 1,400.00 HUF at version 3',
      '  account J: stored 150,000 JPY at version 2; its entries cannot be folded: gap at sequence 2',
      '  account B: stored 1.500 BHD at version 1; its entries give 0.000 BHD at version 0',
      '  … and 1 more',
    ]);
    expect(await formatRebuildReport({ ...report, drift: report.drift.slice(3) }, store)).toContain(
      'account X: stored 7,500 minor units at version 1; its entries give 7,000 minor units at version 1',
    );
  });
});
