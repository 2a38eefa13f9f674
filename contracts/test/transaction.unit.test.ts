import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PostTransactionRequest } from '../src/api.js';
import type { AtmTransaction } from '../src/events.js';
import {
  canonicalInstant,
  differingFields,
  isSamePayload,
  legacyPayloadHash,
  payloadHash,
  toAtmTransaction,
} from '../src/transaction.js';

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

describe('canonical payloads', () => {
  const tx = toAtmTransaction(withdrawal);

  it('takes one instant written two ways as the same payload', () => {
    const a = { ...tx, occurredAt: '2026-11-27T10:00:00+01:00' };
    const b = { ...tx, occurredAt: '2026-11-27T09:00:00.000Z' };
    expect(payloadHash(a)).toBe(payloadHash(b));
    expect(differingFields(a, b)).toEqual([]);
    expect(payloadHash({ ...tx, occurredAt: '2026-11-27T09:00:00.001Z' })).not.toBe(payloadHash(b));
  });

  it('takes a field at its default as the field left out', () => {
    const reversal: AtmTransaction = {
      transactionId: 'r-1',
      type: 'REVERSAL',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: '2026-11-27T09:30:00Z',
      originalTransactionId: 't-1',
    };
    expect(payloadHash({ ...reversal, dispensedAmount: 0 })).toBe(payloadHash(reversal));
    expect(payloadHash({ ...reversal, dispensedAmount: 1 })).not.toBe(payloadHash(reversal));
  });

  it('names the fields that differ, compared canonically', () => {
    const other = { ...tx, amount: 3_000, atmId: 'atm-9', occurredAt: '2026-11-27T10:30:00+01:00' };
    expect(differingFields(tx, other)).toEqual(['atmId', 'amount']);
  });

  it("recognises a record fingerprinted before payloads were canonical as its own payload's", () => {
    const legacy = legacyPayloadHash(tx);
    expect(isSamePayload(legacy, tx)).toBe(true);
    expect(isSamePayload(legacy, { ...tx, amount: 1 })).toBe(false);
    expect(isSamePayload(payloadHash(tx), tx)).toBe(true);
    expect(isSamePayload(payloadHash(tx), { ...tx, amount: 1 })).toBe(false);
  });
});

describe('canonicalInstant', () => {
  it('writes a UTC instant one way, exact to the nanosecond', () => {
    expect(canonicalInstant('2026-11-27T10:00:00+01:00')).toBe('2026-11-27T09:00:00Z');
    expect(canonicalInstant('2026-11-27T09:00:00.000Z')).toBe('2026-11-27T09:00:00Z');
    expect(canonicalInstant('2026-01-01T00:30:00.123456789+01:00')).toBe(
      '2025-12-31T23:30:00.123456789Z',
    );
    expect(canonicalInstant('2026-11-27T09:00:00.50-00:30')).toBe('2026-11-27T09:30:00.5Z');
    expect(canonicalInstant('0050-01-01T00:00:00+01:00')).toBe('0049-12-31T23:00:00Z');
  });

  it('agrees with Date on the instant of any millisecond timestamp and offset (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-02T00:00:00Z'),
          max: new Date('2999-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const mm = String(abs % 60).padStart(2, '0');
          const written = `${local}${sign}${hh}:${mm}`;
          expect(new Date(canonicalInstant(written)).getTime()).toBe(date.getTime());
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 500) },
    );
  });
});
