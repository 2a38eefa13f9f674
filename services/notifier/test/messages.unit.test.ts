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

const eventBridge = {
  version: '0',
  id: 'eb-1',
  'detail-type': 'ledger.transaction.rejected',
  source: 'atm-ledger',
  detail: rejected,
};

describe('parseLedgerEventMessage', () => {
  it('reads a raw-delivered ledger event', () => {
    expect(parseLedgerEventMessage(JSON.stringify(rejected))).toEqual({
      ok: true,
      event: rejected,
      envelope: {},
    });
  });

  it('unwraps an SNS envelope and an EventBridge event, keeping their ids for the logs', () => {
    // Prepare
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:ledger-events',
      Message: JSON.stringify(eventBridge),
    });

    // Act
    const parsed = parseLedgerEventMessage(body);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      event: rejected,
      envelope: {
        sns: { messageId: 'sns-1', topicArn: 'arn:aws:sns:us-east-1:123456789012:ledger-events' },
        eventBridge: {
          id: 'eb-1',
          detailType: 'ledger.transaction.rejected',
          source: 'atm-ledger',
        },
      },
    });
  });

  it('unwraps a raw-delivered EventBridge event', () => {
    expect(parseLedgerEventMessage(JSON.stringify(eventBridge))).toMatchObject({
      ok: true,
      event: rejected,
      envelope: { eventBridge: { id: 'eb-1' } },
    });
  });

  it('names the offending field of an invalid event', () => {
    const result = parseLedgerEventMessage(JSON.stringify({ ...rejected, reason: 'BECAUSE' }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('reason') });
  });

  it('rejects a body that is not JSON', () => {
    expect(parseLedgerEventMessage('{oops')).toEqual({ ok: false, reason: 'body is not JSON' });
  });

  it('rejects an SNS envelope whose Message is not JSON', () => {
    const body = JSON.stringify({ Type: 'Notification', Message: 'hello' });
    expect(parseLedgerEventMessage(body)).toEqual({ ok: false, reason: 'SNS Message is not JSON' });
  });
});
