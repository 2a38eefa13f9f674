import { describe, expect, it } from 'vitest';
import { formatMoney, maskedAccount, maskedCard } from '../../src/domain/index.js';

describe('formatMoney', () => {
  it.each([
    [0, 'USD', '0.00 USD'],
    [5, 'USD', '0.05 USD'],
    [123_456, 'USD', '1,234.56 USD'],
    [-2_500, 'EUR', '-25.00 EUR'],
    [1_000_000_000_000, 'USD', '10,000,000,000.00 USD'],
    [5_000, 'JPY', '5,000 JPY'],
    [150_000, 'JPY', '150,000 JPY'],
    [150_000, 'HUF', '1,500.00 HUF'],
    [1_234, 'BHD', '1.234 BHD'],
    [1_500, 'BHD', '1.500 BHD'],
    [-7, 'IQD', '-0.007 IQD'],
    [1_234, undefined, '1,234 minor units'],
    [-1_234_567, undefined, '-1,234,567 minor units'],
  ])('formats %i %s at its ISO 4217 exponent as %s', (minor, currency, expected) => {
    // Act
    const text = formatMoney(minor, currency);

    // Assess
    expect(text).toBe(expected);
  });
});

describe('formatMoney: codes it cannot scale', () => {
  it.each([
    ['a code ISO 4217 withdrew', 'DEM'],
    ['a made-up code', 'ZZZ'],
    ['a lower-case code', 'usd'],
  ])('shows %s as raw minor units, with the code, instead of throwing', (_, currency) => {
    // Act
    const text = formatMoney(123_456, currency);

    // Assess
    expect(text).toBe(`123,456 minor units of ${currency}`);
  });

  it('shows a count that is not an integer as it is, in minor units, instead of throwing', () => {
    // Act
    const text = formatMoney(12.5, 'USD');

    // Assess
    expect(text).toBe('12.5 minor units');
  });
});

describe('masking', () => {
  it('shows a card only as its last 4 digits', () => {
    expect(maskedCard('1234')).toBe('**** 1234');
  });

  it('shows a long account id by its last 4 characters, a short one whole', () => {
    expect(maskedAccount('000123456789')).toBe('account ending 6789');
    expect(maskedAccount('A')).toBe('account A');
  });
});
