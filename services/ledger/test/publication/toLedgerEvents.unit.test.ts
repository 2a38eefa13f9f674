import { LedgerEvent, payloadHash } from '@atm-ledger/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keys } from '../../src/adapters/dynamodb/items.js';
import { decide, decideExpiry, type TransactionRecord } from '../../src/domain/index.js';
import { toLedgerEvents } from '../../src/publication/toLedgerEvents.js';
import { isUnpublishableRecordError } from '../../src/publication/transactionItem.js';
import { arbScenario, numRuns } from '../support/arbitraries.js';
import {
  aBalanceInquiry,
  anAccount,
  aReversal,
  aTransfer,
  aWithdrawal,
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
  decide(postCommand(withdrawal, 'corr-w'), stateOf({ accounts: [account] }), NOW),
  'Post',
);
const rejected = expectKind(
  decide(
    postCommand(aWithdrawal({ amount: 9_000 }), 'corr-w'),
    stateOf({ accounts: [account] }),
    NOW,
  ),
  'Reject',
);
const reversal = aReversal('w-1', { dispensedAmount: 500 });
const pending = expectKind(
  decide(postCommand(reversal), stateOf({ accounts: [account] }), NOW),
  'Pend',
);

/** The reversal decided once its original is there, as the store's resumption writes it. */
function resumed(original: TransactionRecord) {
  const after = new Map(posted.writes.map((w) => [w.after.accountId, w.after]));
  return decide(
    postCommand(reversal),
    stateOf({
      accounts: [after.get('acct-1') ?? account],
      existing: pending.record,
      original,
    }),
    LATER,
  );
}

/** The change `recordConflict` makes: ADD conflicts 1, ADD the hash, SET lastConflictAt. */
function withConflicts(record: TransactionRecord, hashes: string[], at = LATER) {
  return txImage(
    {
      ...record,
      conflicts: record.conflicts + hashes.length,
      conflictHashes: [...record.conflictHashes, ...hashes],
    },
    { lastConflictAt: at },
  );
}

describe('toLedgerEvents: transaction items', () => {
  it('publishes a posted withdrawal with its movements, legs and masked PAN', () => {
    // Prepare
    const record = streamRecord('INSERT', { newImage: txImage(posted.record) });

    // Act
    const events = toLedgerEvents(record);

    // Assess
    expect(events).toEqual([
      {
        schemaVersion: 1,
        id: 'w-1:posted',
        type: 'ledger.transaction.posted',
        transactionId: 'w-1',
        occurredAt: withdrawal.occurredAt,
        correlationId: 'corr-w',
        transactionType: 'WITHDRAWAL',
        accountId: 'acct-1',
        atmId: 'atm-1',
        currency: 'EUR',
        amount: 4_500,
        panLast4: '4242',
        postedAt: NOW,
        movements: [
          {
            accountId: 'acct-1',
            amount: -4_500,
            balanceBefore: 5_000,
            balanceAfter: 500,
            lowBalanceThreshold: 1_000,
            overdraftLimit: 0,
            sequence: 1,
          },
        ],
        legs: posted.record.legs,
      },
    ]);
  });

  it('publishes a rejected withdrawal with its reason', () => {
    const events = toLedgerEvents(streamRecord('INSERT', { newImage: txImage(rejected.record) }));

    expect(events).toEqual([
      expect.objectContaining({
        id: 'w-1:rejected',
        type: 'ledger.transaction.rejected',
        transactionType: 'WITHDRAWAL',
        amount: 9_000,
        currency: 'EUR',
        reason: 'INSUFFICIENT_FUNDS',
        rejectedAt: NOW,
      }),
    ]);
  });

  it('publishes a reversal that arrived before its original as pending', () => {
    const events = toLedgerEvents(streamRecord('INSERT', { newImage: txImage(pending.record) }));

    expect(events).toEqual([
      {
        schemaVersion: 1,
        id: 'r-w-1:pending',
        type: 'ledger.reversal.pending',
        transactionId: 'r-w-1',
        occurredAt: reversal.occurredAt,
        accountId: 'acct-1',
        originalTransactionId: 'w-1',
        pendingSince: NOW,
      },
    ]);
  });

  it('publishes a resumed early reversal as posted, with the amount it refunded', () => {
    // Prepare
    const decision = expectKind(resumed(posted.record), 'Post');
    const record = streamRecord('MODIFY', {
      oldImage: txImage(pending.record),
      newImage: txImage(decision.record),
    });

    // Act
    const events = toLedgerEvents(record);

    // Assess
    expect(events).toEqual([
      expect.objectContaining({
        id: 'r-w-1:posted',
        type: 'ledger.transaction.posted',
        transactionType: 'REVERSAL',
        originalTransactionId: 'w-1',
        reversedTransactionType: 'WITHDRAWAL',
        amount: 4_000,
        currency: 'EUR',
        postedAt: LATER,
        movements: [
          expect.objectContaining({ amount: 4_000, balanceBefore: 500, balanceAfter: 4_500 }),
        ],
      }),
    ]);
  });

  it('publishes a resumed early reversal as rejected when its original was not posted', () => {
    const decision = expectKind(resumed(rejected.record), 'Reject');

    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: txImage(pending.record),
        newImage: txImage(decision.record),
      }),
    );

    expect(events).toEqual([
      expect.objectContaining({ id: 'r-w-1:rejected', reason: 'ORIGINAL_NOT_POSTED' }),
    ]);
  });

  it('publishes an early reversal that waited its window out as rejected ORIGINAL_NOT_FOUND', () => {
    const expired = expectKind(decideExpiry(pending.record, '2026-03-03T00:00:00.000Z'), 'Reject');

    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: txImage(pending.record),
        newImage: txImage(expired.record),
      }),
    );

    expect(events).toEqual([
      expect.objectContaining({
        id: 'r-w-1:rejected',
        reason: 'ORIGINAL_NOT_FOUND',
        rejectedAt: '2026-03-03T00:00:00.000Z',
      }),
    ]);
  });

  it('publishes a transfer with both accounts and a balance inquiry with amount 0', () => {
    const transfer = expectKind(
      decide(
        postCommand(aTransfer({ amount: 300 })),
        stateOf({ accounts: [account, anAccount({ accountId: 'acct-2' })] }),
        NOW,
      ),
      'Post',
    );
    const inquiry = expectKind(
      decide(postCommand(aBalanceInquiry()), stateOf({ accounts: [account] }), NOW),
      'Post',
    );

    const [transferEvent] = toLedgerEvents(
      streamRecord('INSERT', { newImage: txImage(transfer.record) }),
    );
    const [inquiryEvent] = toLedgerEvents(
      streamRecord('INSERT', { newImage: txImage(inquiry.record) }),
    );

    expect(transferEvent).toMatchObject({
      id: 't-1:posted',
      toAccountId: 'acct-2',
      amount: 300,
      movements: [
        { accountId: 'acct-1', amount: -300 },
        { accountId: 'acct-2', amount: 300 },
      ],
    });
    expect(inquiryEvent).toMatchObject({
      id: 'b-1:posted',
      amount: 0,
      balance: 5_000,
      movements: [],
      legs: [],
    });
    expect(inquiryEvent).not.toHaveProperty('currency');
  });
});

