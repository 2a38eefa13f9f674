import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureMotoInstalled, motoPythonEnv } from '../../src/moto/index.js';

/**
 * Fixes "expression-cache" and "ast-walks" must not change a single answer:
 * this runs random condition and update expressions, valid and not, through
 * upstream's parsers and walks and through the fixes, each text several times
 * with other names and values, and compares every outcome and the table
 * afterwards.
 */
describe('moto fixes "expression-cache" and "ast-walks"', () => {
  it('answers like upstream on random expressions, first parse and kept ones alike', async () => {
    // Prepare
    const moto = await ensureMotoInstalled();

    // Act
    const run = spawnSync(
      moto.python,
      ['check_expressions.py', '--cases', '300', '--seed', '20261208'],
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
    // The random cases must reach successes, failed conditions and the parsers' own errors.
    expect(Object.keys(summary.outcomes)).toEqual(
      expect.arrayContaining([
        'ok',
        'ConditionalCheckFailed',
        'TransactionCanceledException',
        'KeyError',
        'ConditionAttributeIsReservedKeyword',
        'DuplicateUpdateExpression',
      ]),
    );
  });
});
