import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureMotoInstalled, motoPythonEnv } from '../../src/moto/index.js';

/**
 * Fix "transact" must keep upstream's semantics exactly. The end-to-end tests
 * pin the cases the ledger relies on; this runs moto's and our
 * transact_write_items side by side, in-process, on random transactions and
 * compares responses, items and stream records.
 */
describe('moto TransactWriteItems fix', () => {
  it('behaves like upstream on random transactions (responses, items, stream records)', async () => {
    // Prepare
    const moto = await ensureMotoInstalled();

    // Act
    const run = spawnSync(
      moto.python,
      ['check_transact_equivalence.py', '--cases', '100', '--seed', '20260101'],
      {
        cwd: dirname(moto.launcherPath),
        env: motoPythonEnv(moto),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      differences: number;
      outcomes: Record<string, number>;
    };
    expect(summary.differences).toBe(0);
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
