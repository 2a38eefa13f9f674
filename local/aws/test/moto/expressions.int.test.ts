import { describe, expect, it } from 'vitest';
import { runDifferentialCheck } from './differential-check.js';

/**
 * Fixes "expression-cache" and "ast-walks" must not change a single answer:
 * this runs random condition and update expressions, valid and not, through
 * upstream's parsers and walks and through the fixes, each text several times
 * with other names and values, and compares every outcome and the table
 * afterwards.
 */
describe('moto fixes "expression-cache" and "ast-walks"', () => {
  it('answers like upstream on random expressions, first parse and kept ones alike', async () => {
    // Act
    const summary = await runDifferentialCheck('check_expressions.py', [
      '--cases',
      '300',
      '--seed',
      '20261208',
    ]);

    // Assess
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
