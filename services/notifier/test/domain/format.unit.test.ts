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
    [1_234, 'BHD', '1.234 BHD'],
    [1_234, undefined, '1,234 minor units'],
  ])('formats %i %s as %s', (minor, currency, expected) => {
    // Act
    const text = formatMoney(minor, currency);

    // Assess
    expect(text).toBe(expected);
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
