import { describe, expect, it } from 'vitest';
import { parseLedgerEventMessage } from '../src/messages.js';

const rejected = {
  type: 'ledger.transaction.rejected',
  schemaVersion: 1,
  id: 'tx-1:rejected',
  transactionId: 'tx-1',
  occurredAt: '2026-11-27T10:00:00.000Z',
  transactionType: 'WITHDRAWAL',
  accountId: 'A',
  atmId: 'atm-1',
  amount: 5000,
  currency: 'USD',
  reason: 'INSUFFICIENT_FUNDS',
  rejectedAt: '2026-11-27T10:00:01.000Z',
};

describe('parseLedgerEventMessage', () => {
  it('reads a raw-delivered ledger event', () => {
    expect(parseLedgerEventMessage(JSON.stringify(rejected))).toEqual({
      ok: true,
      event: rejected,
    });
  });

  it('unwraps an SNS envelope and an EventBridge event', () => {
    const eventBridge = {
      'detail-type': 'ledger.transaction.rejected',
      source: 'atm-ledger',
      detail: rejected,
    };
    const body = JSON.stringify({ Type: 'Notification', Message: JSON.stringify(eventBridge) });
    expect(parseLedgerEventMessage(body)).toEqual({ ok: true, event: rejected });
  });

  it('names the offending field of an invalid event', () => {
    const result = parseLedgerEventMessage(JSON.stringify({ ...rejected, reason: 'BECAUSE' }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('reason') });
  });

  it('rejects a body that is not JSON', () => {
    expect(parseLedgerEventMessage('{oops')).toEqual({ ok: false, reason: 'body is not JSON' });
  });
});
