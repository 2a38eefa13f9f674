import { type CancellationReason, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { accountToItem, recordToItem } from '../../../src/adapters/dynamodb/items.js';
import { classifyCancellation } from '../../../src/adapters/dynamodb/ledgerStore.js';
import {
  isRetryableStoreError,
  isStoreError,
  isUnprocessableRecordError,
} from '../../../src/ports.js';
import {
  anAccount,
  aWithdrawal,
  decisionOf,
  expectKind,
  NOW,
  postCommand,
  stateOf,
} from '../../support/builders.js';

type Slots = Parameters<typeof classifyCancellation>[1];

const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons,
  });

const none: CancellationReason = { Code: 'None' };
const failed = (item?: Record<string, unknown>): CancellationReason => ({
  Code: 'ConditionalCheckFailed',
  ...(item === undefined ? {} : { Item: marshall(item, { removeUndefinedValues: true }) }),
});

/** A withdrawal's commit: the transaction item, the account update, its entry. */
const postingSlots: Slots = [
  { kind: 'transaction' },
  { kind: 'account', accountId: 'acct-1' },
  { kind: 'entry' },
];

const record = expectKind(
  decisionOf(postCommand(aWithdrawal()), stateOf({ accounts: [anAccount({ balance: 500 })] }), NOW),
  'Post',
).record;

describe('classifyCancellation', () => {
  it('is AlreadyDecided with the stored record when the transaction item exists, whatever else failed', () => {
    // Act
    const outcome = classifyCancellation(
      cancelled([
        failed(recordToItem(record)),
        failed(accountToItem(anAccount({ version: 7 }))),
        none,
      ]),
      postingSlots,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: record });
  });

  it('is Stale with each failed account as ALL_OLD returned it', () => {
    const current = anAccount({ balance: 20, version: 7 });

    const outcome = classifyCancellation(
      cancelled([none, failed(accountToItem(current)), none]),
      postingSlots,
    );

    expect(expectKind(outcome, 'Stale').accounts).toEqual(new Map([['acct-1', current]]));
  });

  it('is Stale with undefined for an account that does not exist', () => {
    const outcome = classifyCancellation(cancelled([none, failed(), none]), postingSlots);

    expect(expectKind(outcome, 'Stale').accounts).toEqual(new Map([['acct-1', undefined]]));
  });

  it('is OriginalChanged with the original as ALL_OLD returned it', () => {
    // Prepare
    const reversed = { ...record, reversedBy: 'r-1' };
    const slots: Slots = [...postingSlots, { kind: 'original' }];

    // Act
    const outcome = classifyCancellation(
      cancelled([none, none, none, failed(recordToItem(reversed))]),
      slots,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'OriginalChanged', original: reversed });
  });

  it('prefers Stale over OriginalChanged: the re-decision reads both anyway', () => {
    const slots: Slots = [...postingSlots, { kind: 'original' }];

    const outcome = classifyCancellation(cancelled([none, failed(), none, failed()]), slots);

    expect(outcome.kind).toBe('Stale');
  });

  it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'])(
    'throws a retryable error when an item was cancelled with %s',
    (code) => {
      const act = () => classifyCancellation(cancelled([none, { Code: code }, none]), postingSlots);

      expect(act).toThrow(expect.toSatisfy(isRetryableStoreError));
    },
  );

  it('throws UnprocessableRecordError for an item cancelled as invalid: the same write fails on every delivery', () => {
    const act = () =>
      classifyCancellation(
        cancelled([
          none,
          none,
          { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
        ]),
        postingSlots,
      );

    expect(act).toThrow(expect.toSatisfy(isUnprocessableRecordError));
  });

  it('throws a plain StoreError for a cancellation it cannot explain', () => {
    const act = () =>
      classifyCancellation(
        cancelled([none, none, { Code: 'SomethingNew', Message: 'bad' }]),
        postingSlots,
      );

    expect(act).toThrow(
      expect.toSatisfy((e: unknown) => isStoreError(e) && !isRetryableStoreError(e)),
    );
  });

  it('is OriginalWaitingChanged, with the list, when a Pend finds other reversals waiting', () => {
    const placeholder = marshall({
      pk: 'TX#w-1',
      sk: 'TX',
      entity: 'AWAITED',
      status: 'AWAITED',
      reversals: ['r-9', 'r-1'],
    });
    const outcome = classifyCancellation(
      cancelled([none, { Code: 'ConditionalCheckFailed', Item: placeholder }, none]),
      [{ kind: 'transaction' }, { kind: 'original' }, { kind: 'timer' }],
    );

    expect(outcome).toEqual({ kind: 'OriginalWaitingChanged', waiting: ['r-9', 'r-1'] });
  });
});