describe('toLedgerEvents: conflicts', () => {
  it('publishes one conflict event for a counted conflicting delivery', () => {
    // Prepare
    const hash = payloadHash(aWithdrawal({ amount: 1 }));
    const record = streamRecord('MODIFY', {
      oldImage: txImage(posted.record),
      newImage: withConflicts(posted.record, [hash]),
    });

    // Act
    const events = toLedgerEvents(record);

    // Assess
    expect(events).toEqual([
      {
        schemaVersion: 1,
        id: 'w-1:conflict:1',
        type: 'ledger.transaction.conflict',
        transactionId: 'w-1',
        occurredAt: withdrawal.occurredAt,
        correlationId: 'corr-w',
        accountId: 'acct-1',
        conflictNumber: 1,
        existingPayloadHash: posted.record.payloadHash,
        conflictingPayloadHash: hash,
        detectedAt: LATER,
      },
    ]);
  });

  it('numbers conflict events by the count after each, one per increment', () => {
    const before = { ...posted.record, conflicts: 1, conflictHashes: ['h-0'] };

    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: txImage(before),
        newImage: withConflicts(before, ['h-b', 'h-a']),
      }),
    );

    expect(
      events.map((e) => [
        e.id,
        e.type === 'ledger.transaction.conflict' && e.conflictingPayloadHash,
      ]),
    ).toEqual([
      ['w-1:conflict:2', 'h-a'],
      ['w-1:conflict:3', 'h-b'],
    ]);
  });

  it('publishes a conflict against a pending reversal without a status event', () => {
    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: txImage(pending.record),
        newImage: withConflicts(pending.record, ['h-x']),
      }),
    );

    expect(events.map((e) => e.id)).toEqual(['r-w-1:conflict:1']);
  });

  it('refuses a conflict count that grew without the conflicting hashes', () => {
    const newImage = txImage({ ...posted.record, conflicts: 1 }, { lastConflictAt: LATER });

    expect(() =>
      toLedgerEvents(streamRecord('MODIFY', { oldImage: txImage(posted.record), newImage })),
    ).toThrow(/conflicts grew by 1 but 0 conflicting hashes/);
  });
});

/** What an early reversal leaves at its original's key (ledgerStore `Pend`): not a transaction yet. */
const awaitedPlaceholder = image({
  ...keys.transaction('w-1'),
  entity: 'AWAITED',
  status: 'AWAITED',
  reversals: new Set(['r-w-1']),
});

