import { describe, expect, it } from 'vitest';
import {
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  LEDGER_STREAM_FILTER_PATTERN,
  NOTIFIER_ROUTES,
  notifierFilterPolicy,
} from '../src/publication.js';

describe('publication contract', () => {
  it('filters stream records on the new image being a transaction item', () => {
    expect(LEDGER_STREAM_FILTER_PATTERN).toEqual({
      dynamodb: { NewImage: { entity: { S: ['TRANSACTION'] } } },
    });
  });

  it('routes every ledger event type from the ledger source to the topic', () => {
    expect(LEDGER_EVENTS_RULE_PATTERN.source).toEqual([LEDGER_EVENT_SOURCE]);
    expect(LEDGER_EVENTS_RULE_PATTERN['detail-type']).toHaveLength(4);
  });

  it('gives a single-route notifier a plain body policy on the detail', () => {
    expect(notifierFilterPolicy('receipts')).toEqual({
      detail: {
        type: ['ledger.transaction.posted'],
        transactionType: ['WITHDRAWAL', 'DEPOSIT', 'TRANSFER'],
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
});
