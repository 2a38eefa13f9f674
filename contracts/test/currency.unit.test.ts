import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURRENCY_CODES,
  formatMinorUnits,
  ISO_4217_PUBLISHED,
  isActiveCurrency,
  minorUnitExponent,
} from '../src/currency.js';

describe('ISO 4217 table', () => {
  it('gives the minor-unit exponents ISO 4217 publishes, not display digits', () => {
    // Intl gives HUF 0 and IQD 0 fraction digits for display; ISO 4217 says 2 and 3.
    expect({
      JPY: minorUnitExponent('JPY'),
      USD: minorUnitExponent('USD'),
      HUF: minorUnitExponent('HUF'),
      BHD: minorUnitExponent('BHD'),
      IQD: minorUnitExponent('IQD'),
      CLF: minorUnitExponent('CLF'),
    }).toEqual({ JPY: 0, USD: 2, HUF: 2, BHD: 3, IQD: 3, CLF: 4 });
  });

  it('holds active codes only, from a dated list', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
    expect(CURRENCY_CODES.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
    expect(isActiveCurrency('ZZZ')).toBe(false);
    expect(isActiveCurrency('HRK')).toBe(false);
    expect(ISO_4217_PUBLISHED).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(() => minorUnitExponent('ZZZ')).toThrow(/not an active ISO 4217/);
  });
});

describe('formatMinorUnits', () => {
  it('places the decimal point at the ISO 4217 exponent', () => {
    expect(formatMinorUnits(150_000, 'HUF')).toBe('1,500.00 HUF');
    expect(formatMinorUnits(150_000, 'JPY')).toBe('150,000 JPY');
    expect(formatMinorUnits(1_500, 'BHD')).toBe('1.500 BHD');
    expect(formatMinorUnits(7, 'IQD')).toBe('0.007 IQD');
    expect(formatMinorUnits(-123_456, 'USD')).toBe('-1,234.56 USD');
    expect(formatMinorUnits(0, 'USD')).toBe('0.00 USD');
  });

  it('is exact past 2^53, with integer arithmetic only', () => {
    expect(formatMinorUnits(12_345_678_901_234_567_890n, 'USD')).toBe(
      '123,456,789,012,345,678.90 USD',
    );
  });

  it('reads back the exact integer it was given (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...CURRENCY_CODES),
        (minor, currency) => {
          const text = formatMinorUnits(minor, currency);
          const digits = text.replace(/[ ,.A-Z]/g, '');
          expect(BigInt(digits)).toBe(BigInt(minor));
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 500) },
    );
  });
});
