import { describe, expect, it } from 'vitest';
import {
  isRoutedTo,
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  LEDGER_STREAM_FILTER_PATTERN,
  NOTIFICATION_KINDS,
  NOTIFIER_KINDS,
  NOTIFIER_ROUTES,
  notifierFilterPolicy,
  notifierKindsSetting,
} from '../src/publication.js';

describe('publication contract', () => {
  it('filters stream records on the new image being a transaction item', () => {
    expect(LEDGER_STREAM_FILTER_PATTERN).toEqual({
      dynamodb: { NewImage: { entity: { S: ['TRANSACTION', 'AUTHORIZATION'] } } },
    });
  });

  it('routes every ledger event type from the ledger source to the topic', () => {
    expect(LEDGER_EVENTS_RULE_PATTERN.source).toEqual([LEDGER_EVENT_SOURCE]);
    expect(LEDGER_EVENTS_RULE_PATTERN['detail-type']).toHaveLength(9);
  });

  it('gives a single-route notifier a plain body policy on the detail (receipts: refunds too)', () => {
    expect(notifierFilterPolicy('receipts')).toEqual({
      detail: {
        type: ['ledger.transaction.posted'],
        transactionType: ['WITHDRAWAL', 'DEPOSIT', 'TRANSFER', 'REVERSAL'],
      },
    });
  });

  it('gives a notifier with several routes one $or policy, one branch per route', () => {
    const policy = notifierFilterPolicy('alerts') as { $or?: unknown[] };
    expect(policy.$or).toHaveLength(NOTIFIER_ROUTES.alerts.length);
    expect(policy.$or?.[1]).toEqual({
      detail: { type: ['ledger.transaction.rejected'], transactionType: ['WITHDRAWAL'] },
    });
  });

  it('gives every kind to exactly one notifier, so nothing is sent twice or never', () => {
    // Act
    const deployed = Object.values(NOTIFIER_KINDS).flat();

    // Assess
    expect([...deployed].sort()).toEqual([...NOTIFICATION_KINDS].sort());
  });

  it("writes a notifier's kinds as its comma-separated NOTIFIER_KINDS setting", () => {
    // Act
    const setting = notifierKindsSetting('alerts');

    // Assess
    expect(setting).toBe(NOTIFIER_KINDS.alerts.join(','));
    expect(setting).not.toMatch(/\s/);
  });
});

describe('isRoutedTo', () => {
  it.each([
    ['receipts', 'ledger.transaction.posted', 'WITHDRAWAL', true],
    ['receipts', 'ledger.transaction.posted', 'REVERSAL', true],
    ['receipts', 'ledger.transaction.posted', 'BALANCE_INQUIRY', false],
    ['receipts', 'ledger.transaction.rejected', 'WITHDRAWAL', false],
    ['alerts', 'ledger.transaction.rejected', 'WITHDRAWAL', true],
    ['alerts', 'ledger.transaction.rejected', 'DEPOSIT', false],
    ['alerts', 'ledger.transaction.conflict', undefined, false],
  ] as const)('%s receives %s %s: %s', (channel, type, transactionType, expected) => {
    // Act
    const routed = isRoutedTo(channel, { type, transactionType });

    // Assess
    expect(routed).toBe(expected);
  });

  it('matches no route that names transaction types when the event has none (as SNS does)', () => {
    // Act
    const routed = isRoutedTo('alerts', { type: 'ledger.transaction.rejected' });

    // Assess
    expect(routed).toBe(false);
  });
});
