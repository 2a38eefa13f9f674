import { describe, expect, it } from 'vitest';
import { OpenAccountRequest, PostTransactionRequest } from '../src/api.js';
import {
  AuthorizationRequest,
  authorizationPayloadHash,
  differingAuthorizationFields,
  toAuthorizationFields,
} from '../src/authorization.js';
import { canonicalTransaction, payloadHash } from '../src/transaction.js';
import { AtmTransactionShape } from '../src/transactionShape.js';

const request = {
  authorizationId: 'auth-1',
  accountId: 'A',
  amount: 2_000,
  currency: 'USD',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T10:00:00+01:00',
};
const fieldsOf = (schema: { safeParse: (v: unknown) => unknown }, input: unknown) => {
  const result = schema.safeParse(input) as {
    success: boolean;
    error?: { issues: { code: string; path: PropertyKey[]; keys?: string[] }[] };
  };
  if (result.success) return [];
  return (result.error?.issues ?? []).map((i) =>
    i.code === 'unrecognized_keys' ? (i.keys ?? []).join(',') : i.path.join('.'),
  );
};

describe('AuthorizationRequest', () => {
  it('accepts the fields of a withdrawal, with the PAN optional', () => {
    expect(fieldsOf(AuthorizationRequest, request)).toEqual([]);
    expect(fieldsOf(AuthorizationRequest, { ...request, pan: '4111111111111111' })).toEqual([]);
  });

  it('names each bad or unknown field', () => {
    expect(fieldsOf(AuthorizationRequest, { ...request, amount: 0 })).toEqual(['amount']);
    expect(fieldsOf(AuthorizationRequest, { ...request, currency: 'ZZZ' })).toEqual(['currency']);
    expect(fieldsOf(AuthorizationRequest, { ...request, accountId: 'ATM_CASH:atm-1' })).toEqual([
      'accountId',
    ]);
    expect(fieldsOf(AuthorizationRequest, { ...request, type: 'WITHDRAWAL' })).toEqual(['type']);
    const { authorizationId: _, ...missing } = request;
    expect(fieldsOf(AuthorizationRequest, missing)).toEqual(['authorizationId']);
  });

  it('fingerprints the instant, not how it was written, and keeps only the last 4 PAN digits', () => {
    const fields = toAuthorizationFields({ ...request, pan: '4111111111111111' });
    expect(fields).toEqual({ ...request, panLast4: '1111' });
    const same = { ...fields, occurredAt: '2026-11-27T09:00:00.000Z' };
    expect(authorizationPayloadHash(same)).toBe(authorizationPayloadHash(fields));
    expect(authorizationPayloadHash({ ...fields, amount: 2_001 })).not.toBe(
      authorizationPayloadHash(fields),
    );
    expect(differingAuthorizationFields(fields, { ...same, amount: 1, atmId: 'atm-2' })).toEqual([
      'amount',
      'atmId',
    ]);
  });
});

describe('authorization fields on transactions and accounts', () => {
  const base = {
    transactionId: 't-1',
    accountId: 'A',
    atmId: 'atm-1',
    occurredAt: '2026-11-27T09:30:00Z',
  };

  it('lets a withdrawal complete an authorization or be an advice, never both', () => {
    const w = { ...base, type: 'WITHDRAWAL', amount: 100, currency: 'USD' };
    expect(fieldsOf(PostTransactionRequest, { ...w, authorizationId: 'auth-1' })).toEqual([]);
    expect(fieldsOf(PostTransactionRequest, { ...w, advice: true })).toEqual([]);
    expect(
      fieldsOf(PostTransactionRequest, { ...w, authorizationId: 'auth-1', advice: true }),
    ).toEqual(['advice']);
    expect(fieldsOf(AtmTransactionShape, { ...w, authorizationId: 'a', advice: true })).toEqual([
      'advice',
    ]);
  });

  it('lets a reversal name its original or an authorization, exactly one', () => {
    const r = { ...base, type: 'REVERSAL' };
    expect(fieldsOf(PostTransactionRequest, { ...r, authorizationId: 'auth-1' })).toEqual([]);
    expect(fieldsOf(PostTransactionRequest, { ...r, originalTransactionId: 't-0' })).toEqual([]);
    expect(fieldsOf(PostTransactionRequest, r)).toEqual(['originalTransactionId']);
    expect(
      fieldsOf(PostTransactionRequest, {
        ...r,
        originalTransactionId: 't-0',
        authorizationId: 'auth-1',
      }),
    ).toEqual(['authorizationId']);
    expect(
      fieldsOf(PostTransactionRequest, { ...r, authorizationId: 'auth-1', dispensedAmount: 5 }),
    ).toEqual(['dispensedAmount']);
    expect(fieldsOf(AtmTransactionShape, r)).toEqual(['originalTransactionId']);
  });

  it('counts authorizationId and advice in the payload, advice: false as its absence', () => {
    const w = { ...base, type: 'WITHDRAWAL' as const, amount: 100, currency: 'USD' };
    expect(payloadHash({ ...w, advice: false })).toBe(payloadHash(w));
    expect(payloadHash({ ...w, advice: true })).not.toBe(payloadHash(w));
    expect(payloadHash({ ...w, authorizationId: 'a' })).not.toBe(payloadHash(w));
    expect(canonicalTransaction({ ...w, authorizationId: 'a' })).toHaveProperty(
      'authorizationId',
      'a',
    );
  });

  it('accepts a daily withdrawal limit on an account, absent meaning none', () => {
    const open = { accountId: 'A', currency: 'USD' };
    expect(OpenAccountRequest.parse(open)).not.toHaveProperty('dailyWithdrawalLimit');
    expect(OpenAccountRequest.parse({ ...open, dailyWithdrawalLimit: 0 })).toHaveProperty(
      'dailyWithdrawalLimit',
      0,
    );
    expect(fieldsOf(OpenAccountRequest, { ...open, dailyWithdrawalLimit: -1 })).toEqual([
      'dailyWithdrawalLimit',
    ]);
  });
});