describe('toLedgerEvents: changes that publish nothing', () => {
  it('publishes nothing when a reversal marks its original', () => {
    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: txImage(posted.record),
        newImage: txImage({ ...posted.record, reversedBy: 'r-w-1' }),
      }),
    );

    expect(events).toEqual([]);
  });

  it('publishes nothing for accounts, entries, acceptance markers and placeholders', () => {
    const entry = posted.writes[0]?.entry;
    if (entry === undefined) throw new Error('the posting has no entry');
    const others = [
      streamRecord('MODIFY', {
        oldImage: accountImage(account),
        newImage: accountImage({ ...account, balance: 500 }),
      }),
      streamRecord('INSERT', { newImage: entryImage(entry) }),
      streamRecord('INSERT', { newImage: image({ ...keys.accepted('w-1'), entity: 'ACCEPTED' }) }),
      streamRecord('INSERT', { newImage: awaitedPlaceholder }),
      // moto's first record of an item created by an update: the keys only.
      streamRecord('INSERT', { newImage: image(keys.transaction('w-1')) }),
    ];

    expect(others.flatMap((r) => toLedgerEvents(r))).toEqual([]);
  });

  it('publishes an original that replaces the placeholder its early reversal left', () => {
    const events = toLedgerEvents(
      streamRecord('MODIFY', {
        oldImage: awaitedPlaceholder,
        newImage: txImage({ ...posted.record, reversalsWaiting: ['r-w-1'] }),
      }),
    );

    expect(events.map((e) => e.id)).toEqual(['w-1:posted']);
  });

  it('publishes nothing for a removal', () => {
    expect(toLedgerEvents(streamRecord('REMOVE', { oldImage: txImage(posted.record) }))).toEqual(
      [],
    );
  });
});

describe('toLedgerEvents: redelivery', () => {
  it('maps a redelivered stream record to the same events with the same ids', () => {
    // Prepare
    const record = streamRecord('MODIFY', {
      oldImage: txImage(pending.record),
      newImage: withConflicts(expectKind(resumed(posted.record), 'Post').record, ['h-1']),
    });

    // Act
    const first = toLedgerEvents(record);
    const again = toLedgerEvents(structuredClone(record));

    // Assess
    expect(first.map((e) => e.id)).toEqual(['r-w-1:posted', 'r-w-1:conflict:1']);
    expect(again).toEqual(first);
  });

  it('maps the first delivery of any decision to exactly one valid event named after its status', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const decision = decide(command, state, NOW);
        if (decision.kind !== 'Post' && decision.kind !== 'Reject' && decision.kind !== 'Pend')
          return;
        const suffix = { Post: 'posted', Reject: 'rejected', Pend: 'pending' }[decision.kind];
        const record = streamRecord('INSERT', { newImage: txImage(decision.record) });

        const events = toLedgerEvents(record);

        expect(events).toHaveLength(1);
        expect(events[0]?.id).toBe(`${command.transaction.transactionId}:${suffix}`);
        expect(LedgerEvent.safeParse(events[0]).success).toBe(true);
        expect(toLedgerEvents(record)).toEqual(events);
      }),
      { numRuns: numRuns() },
    );
  });
});

describe('toLedgerEvents: records it cannot publish', () => {
  const unpublishable = (record: Parameters<typeof toLedgerEvents>[0]) => {
    try {
      toLedgerEvents(record);
    } catch (error) {
      return isUnpublishableRecordError(error) ? error.message : `unexpected ${String(error)}`;
    }
    return 'no error';
  };

  it('refuses a transaction item with an unknown status or without its transaction', () => {
    expect(
      unpublishable(
        streamRecord('INSERT', { newImage: txImage(posted.record, { status: 'LOST' }) }),
      ),
    ).toMatch(/NewImage is not a transaction item: status/);
    expect(
      unpublishable(streamRecord('INSERT', { newImage: txImage(posted.record, { tx: 'nope' }) })),
    ).toMatch(/tx:/);
  });

  it('refuses a rejection without a reason and a decision without its time', () => {
    expect(
      unpublishable(
        streamRecord('INSERT', { newImage: txImage({ ...rejected.record, reason: undefined }) }),
      ),
    ).toMatch(/has no reason/);
    expect(
      unpublishable(
        streamRecord('INSERT', { newImage: txImage({ ...posted.record, decidedAt: undefined }) }),
      ),
    ).toMatch(/has no decidedAt/);
  });

  it('refuses a stream without old images, which cannot tell a change from a creation', () => {
    expect(unpublishable(streamRecord('MODIFY', { newImage: txImage(posted.record) }))).toMatch(
      /NEW_AND_OLD_IMAGES/,
    );
    expect(unpublishable(streamRecord('INSERT', {}))).toMatch(/no NewImage/);
  });
});
