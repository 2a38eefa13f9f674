import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PostTransactionRequest } from '../src/api.js';
import { payloadHash, toAtmTransaction } from '../src/transaction.js';

const withdrawal: PostTransactionRequest = {
  transactionId: 't-1',
  type: 'WITHDRAWAL',
  accountId: 'A',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T09:30:00Z',
  amount: 2_000,
  currency: 'USD',
  pan: '4111111111111111',
};

describe('toAtmTransaction', () => {
  it('keeps only the last 4 digits of the PAN', () => {
    const tx = toAtmTransaction(withdrawal);
    expect(tx.panLast4).toBe('1111');
    expect(JSON.stringify(tx)).not.toContain('4111111111111111');
    expect('pan' in tx).toBe(false);
  });
});

describe('payloadHash', () => {
  it('is the same for the same business fields whatever their key order', () => {
    const tx = toAtmTransaction(withdrawal);
    const reordered = Object.fromEntries(Object.entries(tx).reverse()) as typeof tx;
    expect(payloadHash(reordered)).toBe(payloadHash(tx));
  });

  it('changes when any business field changes', () => {
    const tx = toAtmTransaction(withdrawal);
    const variants = [
      { ...tx, amount: 2_001 },
      { ...tx, currency: 'EUR' },
      { ...tx, accountId: 'B' },
      { ...tx, atmId: 'atm-2' },
      { ...tx, occurredAt: '2026-11-27T09:30:01Z' },
      { ...tx, panLast4: '2222' },
      { ...tx, type: 'DEPOSIT' as const },
    ];
    for (const v of variants) expect(payloadHash(v)).not.toBe(payloadHash(tx));
  });

  it('distinguishes any two different amounts (property)', () => {
    const tx = toAtmTransaction(withdrawal);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: 1e12 }), (a, b) => {
        fc.pre(a !== b);
        return payloadHash({ ...tx, amount: a }) !== payloadHash({ ...tx, amount: b });
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });
});
