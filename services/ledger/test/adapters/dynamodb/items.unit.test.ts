import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountToItem,
  entryToItem,
  itemToAccount,
  itemToEntry,
  itemToRecord,
  keys,
  recordToItem,
} from '../../../src/adapters/dynamodb/items.js';
import { decide, evolve, evolveRecord, type TransactionRecord } from '../../../src/domain/index.js';
import { arbScenario, numRuns } from '../../support/arbitraries.js';
import {
  anAccount,
  aTransfer,
  decisionOf,
  expectKind,
  NOW,
  postCommand,
  stateOf,
} from '../../support/builders.js';

/** Through the wire format and back, as the adapter stores and reads items. */
const viaDynamo = (item: Record<string, unknown>) =>
  unmarshall(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }));

const posting = expectKind(
  decisionOf(
    postCommand(aTransfer({ amount: 120 }), 'corr-1'),
    stateOf({ accounts: [anAccount({ balance: 500 }), anAccount({ accountId: 'acct-2' })] }),
    NOW,
  ),
  'Post',
);

describe('dynamodb items', () => {
  it('round-trips a transaction record with its journal, conflicts and the reversal that marked it', () => {
    // Prepare: two conflicting payloads counted after the posting
    let record: TransactionRecord = { ...posting.record, reversedBy: 'r-1' };
    for (const amount of [121, 122]) {
      const [conflict] = decide(
        postCommand(aTransfer({ amount })),
        stateOf({ existing: record }),
        NOW,
      );
      if (conflict === undefined) throw new Error('expected a conflict');
      record = evolveRecord(record, conflict);
    }

    // Act
    const back = itemToRecord(viaDynamo(recordToItem(record)));

    // Assess
    expect(back).toEqual(record);
    expect(back).toMatchObject({ conflicts: 2, reversedBy: 'r-1' });
    expect(back.events.map((e) => e.id)).toEqual([
      't-1:posted',
      't-1:conflict:1',
      't-1:conflict:2',
    ]);
  });

  it('round-trips every record a decision leaves (property)', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const before = { ...state, request: command };
        const record = decide(command, before, NOW).reduce(evolve, before).existing;
        fc.pre(record !== undefined);
        expect(itemToRecord(viaDynamo(recordToItem(record as TransactionRecord)))).toEqual(record);
      }),
      { numRuns: numRuns() },
    );
  });

  it('stores each event as the JSON it was decided as, the bus will carry', () => {
    const item = viaDynamo(recordToItem(posting.record));

    expect(item.events).toEqual(posting.events.map((e) => JSON.stringify(e)));
  });

  it('round-trips accounts and entries', () => {
    const [write] = posting.writes;
    if (write === undefined) throw new Error('expected a write');

    expect(itemToAccount(viaDynamo(accountToItem(write.after)))).toEqual(write.after);
    expect(itemToEntry(viaDynamo(entryToItem(write.entry)))).toEqual(write.entry);
  });

  it('keys entries so that string order is sequence order', () => {
    const sks = [1, 2, 10, 100, 999_999].map((n) => keys.entry('acct-1', n).sk);

    expect([...sks].sort()).toEqual(sks);
  });
});
