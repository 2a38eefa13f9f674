import { describe, expect, it } from 'vitest';
import { runDifferentialCheck } from './differential-check.js';

/**
 * Fix "transact" must keep upstream's semantics exactly. The end-to-end tests
 * pin the cases the ledger relies on; this runs moto's and our
 * transact_write_items side by side, in-process, on random transactions and
 * compares responses, items and stream records.
 */
describe('moto TransactWriteItems fix', () => {
  it('behaves like upstream on random transactions (responses, items, stream records)', async () => {
    // Act
    const summary = await runDifferentialCheck('check_transact_equivalence.py', [
      '--cases',
      '100',
      '--seed',
      '20260101',
    ]);

    // Assess
    // The random cases must exercise commits, cancellations and validation errors.
    expect(Object.keys(summary.outcomes)).toEqual(
      expect.arrayContaining([
        'ok',
        'TransactionCanceledException',
        'MultipleTransactionsException',
      ]),
    );
  });
});
