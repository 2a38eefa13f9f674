import { type LedgerEvent, payloadHash } from '@atm-ledger/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keys, timerToItem } from '../../src/adapters/dynamodb/items.js';
import { decide, evolve, evolveRecord, type TransactionRecord } from '../../src/domain/index.js';
import { eventsToPublish, isUnpublishableRecordError } from '../../src/publication/journal.js';
import { arbScenario, numRuns } from '../support/arbitraries.js';
import {
  anAccount,
  aReversal,
  aWithdrawal,
  decisionOf,
  expectKind,
  NOW,
  postCommand,
  stateOf,
} from '../support/builders.js';
import { accountImage, entryImage, image, streamRecord, txImage } from './streamRecords.js';

const LATER = '2026-03-01T12:05:00.000Z';
const account = anAccount({ balance: 5_000, lowBalanceThreshold: 1_000 });
const withdrawal = aWithdrawal({ amount: 4_500, panLast4: '4242' });
const posted = expectKind(
  decisionOf(postCommand(withdrawal, 'corr-w'), stateOf({ accounts: [account] }), NOW),
  'Post',
);
const pending = expectKind(
  decisionOf(postCommand(aReversal('w-1')), stateOf({ accounts: [account] }), NOW),
  'Pend',
);

/** The bytes an event is published as: JSON, as the pipe serialises the enrichment's answer. */
const bytes = (events: readonly LedgerEvent[]) => events.map((e) => JSON.stringify(e));

describe('eventsToPublish: what a transaction item publishes', () => {
  it('publishes a new record’s events byte for byte as decided', () => {
    const events = eventsToPublish(streamRecord('INSERT', { newImage: txImage(posted.record) }));

    expect(bytes(events)).toEqual(bytes(posted.events));
  });

  it('publishes only what a change added to the journal: a resumed reversal’s decision', () => {
    // Prepare
    const original = posted.record;
    const resumed = expectKind(
      decisionOf(
        postCommand(aReversal('w-1')),
        stateOf({
          accounts: [...posted.after.accounts.values()].filter((a) => a !== undefined),
          existing: pending.record,
          original,
        }),
        LATER,
      ),
      'Post',
    );

    // Act
    const events = eventsToPublish(
      streamRecord('MODIFY', {
        oldImage: txImage(pending.record),
        newImage: txImage(resumed.record),
      }),
    );

    // Assess
    expect(bytes(events)).toEqual(bytes(resumed.events));
    expect(resumed.record.events.map((e) => e.id)).toEqual(['r-w-1:pending', 'r-w-1:posted']);
  });

  it('publishes a counted conflict, and nothing for a change that adds no event', () => {
    // Prepare
    const [conflict] = decide(
      postCommand(aWithdrawal({ amount: 1 })),
      stateOf({ existing: posted.record }),
      LATER,
    );
    if (conflict === undefined) throw new Error('expected a conflict');
    const withConflict = evolveRecord(posted.record, conflict);
    const reversed: TransactionRecord = { ...posted.record, reversedBy: 'r-w-1' };

    // Act
    const counted = eventsToPublish(
      streamRecord('MODIFY', { oldImage: txImage(posted.record), newImage: txImage(withConflict) }),
    );
    const marked = eventsToPublish(
      streamRecord('MODIFY', { oldImage: txImage(posted.record), newImage: txImage(reversed) }),
    );

    // Assess
    expect(bytes(counted)).toEqual(bytes([conflict]));
    expect(marked).toEqual([]);
  });

  it('maps a redelivered stream record to the same events with the same ids', () => {
    const record = streamRecord('INSERT', { newImage: txImage(posted.record) });

    expect(eventsToPublish(record)).toEqual(eventsToPublish(structuredClone(record)));
  });

  it('publishes the original that replaces the placeholder its early reversals left', () => {
    const placeholder = image({
      ...keys.transaction('w-1'),
      entity: 'AWAITED',
      status: 'AWAITED',
      reversals: ['r-w-1'],
    });

    const events = eventsToPublish(
      streamRecord('MODIFY', { oldImage: placeholder, newImage: txImage(posted.record) }),
    );

    expect(events.map((e) => e.id)).toEqual(['w-1:posted']);
  });

  it('publishes every event any decision stores, byte for byte (property)', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const before = { ...state, request: command };
        const events = decide(command, before, NOW);
        const record = events.reduce(evolve, before).existing;
        fc.pre(record !== undefined && events.length > 0);
        const published = eventsToPublish(
          streamRecord('INSERT', { newImage: txImage(record as TransactionRecord) }),
        );
        expect(bytes(published)).toEqual(bytes(events));
      }),
      { numRuns: numRuns() },
    );
  });
});

describe('eventsToPublish: items that publish nothing', () => {
  it('publishes nothing for accounts, entries, markers, placeholders, timers and totals, or a removal', () => {
    const [entry] = posted.writes;
    if (entry === undefined) throw new Error('expected a write');
    const images = [
      accountImage(account),
      entryImage(entry.entry),
      image({
        ...keys.accepted('w-1'),
        entity: 'ACCEPTED',
        payloadHash: payloadHash(withdrawal),
        tx: withdrawal,
      }),
      image({
        ...keys.transaction('w-9'),
        entity: 'AWAITED',
        status: 'AWAITED',
        reversals: ['r-1'],
      }),
      image(timerToItem({ kind: 'REVERSAL_EXPIRY', transactionId: 'r-1', dueAt: LATER })),
      image({ ...keys.totals(3, 'EUR'), entity: 'TOTALS', debits: 10, credits: 10 }),
    ];

    for (const newImage of images) {
      expect(eventsToPublish(streamRecord('INSERT', { newImage }))).toEqual([]);
    }
    expect(eventsToPublish(streamRecord('REMOVE', { oldImage: txImage(posted.record) }))).toEqual(
      [],
    );
  });

  it('publishes nothing for a transaction item written before the journal', () => {
    const legacy = image({
      ...keys.transaction('w-0'),
      entity: 'TRANSACTION',
      status: 'POSTED',
      tx: withdrawal,
      payloadHash: 'x',
    });

    expect(eventsToPublish(streamRecord('INSERT', { newImage: legacy }))).toEqual([]);
  });
});

describe('eventsToPublish: records it cannot publish', () => {
  const refuses = (record: Parameters<typeof eventsToPublish>[0]) => {
    expect(() => eventsToPublish(record)).toThrow(expect.toSatisfy(isUnpublishableRecordError));
  };

  it('refuses a journal entry that is not a ledger event, or not JSON', () => {
    refuses(
      streamRecord('INSERT', { newImage: txImage(posted.record, { events: ['{"type":"nope"}'] }) }),
    );
    refuses(streamRecord('INSERT', { newImage: txImage(posted.record, { events: ['not json'] }) }));
    refuses(streamRecord('INSERT', { newImage: txImage(posted.record, { events: 'w-1:posted' }) }));
  });

  it('refuses a stream without old images, which cannot tell what a change added', () => {
    refuses(streamRecord('MODIFY', { newImage: txImage(posted.record) }));
    refuses(streamRecord('INSERT', {}));
  });
});
