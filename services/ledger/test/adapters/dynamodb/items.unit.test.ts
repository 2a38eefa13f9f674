import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
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
import { decide, type TransactionRecord } from '../../../src/domain/index.js';
import {
  anAccount,
  aTransfer,
  expectKind,
  NOW,
  postCommand,
  stateOf,
} from '../../support/builders.js';

/** Through the wire format and back, as the adapter stores and reads items. */
const viaDynamo = (item: Record<string, unknown>) =>
  unmarshall(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }));

const posting = expectKind(
  decide(
    postCommand(aTransfer({ amount: 120 }), 'corr-1'),
    stateOf({ accounts: [anAccount({ balance: 500 }), anAccount({ accountId: 'acct-2' })] }),
    NOW,
  ),
  'Post',
);

describe('dynamodb items', () => {
  it('round-trips a transaction record with its legs, movements and conflicts', () => {
    // Prepare
    const record: TransactionRecord = {
      ...posting.record,
      conflicts: 2,
      conflictHashes: ['h-1', 'h-2'],
      reversedBy: 'r-1',
    };

    // Act
    const back = itemToRecord(viaDynamo(recordToItem(record)));

    // Assess
    expect(back).toEqual(record);
  });

  it('round-trips a rejection without the optional fields', () => {
    const rejection = expectKind(
      decide(postCommand(aTransfer()), stateOf({ absent: ['acct-1', 'acct-2'] }), NOW),
      'Reject',
    );

    expect(itemToRecord(viaDynamo(recordToItem(rejection.record)))).toEqual(rejection.record);
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
