/**
 * The contract every LedgerStore adapter keeps, as a vitest suite: the
 * in-memory store, DynamoDB on the emulator and DynamoDB on LocalStack all
 * run it. Shipped with the port it describes (`@atm-ledger/ledger/testing`).
 */
import {
  type AtmTransaction,
  type AuthorizationFields,
  authorizationPayloadHash,
  type LedgerEvent,
  payloadHash,
} from '@atm-ledger/contracts';
import { createLogger } from '@atm-ledger/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Acceptance,
  type Account,
  type Authorize,
  authorize,
  type CommitOutcome,
  DEFAULT_LEDGER_POLICY,
  decide,
  decideAuthorization,
  entriesOf,
  evolve,
  evolveAuthorizationState,
  isInvalidCursorError,
  isStoreError,
  type LedgerState,
  type LedgerStore,
  MAX_CONFLICTS_COUNTED,
  type PostTransaction,
  postTransaction,
  relianceOf,
  sweepTimers,
  type TimerStore,
  type TransactionRecord,
  timerShard,
} from '../index.js';

/** One store to run the contract against, fresh for each case. */
export interface LedgerStoreUnderTest {
  readonly store: LedgerStore & TimerStore;
  cleanup?(): Promise<void>;
  /** Notes an id as accepted, as ingest does; the positive `getAcceptance` case fails without it. */
  markAccepted?(acceptance: Acceptance): Promise<void>;
}

const T0 = '2026-03-01T12:00:00.000Z';
const T1 = '2026-03-01T12:00:01.000Z';
const clock = { now: () => new Date(T1) };

const anAccount = (accountId: string, overrides: Partial<Account> = {}): Account => ({
  accountId,
  currency: 'EUR',
  balance: 0,
  overdraftLimit: 0,
  lowBalanceThreshold: 0,
  version: 0,
  createdAt: T0,
  updatedAt: T0,
  heldAmount: 0,
  withdrawn: {},
  ...overrides,
});

const tx = (
  transactionId: string,
  type: AtmTransaction['type'],
  fields: Partial<AtmTransaction> = {},
): AtmTransaction => ({
  transactionId,
  type,
  accountId: 'acct-1',
  atmId: 'atm-1',
  occurredAt: T0,
  ...(type === 'BALANCE_INQUIRY' || type === 'REVERSAL' ? {} : { amount: 100, currency: 'EUR' }),
  ...fields,
});

const command = (transaction: AtmTransaction): PostTransaction => ({
  kind: 'PostTransaction',
  transaction,
  payloadHash: payloadHash(transaction),
});

const anAuthorization = (
  authorizationId: string,
  fields: Partial<AuthorizationFields> = {},
): AuthorizationFields => ({
  authorizationId,
  accountId: 'acct-1',
  amount: 100,
  currency: 'EUR',
  atmId: 'atm-1',
  occurredAt: T0,
  ...fields,
});

const authorizeCommand = (fields: AuthorizationFields): Authorize => ({
  kind: 'Authorize',
  fields,
  payloadHash: authorizationPayloadHash(fields),
});

/** Narrows a decision or outcome to the kind the case expects, failing with the whole value if it is not. */
function expectKind<T extends { kind: string }, K extends T['kind']>(
  value: T,
  kind: K,
): Extract<T, { kind: K }> {
  expect(
    value.kind,
    JSON.stringify(value, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v)),
  ).toBe(kind);
  return value as Extract<T, { kind: K }>;
}

const KIND = {
  'ledger.transaction.posted': 'Post',
  'ledger.transaction.rejected': 'Reject',
  'ledger.reversal.pending': 'Pend',
  'ledger.transaction.conflict': 'Conflict',
} as const;

/** A decision as the suite commits it: the state it was made from, its events, and the record they leave. */
interface DecidedAs<K extends (typeof KIND)[keyof typeof KIND]> {
  readonly kind: K;
  readonly state: LedgerState;
  readonly events: readonly LedgerEvent[];
  readonly record: TransactionRecord;
}
type Decided = DecidedAs<'Post'> | DecidedAs<'Reject'> | DecidedAs<'Pend'> | DecidedAs<'Conflict'>;

/** Decides `transaction` from `state`, as postTransaction would; a decision that writes nothing fails the case. */
function decided(transaction: AtmTransaction, state: LedgerState, at = T1): Decided {
  const before = { ...state, request: command(transaction) };
  const events = decide(command(transaction), before, at);
  const [first] = events;
  const record = events.reduce(evolve, before).existing;
  if (first === undefined || record === undefined)
    throw new Error(`expected a decision that writes for ${transaction.transactionId}`);
  return { kind: KIND[first.type as keyof typeof KIND] as 'Post', state: before, events, record };
}

/** `store` with some of its methods replaced, to interleave other work with a call. */
function delegateTo(store: LedgerStore, overrides: Partial<LedgerStore>): LedgerStore {
  return {
    load: (t) => store.load(t),
    commit: (state, events) => store.commit(state, events),
    createAccount: (a) => store.createAccount(a),
    getAccount: (id) => store.getAccount(id),
    getTransaction: (id) => store.getTransaction(id),
    getAcceptance: (id) => store.getAcceptance(id),
    listEntries: (id, limit, cursor) => store.listEntries(id, limit, cursor),
    trialBalance: () => store.trialBalance(),
    listAccounts: (cursor, options) => store.listAccounts(cursor, options),
    journalTotals: () => store.journalTotals(),
    loadAuthorization: (fields) => store.loadAuthorization(fields),
    commitAuthorization: (state, events) => store.commitAuthorization(state, events),
    getAuthorization: (id) => store.getAuthorization(id),
    ...overrides,
  };
}

/**
 * The LedgerStore contract, run against every implementation: the in-memory
 * reference and DynamoDB over the wire. A case that passes on one and fails
 * on the other is a divergence the ledger's tests would otherwise hide.
 */
export function testLedgerStore(name: string, factory: () => Promise<LedgerStoreUnderTest>): void {
  describe(`LedgerStore contract: ${name}`, () => {
    let subject: LedgerStoreUnderTest;
    let store: LedgerStore & TimerStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup?.();
    });

    const decideNow = async (transaction: AtmTransaction) =>
      decided(transaction, await store.load(transaction));

    const commit = (decision: Decided) => store.commit(decision.state, decision.events);

    const commitNow = async (transaction: AtmTransaction): Promise<CommitOutcome> =>
      commit(await decideNow(transaction));

    const post = (transaction: AtmTransaction) =>
      postTransaction({ store, clock }, command(transaction));

    describe('createAccount', () => {
      it('creates an account that getAccount returns', async () => {
        // Prepare
        const account = anAccount('acct-1', { overdraftLimit: 50, lowBalanceThreshold: 7 });

        // Act
        const result = await store.createAccount(account);

        // Assess
        expect(result).toEqual({ created: true, account });
        expect(await store.getAccount('acct-1')).toEqual(account);
      });

      it('returns the existing account, untouched, when the id exists', async () => {
        // Prepare
        const first = anAccount('acct-1', { currency: 'EUR' });
        await store.createAccount(first);

        // Act
        const second = await store.createAccount(
          anAccount('acct-1', { currency: 'USD', overdraftLimit: 9 }),
        );

        // Assess
        expect(second).toEqual({ created: false, account: first });
        expect(await store.getAccount('acct-1')).toEqual(first);
      });

      it('finds no account for an unknown id', async () => {
        expect(await store.getAccount('nobody')).toBeUndefined();
      });
    });

    describe('load', () => {
      it('reads the remembered record and every touched account, missing ones as undefined', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await post(tx('t-1', 'TRANSFER', { toAccountId: 'acct-2' }));

        // Act
        const state = await store.load(tx('t-1', 'TRANSFER', { toAccountId: 'acct-2' }));

        // Assess
        expect(state.existing).toMatchObject({ status: 'REJECTED', reason: 'ACCOUNT_NOT_FOUND' });
        expect([...state.accounts]).toEqual([
          ['acct-1', anAccount('acct-1', { balance: 500 })],
          ['acct-2', undefined],
        ]);
        expect(state.original).toBeUndefined();
      });

      it('reads, for a reversal, the original and every account it moved', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await store.createAccount(anAccount('acct-2'));
        await post(tx('t-1', 'TRANSFER', { toAccountId: 'acct-2', amount: 120 }));

        // Act
        const state = await store.load(tx('r-1', 'REVERSAL', { originalTransactionId: 't-1' }));

        // Assess
        expect(state.original).toMatchObject({
          status: 'POSTED',
          transaction: { transactionId: 't-1' },
        });
        expect([...state.accounts].map(([id, a]) => [id, a?.balance])).toEqual([
          ['acct-1', 380],
          ['acct-2', 120],
        ]);
      });

      it('loads a reversal that names itself as its original', async () => {
        // Prepare: nothing stops a client from sending this, so it must not break the read
        const selfReversal = tx('r-self', 'REVERSAL', { originalTransactionId: 'r-self' });
        await store.createAccount(anAccount('acct-1'));

        // Act
        const state = await store.load(selfReversal);

        // Assess
        expect(state.existing).toBeUndefined();
        expect(state.original).toBeUndefined();
      });
    });

    describe('commit: Post', () => {
      it('writes the account, its entry and the transaction together', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        const decision = expectKind(await decideNow(tx('d-1', 'DEPOSIT', { amount: 250 })), 'Post');

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        const after = decision.events.reduce(evolve, decision.state);
        const [event] = decision.events;
        expect(await store.getAccount('acct-1')).toEqual(after.accounts.get('acct-1'));
        expect((await store.listEntries('acct-1', 10)).items).toEqual(
          event?.type === 'ledger.transaction.posted' ? entriesOf(event) : [],
        );
        expect(await store.getTransaction('d-1')).toEqual(decision.record);
        expect((await store.getTransaction('d-1'))?.events).toEqual(decision.events);
      });

      it('writes both accounts of a transfer', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 300 }));
        await store.createAccount(anAccount('acct-2', { balance: 5, version: 4 }));

        // Act
        const outcome = await commitNow(
          tx('t-1', 'TRANSFER', { toAccountId: 'acct-2', amount: 120 }),
        );

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 180, version: 1 });
        expect(await store.getAccount('acct-2')).toMatchObject({ balance: 125, version: 5 });
        expect(
          (await store.listEntries('acct-2', 10)).items.map((e) => [e.sequence, e.amount]),
        ).toEqual([[5, 120]]);
      });

      it('is Stale with the current account, and writes nothing, when the account moved since the decision', async () => {
        // Prepare: two withdrawals decided from the same read
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const first = await decideNow(tx('w-1', 'WITHDRAWAL', { amount: 100 }));
        const second = await decideNow(tx('w-2', 'WITHDRAWAL', { amount: 50 }));
        await commit(first);

        // Act
        const outcome = await commit(second);

        // Assess
        const stale = expectKind(outcome, 'Stale');
        expect([...stale.accounts.keys()]).toEqual(['acct-1']);
        expect(stale.accounts.get('acct-1')).toEqual(await store.getAccount('acct-1'));
        expect(stale.accounts.get('acct-1')).toMatchObject({ balance: 400, version: 1 });
        expect(await store.getTransaction('w-2')).toBeUndefined();
        expect((await store.listEntries('acct-1', 10)).items).toHaveLength(1);
      });

      it('is Stale with undefined for an account the decision saw but the store does not hold', async () => {
        // Prepare: decided from a state that never was
        const ghost = anAccount('ghost', { balance: 100 });
        const decision = decided(tx('w-1', 'WITHDRAWAL', { accountId: 'ghost', amount: 10 }), {
          existing: undefined,
          accounts: new Map([['ghost', ghost]]),
          original: undefined,
          waiting: [],
        });

        // Act
        const outcome = await commit(decision);

        // Assess
        const stale = expectKind(outcome, 'Stale');
        expect(stale.accounts.has('ghost')).toBe(true);
        expect(stale.accounts.get('ghost')).toBeUndefined();
        expect(await store.getAccount('ghost')).toBeUndefined();
      });

      it('is AlreadyDecided with the existing record, and moves nothing again, for an id already committed', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        const decision = await decideNow(tx('d-1', 'DEPOSIT', { amount: 100 }));
        await commit(decision);

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: decision.record });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 100, version: 1 });
      });

      it('is AlreadyDecided with the rejection when a posting of a rejected id is committed', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        const rejection = await decideNow(tx('w-1', 'WITHDRAWAL', { amount: 100 }));
        await commit(rejection);
        await post(tx('d-1', 'DEPOSIT', { amount: 1_000 }));
        // Funds are there now; decide as a racing writer that has not yet seen the rejection would.
        const withdrawal = tx('w-1', 'WITHDRAWAL', { amount: 100 });
        const racing = expectKind(
          decided(withdrawal, { ...(await store.load(withdrawal)), existing: undefined }),
          'Post',
        );

        // Act
        const outcome = await commit(racing);

        // Assess
        const already = expectKind(outcome, 'AlreadyDecided');
        expect(already.existing).toMatchObject({
          status: 'REJECTED',
          reason: 'INSUFFICIENT_FUNDS',
        });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 1_000 });
      });
    });

    describe('commit: Reject', () => {
      it('remembers the rejection without touching the account', async () => {
        // Prepare
        const account = anAccount('acct-1', { balance: 10 });
        await store.createAccount(account);

        // Act
        const outcome = await commitNow(tx('w-1', 'WITHDRAWAL', { amount: 11 }));

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getTransaction('w-1')).toMatchObject({
          status: 'REJECTED',
          reason: 'INSUFFICIENT_FUNDS',
        });
        expect(await store.getAccount('acct-1')).toEqual(account);
        expect((await store.listEntries('acct-1', 10)).items).toEqual([]);
      });

      it('is Stale once an account whose absence it relied on exists', async () => {
        // Prepare
        const decision = expectKind(await decideNow(tx('w-1', 'WITHDRAWAL')), 'Reject');
        const opened = anAccount('acct-1', { balance: 1_000 });
        await store.createAccount(opened);

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(relianceOf(decision.state, decision.events[0] as LedgerEvent).absent).toEqual([
          'acct-1',
        ]);
        expect(expectKind(outcome, 'Stale').accounts.get('acct-1')).toEqual(opened);
        expect(await store.getTransaction('w-1')).toBeUndefined();
      });

      it('is Stale once an account it was based on has moved', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        const decision = expectKind(
          await decideNow(tx('w-1', 'WITHDRAWAL', { amount: 100 })),
          'Reject',
        );
        await post(tx('d-1', 'DEPOSIT', { amount: 100 }));

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(expectKind(outcome, 'Stale').accounts.get('acct-1')).toMatchObject({
          balance: 100,
          version: 1,
        });
      });

      it('is AlreadyDecided for a rejection that needs no account, committed twice', async () => {
        // Prepare: a reversal of a balance inquiry rests on no account, so it is a single write
        await store.createAccount(anAccount('acct-1'));
        await post(tx('b-1', 'BALANCE_INQUIRY'));
        const decision = expectKind(
          await decideNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'b-1' })),
          'Reject',
        );
        await commit(decision);

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: decision.record });
      });
    });

    describe('commit: Pend', () => {
      it('remembers a reversal whose original has not arrived as PENDING', async () => {
        // Act
        const outcome = await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getTransaction('r-1')).toMatchObject({ status: 'PENDING', legs: [] });
      });

      it('is AlreadyDecided when committed twice', async () => {
        const decision = await decideNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));
        await commit(decision);

        expect(await commit(decision)).toEqual({
          kind: 'AlreadyDecided',
          existing: decision.record,
        });
      });

      it('registers the reversals waiting for their original in arrival order, whatever their ids', async () => {
        // Act
        await commitNow(tx('r-9', 'REVERSAL', { originalTransactionId: 'w-1' }));
        await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Assess: whoever posts w-1 learns which reversals to decide next, first come first
        expect((await store.load(tx('w-1', 'WITHDRAWAL'))).waiting).toEqual(['r-9', 'r-1']);
        expect(
          (await store.load(tx('r-5', 'REVERSAL', { originalTransactionId: 'w-1' })))
            .originalWaiting,
        ).toEqual(['r-9', 'r-1']);
        expect((await store.load(tx('w-2', 'WITHDRAWAL'))).waiting).toEqual([]);
      });

      it('is OriginalWaitingChanged, not committed, when another reversal started waiting since the decision', async () => {
        // Prepare: r-2 is decided before r-1 pends, and committed after
        const late = await decideNow(tx('r-2', 'REVERSAL', { originalTransactionId: 'w-1' }));
        await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Act
        const outcome = await commit(late);

        // Assess: committed as decided, r-2 would overwrite r-1's place in the queue
        expect(outcome).toEqual({ kind: 'OriginalWaitingChanged', waiting: ['r-1'] });
        expect(await store.getTransaction('r-2')).toBeUndefined();
        expect((await store.load(tx('w-1', 'WITHDRAWAL'))).waiting).toEqual(['r-1']);
      });

      it('is OriginalWaitingChanged behind a queue that grew since the decision, losing no one', async () => {
        // Prepare: r-1 waits; r-3 is decided behind it; then r-2 joins the queue first
        await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));
        const late = await decideNow(tx('r-3', 'REVERSAL', { originalTransactionId: 'w-1' }));
        await commitNow(tx('r-2', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Act
        const outcome = await commit(late);

        // Assess: committed as decided, r-3 would have rewritten the list without r-2
        expect(outcome).toEqual({ kind: 'OriginalWaitingChanged', waiting: ['r-1', 'r-2'] });
        expect((await store.load(tx('w-1', 'WITHDRAWAL'))).waiting).toEqual(['r-1', 'r-2']);
      });

      it('writes a timer due when the reversal stops waiting', async () => {
        // Prepare
        const pend = expectKind(
          await decideNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' })),
          'Pend',
        );
        const dueAt = pend.record.waitUntil ?? '';

        // Act
        await commit(pend);

        // Assess
        const shard = timerShard('r-1');
        const timer = { kind: 'REVERSAL_EXPIRY' as const, transactionId: 'r-1', dueAt };
        expect(dueAt > T1).toBe(true);
        expect(
          await store.dueTimers(shard, new Date(Date.parse(dueAt) - 1).toISOString(), 10),
        ).toEqual([]);
        expect(await store.dueTimers(shard, dueAt, 10)).toEqual([timer]);
        await store.deleteTimer(timer);
        await store.deleteTimer(timer);
        expect(await store.dueTimers(shard, dueAt, 10)).toEqual([]);
      });

      it('is OriginalChanged, not committed, when the original arrived since the decision', async () => {
        // Prepare: the reversal is read before its original lands, and committed after
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const pend = expectKind(
          await decideNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' })),
          'Pend',
        );
        await post(tx('w-1', 'WITHDRAWAL', { amount: 100 }));

        // Act
        const outcome = await commit(pend);

        // Assess: a PENDING commit now would wait for an original that has already posted, and nothing would resume it
        const changed = expectKind(outcome, 'OriginalChanged');
        expect(changed.original).toMatchObject({
          status: 'POSTED',
          transaction: { transactionId: 'w-1' },
        });
        expect(await store.getTransaction('r-1')).toBeUndefined();
      });
    });

    describe('commit: a resumed PENDING reversal', () => {
      /** A reversal left PENDING, then its original posted without resuming it. */
      async function pendingThenOriginal() {
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));
        await commitNow(tx('w-1', 'WITHDRAWAL', { amount: 100 }));
        return tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' });
      }

      it('replaces the PENDING record and reverses the original', async () => {
        // Prepare
        const reversal = await pendingThenOriginal();
        const decision = expectKind(await decideNow(reversal), 'Post');

        // Act
        const outcome = await commit(decision);

        // Assess: the journal keeps the wait, then the decision
        expect(decision.state.existing?.status).toBe('PENDING');
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getTransaction('r-1')).toEqual(decision.record);
        expect(decision.record.events.map((e) => e.id)).toEqual(['r-1:pending', 'r-1:posted']);
        expect(await store.getTransaction('w-1')).toMatchObject({ reversedBy: 'r-1' });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
      });

      it('keeps a conflict counted between the resume’s read and its write', async () => {
        // Prepare
        const reversal = await pendingThenOriginal();
        const decision = await decideNow(reversal);
        const other = tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1', dispensedAmount: 7 });
        expect((await post(other)).outcome).toBe('CONFLICT');

        // Act: however the store answers, the count must survive
        await commit(decision);

        // Assess
        const record = await store.getTransaction('r-1');
        expect(record?.conflicts).toBe(1);
        expect(record?.conflictHashes).toEqual([payloadHash(other)]);
      });

      it('is AlreadyDecided once someone else resumed it first', async () => {
        // Prepare: two consumers resume the same reversal from the same read
        const reversal = await pendingThenOriginal();
        const first = await decideNow(reversal);
        const second = await decideNow(reversal);
        await commit(first);

        // Act
        const outcome = await commit(second);

        // Assess
        expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: first.record });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
      });
    });

    describe('commit: reversal', () => {
      it('marks the original reversedBy and puts the money back', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await post(tx('w-1', 'WITHDRAWAL', { amount: 100 }));

        // Act
        const outcome = await commitNow(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getTransaction('w-1')).toMatchObject({
          status: 'POSTED',
          reversedBy: 'r-1',
        });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
      });

      it('is OriginalChanged with the reversed original when another reversal won meanwhile', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await post(tx('w-1', 'WITHDRAWAL', { amount: 100 }));
        const second = tx('r-2', 'REVERSAL', { originalTransactionId: 'w-1' });
        const before = await store.load(second);
        await post(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));
        // Current accounts, but the original as it was before r-1: only the original condition can fail.
        const decision = decided(second, {
          ...(await store.load(second)),
          original: before.original,
        });

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(decision.kind).toBe('Post');
        expect(expectKind(outcome, 'OriginalChanged').original).toMatchObject({
          reversedBy: 'r-1',
        });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
        expect(await store.getTransaction('r-2')).toBeUndefined();
      });

      it('leaves the original reversible when the reversal has nothing to give back', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await post(tx('w-1', 'WITHDRAWAL', { amount: 100 }));

        // Act
        const nothing = await post(
          tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1', dispensedAmount: 100 }),
        );
        const real = await post(tx('r-2', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Assess
        expect(nothing).toMatchObject({
          outcome: 'REJECTED',
          record: { reason: 'NOTHING_TO_REVERSE' },
        });
        expect(real.outcome).toBe('POSTED');
        expect(await store.getTransaction('w-1')).toMatchObject({ reversedBy: 'r-2' });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
      });

      it('remembers what a posted reversal reversed', async () => {
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await post(tx('d-1', 'DEPOSIT', { amount: 100 }));

        await post(tx('r-1', 'REVERSAL', { originalTransactionId: 'd-1' }));

        expect(await store.getTransaction('r-1')).toMatchObject({
          status: 'POSTED',
          reversedType: 'DEPOSIT',
        });
      });
    });

    describe('commit: a balance inquiry', () => {
      it('remembers the balance it showed', async () => {
        await store.createAccount(anAccount('acct-1', { balance: 4_200 }));

        await post(tx('b-1', 'BALANCE_INQUIRY'));

        expect(await store.getTransaction('b-1')).toMatchObject({
          status: 'POSTED',
          balance: 4_200,
        });
      });
    });

    describe('commit: a conflict', () => {
      /** The same id with another amount: a conflicting payload. */
      const conflicting = (amount: number) => tx('d-1', 'DEPOSIT', { amount });

      it('counts each distinct conflicting payload once, each as an event of the journal', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        await post(tx('d-1', 'DEPOSIT'));

        // Act
        const first = await post(conflicting(101));
        const again = await post(conflicting(101));
        const other = await post(conflicting(102));

        // Assess
        expect(
          [first, again, other].map((o) => [o.outcome, o.outcome === 'CONFLICT' && o.counted]),
        ).toEqual([
          ['CONFLICT', true],
          ['CONFLICT', false],
          ['CONFLICT', true],
        ]);
        const record = await store.getTransaction('d-1');
        expect(record).toMatchObject({
          conflicts: 2,
          status: 'POSTED',
          transaction: { amount: 100 },
        });
        expect([...(record?.conflictHashes ?? [])].sort()).toEqual(
          [payloadHash(conflicting(101)), payloadHash(conflicting(102))].sort(),
        );
        expect(record?.events.map((e) => e.id)).toEqual([
          'd-1:posted',
          'd-1:conflict:1',
          'd-1:conflict:2',
        ]);
      });

      it('is AlreadyDecided, not counted twice, when another conflict was counted since the decision', async () => {
        // Prepare: two conflicting payloads decided from the same read
        await store.createAccount(anAccount('acct-1'));
        await post(tx('d-1', 'DEPOSIT'));
        const a = await decideNow(conflicting(101));
        const b = await decideNow(conflicting(102));
        await commit(a);

        // Act
        const outcome = await commit(b);

        // Assess: b would take conflict number 1 again
        expect(expectKind(outcome, 'AlreadyDecided').existing).toMatchObject({ conflicts: 1 });
        expect((await store.getTransaction('d-1'))?.conflicts).toBe(1);
      });

      it('fails with StoreError for an id never decided', async () => {
        // Prepare: a conflict decided against a record the store never held
        await store.createAccount(anAccount('acct-1'));
        const ghost = decided(tx('d-1', 'DEPOSIT'), await store.load(tx('d-1', 'DEPOSIT'))).record;
        const conflict = decided(conflicting(101), {
          existing: ghost,
          accounts: new Map(),
          original: undefined,
          waiting: [],
        });

        // Act + Assess
        await expect(commit(conflict)).rejects.toSatisfy(isStoreError);
      });

      it(`stops counting at ${MAX_CONFLICTS_COUNTED} distinct payloads, so the item stays bounded`, async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        await post(tx('d-1', 'DEPOSIT'));
        for (let i = 0; i < MAX_CONFLICTS_COUNTED; i++) await post(conflicting(1_000 + i));

        // Act
        const over = await post(conflicting(5_000));
        const known = await post(conflicting(1_000));

        // Assess
        expect(over).toMatchObject({ outcome: 'CONFLICT', counted: false, limitReached: true });
        expect(known).toMatchObject({ outcome: 'CONFLICT', counted: false });
        expect(known).not.toHaveProperty('limitReached');
        const record = await store.getTransaction('d-1');
        expect(record?.conflicts).toBe(MAX_CONFLICTS_COUNTED);
        expect(record?.conflictHashes).toHaveLength(MAX_CONFLICTS_COUNTED);
      }, 120_000);
    });

    describe('listEntries', () => {
      it('pages through an account’s entries in sequence order', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        await store.createAccount(anAccount('acct-2'));
        for (let i = 1; i <= 5; i++) {
          await post(tx(`d-${i}`, 'DEPOSIT', { amount: i }));
          await post(tx(`x-${i}`, 'DEPOSIT', { accountId: 'acct-2' }));
        }

        // Act
        const pages = [];
        let cursor: string | undefined;
        do {
          const page = await store.listEntries('acct-1', 2, cursor);
          pages.push(page.items.map((e) => e.transactionId));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && pages.length < 10);

        // Assess
        expect(pages).toEqual([['d-1', 'd-2'], ['d-3', 'd-4'], ['d-5']]);
      });

      it('returns every entry and no cursor when they fit on one page', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1'));
        await post(tx('d-1', 'DEPOSIT'));

        // Act
        const page = await store.listEntries('acct-1', 50);

        // Assess
        expect(page.items.map((e) => e.sequence)).toEqual([1]);
        expect(page.nextCursor).toBeNull();
      });

      it('returns nothing for an account without entries', async () => {
        expect(await store.listEntries('nobody', 10)).toEqual({ items: [], nextCursor: null });
      });

      it('refuses a cursor it did not issue with InvalidCursorError', async () => {
        // Prepare
        const forged = Buffer.from('not-a-cursor').toString('base64url');

        // Act
        const act = store.listEntries('acct-1', 10, forged);

        // Assess
        await expect(act).rejects.toSatisfy(isInvalidCursorError);
      });
    });

    describe('listAccounts', () => {
      it('pages through every account once, and through nothing but accounts', async () => {
        // Prepare: entries, transactions and markers share the table with the accounts
        for (const id of ['acct-1', 'acct-2', 'acct-3']) {
          await store.createAccount(anAccount(id, { balance: 100 }));
          await post(tx(`w-${id}`, 'WITHDRAWAL', { accountId: id, amount: 10 }));
        }
        await post(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-later' }));

        // Act
        const seen: Account[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listAccounts(cursor);
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor !== undefined && pages < 100);

        // Assess
        expect(seen.map((a) => [a.accountId, a.balance, a.version]).sort()).toEqual([
          ['acct-1', 90, 1],
          ['acct-2', 90, 1],
          ['acct-3', 90, 1],
        ]);
      });

      it('pages through every account once in small pages, whatever items the pages stop at', async () => {
        // Prepare: more transactions and entries than accounts, so most pages end on other items
        for (const id of ['acct-1', 'acct-2', 'acct-3', 'acct-4']) {
          await store.createAccount(anAccount(id, { balance: 1000 }));
          for (const n of [1, 2, 3]) {
            await post(tx(`d-${id}-${n}`, 'DEPOSIT', { accountId: id, amount: n }));
          }
        }

        // Act
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listAccounts(cursor, { pageSize: 2 });
          seen.push(...page.items.map((a) => a.accountId));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor !== undefined && pages < 200);

        // Assess
        expect(seen.sort()).toEqual(['acct-1', 'acct-2', 'acct-3', 'acct-4']);
        expect(pages).toBeGreaterThan(1);
      });

      it('refuses a cursor it did not issue', async () => {
        const forged = Buffer.from('{"pk":{"S":"x"}}').toString('base64url');
        await expect(store.listAccounts(forged)).rejects.toSatisfy(isInvalidCursorError);
      });

      it('has nothing to list in an empty ledger', async () => {
        expect(await store.listAccounts()).toEqual({ items: [], nextCursor: null });
      });
    });

    describe('trialBalance and journalTotals', () => {
      it('sums the legs of postings only, per currency, the same from the totals and from the journal', async () => {
        // Prepare: a rejection, a duplicate, a conflict and a pending reversal add nothing
        await store.createAccount(anAccount('acct-1'));
        await store.createAccount(anAccount('acct-usd', { currency: 'USD' }));
        await post(tx('d-1', 'DEPOSIT', { amount: 100 }));
        await post(tx('w-1', 'WITHDRAWAL', { amount: 30 }));
        await post(tx('d-2', 'DEPOSIT', { accountId: 'acct-usd', amount: 50, currency: 'USD' }));
        await post(tx('w-2', 'WITHDRAWAL', { amount: 1_000 }));
        await post(tx('d-1', 'DEPOSIT', { amount: 100 }));
        await post(tx('d-1', 'DEPOSIT', { amount: 999 }));
        await post(tx('r-9', 'REVERSAL', { originalTransactionId: 'w-9' }));

        // Act
        const totals = await store.trialBalance();
        const journal = await store.journalTotals();

        // Assess
        expect(Object.fromEntries(totals)).toEqual({
          EUR: { debits: 130n, credits: 130n },
          USD: { debits: 50n, credits: 50n },
        });
        expect(journal).toEqual(totals);
      });

      it('adds each posting to one totals shard, in its own transaction, so many shards add up', async () => {
        // Prepare: enough postings to land in several shards
        await store.createAccount(anAccount('acct-1', { balance: 0 }));
        for (let i = 0; i < 12; i++) await post(tx(`d-${i}`, 'DEPOSIT', { amount: 1 + i }));

        // Act
        const totals = await store.trialBalance();

        // Assess: 1 + 2 + ... + 12
        expect(Object.fromEntries(totals)).toEqual({ EUR: { debits: 78n, credits: 78n } });
        expect(await store.journalTotals()).toEqual(totals);
      });

      it('is empty for an empty ledger', async () => {
        expect((await store.trialBalance()).size).toBe(0);
      });
    });

    describe('getAcceptance', () => {
      it('is undefined for an id never accepted', async () => {
        expect(await store.getAcceptance('nobody')).toBeUndefined();
      });

      it('holds the payload that claimed the id once ingest accepted it, before the ledger decided it', async () => {
        // Prepare
        if (subject.markAccepted === undefined)
          throw new Error(`${name} gives the suite no way to accept an id`);
        const accepted = tx('tx-accepted', 'WITHDRAWAL', { panLast4: '1111' });

        // Act
        await subject.markAccepted({
          transaction: accepted,
          payloadHash: payloadHash(accepted),
          acceptedAt: T0,
        });

        // Assess
        expect(await store.getAcceptance('tx-accepted')).toEqual({
          transaction: accepted,
          payloadHash: payloadHash(accepted),
          acceptedAt: T0,
        });
        expect(await store.getTransaction('tx-accepted')).toBeUndefined();
      });
    });

    describe('postTransaction over this store', () => {
      it('never overdraws under concurrency: 50 withdrawals of 1 against 30', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 30, overdraftLimit: 0 }));
        const withdrawals = Array.from({ length: 50 }, (_, i) =>
          tx(`w-${i}`, 'WITHDRAWAL', { amount: 1 }),
        );

        // Act
        const outcomes = await Promise.all(withdrawals.map((w) => post(w)));

        // Assess
        const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
        expect([count('POSTED'), count('REJECTED')]).toEqual([30, 20]);
        expect(
          outcomes
            .filter((o) => o.outcome === 'REJECTED')
            .every((o) => o.record.reason === 'INSUFFICIENT_FUNDS'),
        ).toBe(true);
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 0, version: 30 });
        const entries = (await store.listEntries('acct-1', 100)).items;
        expect(entries.map((e) => e.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(entries.map((e) => e.balanceAfter)).toEqual(
          Array.from({ length: 30 }, (_, i) => 29 - i),
        );
        for (const o of outcomes) {
          expect((await store.getTransaction(o.record.transaction.transactionId))?.status).toBe(
            o.outcome,
          );
        }
        expect(Object.fromEntries(await store.trialBalance())).toEqual({
          EUR: { debits: 30n, credits: 30n },
        });
        // Every loser re-decides and commits again, so a store serving one request at a time (moto) needs long.
      }, 120_000);

      it('keeps the total of two accounts under concurrent transfers both ways', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 100 }));
        await store.createAccount(anAccount('acct-2', { balance: 100 }));
        const transfers = Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? tx(`t-${i}`, 'TRANSFER', { accountId: 'acct-1', toAccountId: 'acct-2', amount: 15 })
            : tx(`t-${i}`, 'TRANSFER', { accountId: 'acct-2', toAccountId: 'acct-1', amount: 15 }),
        );

        // Act
        const outcomes = await Promise.all(transfers.map((t) => post(t)));

        // Assess
        const a = await store.getAccount('acct-1');
        const b = await store.getAccount('acct-2');
        expect((a?.balance ?? Number.NaN) + (b?.balance ?? Number.NaN)).toBe(200);
        expect(Math.min(a?.balance ?? -1, b?.balance ?? -1)).toBeGreaterThanOrEqual(0);
        const posted = outcomes.filter((o) => o.outcome === 'POSTED').length;
        expect((a?.version ?? 0) + (b?.version ?? 0)).toBe(2 * posted);
        for (const id of ['acct-1', 'acct-2']) {
          const entries = (await store.listEntries(id, 100)).items;
          expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
        }
      }, 120_000);

      it('decides the reversals that waited, right after posting their original', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const early = await post(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Act
        const original = await post(tx('w-1', 'WITHDRAWAL', { amount: 100 }));

        // Assess
        expect(early.outcome).toBe('PENDING');
        expect(original.outcome).toBe('POSTED');
        expect(
          original.resumed?.map((r) => [r.record.transaction.transactionId, r.outcome]),
        ).toEqual([['r-1', 'POSTED']]);
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
        expect(await store.getTransaction('w-1')).toMatchObject({ reversedBy: 'r-1' });
      });

      it('resumes a reversal that pended while its original was being posted', async () => {
        // Prepare: the reversal is read, decided and committed between the original's read and its write
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const reversal = tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' });
        let interleaved: Promise<unknown> | undefined;
        const racing: LedgerStore = delegateTo(store, {
          commit: async (state, events) => {
            const first = events[0];
            if (first !== undefined && 'transactionId' in first && first.transactionId === 'w-1') {
              interleaved ??= post(reversal);
              await interleaved;
            }
            return store.commit(state, events);
          },
        });

        // Act
        const result = await postTransaction(
          { store: racing, clock },
          command(tx('w-1', 'WITHDRAWAL', { amount: 100 })),
        );

        // Assess: otherwise the reversal stays PENDING until the original happens to be redelivered
        expect(await interleaved).toMatchObject({ outcome: 'PENDING' });
        expect(result.outcome).toBe('POSTED');
        expect(await store.getTransaction('r-1')).toMatchObject({ status: 'POSTED' });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500 });
      });

      it('applies the first early reversal to arrive, whatever the ids, and refuses the later one ALREADY_REVERSED', async () => {
        // Prepare: the partial reversal (2000 dispensed) arrives first, under an id that sorts last
        await store.createAccount(anAccount('acct-1', { balance: 10_000 }));
        await post(tx('r-9', 'REVERSAL', { originalTransactionId: 'w-1', dispensedAmount: 2_000 }));
        await post(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' }));

        // Act
        const original = await post(tx('w-1', 'WITHDRAWAL', { amount: 6_000 }));

        // Assess: the ATM dispensed 2000, so only 4000 comes back
        expect(
          original.resumed?.map((r) => [
            r.record.transaction.transactionId,
            r.outcome,
            r.record.reason,
          ]),
        ).toEqual([
          ['r-9', 'POSTED', undefined],
          ['r-1', 'REJECTED', 'ALREADY_REVERSED'],
        ]);
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 8_000, version: 2 });
      });

      it('ends an early reversal whose original never came REJECTED ORIGINAL_NOT_FOUND, on the sweep after its wait', async () => {
        // Prepare: a one-minute window
        await store.createAccount(anAccount('acct-1', { balance: 10_000 }));
        const policy = { ...DEFAULT_LEDGER_POLICY, reversalWindowSeconds: 60 };
        const reversal = tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' });
        await postTransaction({ store, clock, policy }, command(reversal));
        const at = (iso: string) => ({ now: () => new Date(iso) });
        const logger = createLogger('suite');
        logger.setLogLevel('SILENT');

        // Act
        const early = await sweepTimers({ store, clock: at('2026-03-01T12:01:00.999Z'), logger });
        const onTime = await sweepTimers({ store, clock: at('2026-03-01T12:01:01.000Z'), logger });
        const again = await sweepTimers({ store, clock: at('2026-03-01T12:02:00.000Z'), logger });
        const original = await postTransaction(
          { store, clock: at('2026-03-01T12:03:00.000Z'), policy },
          command(tx('w-1', 'WITHDRAWAL', { amount: 6_000 })),
        );

        // Assess: the original still posts; the reversal it would have resumed stays refused
        expect([early.expired, onTime.expired, again.fired]).toEqual([0, 1, 0]);
        expect(await store.getTransaction('r-1')).toMatchObject({
          status: 'REJECTED',
          reason: 'ORIGINAL_NOT_FOUND',
        });
        expect(original.outcome).toBe('POSTED');
        expect(original.resumed ?? []).toEqual([]);
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 4_000, version: 1 });
      });

      it('leaves a reversal its original resumed alone on the sweep, and removes its timer', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 10_000 }));
        const policy = { ...DEFAULT_LEDGER_POLICY, reversalWindowSeconds: 60 };
        await postTransaction(
          { store, clock, policy },
          command(tx('r-1', 'REVERSAL', { originalTransactionId: 'w-1' })),
        );
        await postTransaction(
          { store, clock, policy },
          command(tx('w-1', 'WITHDRAWAL', { amount: 6_000 })),
        );
        const logger = createLogger('suite');
        logger.setLogLevel('SILENT');

        // Act
        const sweep = await sweepTimers({
          store,
          clock: { now: () => new Date('2026-03-01T13:00:00.000Z') },
          logger,
        });

        // Assess
        expect(sweep).toEqual({
          fired: 1,
          expired: 0,
          holdsExpired: 0,
          alreadyDecided: 1,
          failed: 0,
        });
        expect(await store.getTransaction('r-1')).toMatchObject({ status: 'POSTED' });
        expect(await store.dueTimers(timerShard('r-1'), '2026-03-01T13:00:00.000Z', 10)).toEqual(
          [],
        );
      });

      it('turns a redelivery into a DUPLICATE that moves nothing', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 100 }));
        const first = await post(tx('w-1', 'WITHDRAWAL', { amount: 40 }));

        // Act
        const again = await post(tx('w-1', 'WITHDRAWAL', { amount: 40 }));

        // Assess
        expect(first.outcome).toBe('POSTED');
        expect(again).toMatchObject({ outcome: 'DUPLICATE', record: { status: 'POSTED' } });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 60, version: 1 });
      });

      it('turns a different payload under a used id into a CONFLICT, counted once per payload', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 100 }));
        await post(tx('w-1', 'WITHDRAWAL', { amount: 40 }));

        // Act
        const first = await post(tx('w-1', 'WITHDRAWAL', { amount: 41 }));
        const again = await post(tx('w-1', 'WITHDRAWAL', { amount: 41 }));

        // Assess
        expect(first).toMatchObject({
          outcome: 'CONFLICT',
          counted: true,
          record: { conflicts: 1 },
        });
        expect(again).toMatchObject({
          outcome: 'CONFLICT',
          counted: false,
          record: { conflicts: 1 },
        });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 60 });
      });
    });

    describe('authorizations', () => {
      const DAY = T0.slice(0, 10);
      const policy = { ...DEFAULT_LEDGER_POLICY, holdTtlSeconds: 60 };
      /** When a hold approved at T1 expires under `policy`. */
      const EXPIRES = '2026-03-01T12:01:01.000Z';
      const at = (iso: string) => ({ now: () => new Date(iso) });
      const quiet = () => {
        const logger = createLogger('suite');
        logger.setLogLevel('SILENT');
        return logger;
      };
      const sweepAt = (iso: string) => sweepTimers({ store, clock: at(iso), logger: quiet() });

      /** Decides `fields` from what the store holds now, as authorize() does on a cold cache. */
      const decideAuthorizationNow = async (fields: AuthorizationFields) => {
        const command = authorizeCommand(fields);
        const state = { ...(await store.loadAuthorization(fields)), request: command };
        const events = decideAuthorization(command, state, T1, policy);
        const after = events.reduce(evolveAuthorizationState, state);
        return { state, events, record: after.existing };
      };

      /** The real authorize(), as the API runs it. */
      const authorizeNow = (fields: AuthorizationFields, clockAt = clock) =>
        authorize({ store, clock: clockAt, policy }, fields);

      const holdTimers = async (authorizationId: string, now: string) =>
        (await store.dueTimers(timerShard(authorizationId), now, 100)).filter(
          (t) => t.kind === 'HOLD_EXPIRY',
        );

      it('commits an approval: its record, the hold, the day’s usage and its expiry timer, in one write', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500, withdrawn: { [DAY]: 20 } }));
        const decision = await decideAuthorizationNow(anAuthorization('auth-1'));

        // Act
        const outcome = await store.commitAuthorization(decision.state, decision.events);

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(decision.record).toMatchObject({ status: 'APPROVED', expiresAt: EXPIRES });
        expect(await store.getAuthorization('auth-1')).toEqual(decision.record);
        expect(await store.getAccount('acct-1')).toEqual(
          anAccount('acct-1', { balance: 500, heldAmount: 100, withdrawn: { [DAY]: 120 } }),
        );
        expect(await holdTimers('auth-1', '2026-03-01T12:01:00.999Z')).toEqual([]);
        expect(await holdTimers('auth-1', EXPIRES)).toEqual([
          { kind: 'HOLD_EXPIRY', authorizationId: 'auth-1', dueAt: EXPIRES },
        ]);
      });

      it('commits a decline: its record, and nothing on the account and no timer', async () => {
        // Prepare
        const account = anAccount('acct-1', { balance: 50 });
        await store.createAccount(account);
        const decision = await decideAuthorizationNow(anAuthorization('auth-1'));

        // Act
        const outcome = await store.commitAuthorization(decision.state, decision.events);

        // Assess
        expect(outcome).toEqual({ kind: 'Committed' });
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'DECLINED',
          reason: 'INSUFFICIENT_FUNDS',
          availableBalance: 50,
        });
        expect(await store.getAccount('acct-1')).toEqual(account);
        expect(await holdTimers('auth-1', '2027-01-01T00:00:00.000Z')).toEqual([]);
      });

      it('commits a decline for an unknown account, and is Stale once the account exists', async () => {
        // Prepare
        const first = await decideAuthorizationNow(anAuthorization('auth-1'));
        const second = await decideAuthorizationNow(anAuthorization('auth-2'));
        await store.commitAuthorization(first.state, first.events);
        await store.createAccount(anAccount('acct-1', { balance: 500 }));

        // Act
        const outcome = await store.commitAuthorization(second.state, second.events);

        // Assess
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'DECLINED',
          reason: 'ACCOUNT_NOT_FOUND',
        });
        expect(outcome).toEqual({
          kind: 'Stale',
          account: anAccount('acct-1', { balance: 500 }),
        });
        expect(await store.getAuthorization('auth-2')).toBeUndefined();
      });

      it('reads back the authorization as decided: the request, its card’s last 4, its correlation id and its journal', async () => {
        // Prepare
        const account = anAccount('acct-1', { balance: 500, dailyWithdrawalLimit: 1_000 });
        await store.createAccount(account);

        // Act
        const decided = await authorize(
          { store, clock, policy },
          { ...anAuthorization('auth-1'), pan: '4111111111114242' },
          'corr-7',
        );

        // Assess
        const record = expectKind(decided, 'Decided').record;
        expect(record).toMatchObject({
          fields: { panLast4: '4242' },
          correlationId: 'corr-7',
          events: [{ type: 'ledger.authorization.approved', correlationId: 'corr-7' }],
        });
        expect(JSON.stringify(record)).not.toContain('4111111111114242');
        expect(await store.getAuthorization('auth-1')).toEqual(record);
        expect(await store.getAccount('acct-1')).toEqual({
          ...account,
          heldAmount: 100,
          withdrawn: { [DAY]: 100 },
        });
      });

      it('is AlreadyDecided with the record on file for a second commit of the same id, holding nothing twice', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const decision = await decideAuthorizationNow(anAuthorization('auth-1'));
        await store.commitAuthorization(decision.state, decision.events);

        // Act
        const outcome = await store.commitAuthorization(decision.state, decision.events);

        // Assess
        expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: decision.record });
        expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 100 });
      });

      it('is Stale with the current account, and writes nothing, when a posting landed since the read', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const decision = await decideAuthorizationNow(anAuthorization('auth-1'));
        await post(tx('d-1', 'DEPOSIT', { amount: 10 }));

        // Act
        const outcome = await store.commitAuthorization(decision.state, decision.events);

        // Assess
        const current = await store.getAccount('acct-1');
        expect(current).toMatchObject({ balance: 510, version: 1, heldAmount: 0 });
        expect(outcome).toEqual({ kind: 'Stale', account: current });
        expect(await store.getAuthorization('auth-1')).toBeUndefined();
        expect(await holdTimers('auth-1', '2027-01-01T00:00:00.000Z')).toEqual([]);
      });

      it('is Stale when another hold landed since the read, though the version did not move', async () => {
        // Prepare: both decided from one read; the answer's availableBalance must be exact
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const one = await decideAuthorizationNow(anAuthorization('auth-1'));
        const two = await decideAuthorizationNow(anAuthorization('auth-2'));
        await store.commitAuthorization(one.state, one.events);

        // Act
        const outcome = await store.commitAuthorization(two.state, two.events);

        // Assess
        const current = await store.getAccount('acct-1');
        expect(current).toMatchObject({ version: 0, heldAmount: 100 });
        expect(outcome).toEqual({ kind: 'Stale', account: current });
        expect(await store.getAuthorization('auth-2')).toBeUndefined();
      });

      it('authorize() answers an identical retry with the decision on file, and a conflict with the fields that differ', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const first = await authorizeNow(anAuthorization('auth-1'));

        // Act
        const again = await authorizeNow(anAuthorization('auth-1'));
        const other = await authorizeNow(
          anAuthorization('auth-1', { amount: 200, atmId: 'atm-2' }),
        );

        // Assess
        expect(first.kind).toBe('Decided');
        expect(again).toMatchObject({ kind: 'Identical', record: { status: 'APPROVED' } });
        expect(other).toMatchObject({ kind: 'Conflict', fields: ['amount', 'atmId'] });
        expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 100 });
      });

      it('completes against the hold: the withdrawal posts, COMPLETED, the hold ends', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 100 }));
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const completion = await post(tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1' }));

        // Assess
        expect(completion.outcome).toBe('POSTED');
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'COMPLETED',
          completedAmount: 100,
          endedBy: 'w-1',
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 0,
          version: 1,
          heldAmount: 0,
          withdrawn: { [DAY]: 100 },
        });
        expect(Object.fromEntries(await store.trialBalance())).toEqual({
          EUR: { debits: 100n, credits: 100n },
        });
      });

      it('completes partly: the rest of the hold is released and the day gets it back', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        await post(tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1', amount: 60 }));

        // Assess
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'COMPLETED',
          completedAmount: 60,
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 440,
          heldAmount: 0,
          withdrawn: { [DAY]: 60 },
        });
      });

      it('conditions a completion on the status it read: an expiry landing in between is AuthorizationChanged', async () => {
        // Prepare: the completion is decided while the hold is APPROVED; then the hold expires
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));
        const completion = tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1' });
        const decision = await decideNow(completion);
        await sweepAt(EXPIRES);

        // Act
        const outcome = await commit(decision);

        // Assess: nothing moved; decided again, it completes without releasing the hold twice
        expect(outcome).toEqual({
          kind: 'AuthorizationChanged',
          authorization: expect.objectContaining({ status: 'EXPIRED' }),
        });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, heldAmount: 0 });
        expect(await store.getTransaction('w-1')).toBeUndefined();
        expect((await post(completion)).outcome).toBe('POSTED');
        expect(await store.getAuthorization('auth-1')).toMatchObject({ status: 'COMPLETED' });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 400,
          heldAmount: 0,
          withdrawn: { [DAY]: 100 },
        });
      });

      it('conditions a refusal AUTHORIZATION_NOT_FOUND on the absence: an approval landing in between is AuthorizationChanged', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        const completion = tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1' });
        const decision = await decideNow(completion);
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const outcome = await commit(decision);

        // Assess
        expect(decision.record).toMatchObject({ reason: 'AUTHORIZATION_NOT_FOUND' });
        expect(outcome).toEqual({
          kind: 'AuthorizationChanged',
          authorization: expect.objectContaining({ status: 'APPROVED' }),
        });
        expect(await store.getTransaction('w-1')).toBeUndefined();
      });

      it('releases a hold: RELEASED, no entry, the hold and the day given back', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const release = await post(tx('r-1', 'REVERSAL', { authorizationId: 'auth-1' }));
        const late = await post(tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1' }));

        // Assess
        expect(release.outcome).toBe('POSTED');
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'RELEASED',
          endedBy: 'r-1',
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 500,
          version: 0,
          heldAmount: 0,
          withdrawn: { [DAY]: 0 },
        });
        expect((await store.listEntries('acct-1', 10)).items).toEqual([]);
        expect(late).toMatchObject({
          outcome: 'REJECTED',
          record: { reason: 'AUTHORIZATION_NOT_ACTIVE' },
        });
      });

      it('sweepTimers expires a due hold, not a millisecond early, and restores availability', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const early = await sweepAt('2026-03-01T12:01:00.999Z');
        const due = await sweepAt(EXPIRES);
        const again = await sweepAt('2026-03-01T12:05:00.000Z');

        // Assess: the day keeps it, as a completion may still come
        expect([early.holdsExpired, due.holdsExpired, again.fired]).toEqual([0, 1, 0]);
        expect(await store.getAuthorization('auth-1')).toMatchObject({ status: 'EXPIRED' });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 500,
          heldAmount: 0,
          withdrawn: { [DAY]: 100 },
        });
        expect(await holdTimers('auth-1', '2027-01-01T00:00:00.000Z')).toEqual([]);
        expect(await authorizeNow(anAuthorization('auth-2', { amount: 500 }))).toMatchObject({
          record: { status: 'APPROVED', availableBalance: 0 },
        });
      });

      it('sweepTimers leaves a completed hold alone, and removes its timer', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));
        await post(tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1', amount: 60 }));

        // Act
        const sweep = await sweepAt(EXPIRES);

        // Assess
        expect(sweep).toEqual({
          fired: 1,
          expired: 0,
          holdsExpired: 0,
          alreadyDecided: 1,
          failed: 0,
        });
        expect(await store.getAuthorization('auth-1')).toMatchObject({ status: 'COMPLETED' });
        expect(await store.getAccount('acct-1')).toMatchObject({ balance: 440, heldAmount: 0 });
        expect(await holdTimers('auth-1', '2027-01-01T00:00:00.000Z')).toEqual([]);
      });

      it('refuses a funds-checked withdrawal that a hold overtook between its read and its write', async () => {
        // Prepare: the withdrawal is decided on 100 available; the hold takes it first
        await store.createAccount(anAccount('acct-1', { balance: 100 }));
        const withdrawal = tx('w-1', 'WITHDRAWAL', { amount: 100 });
        const decision = await decideNow(withdrawal);
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const outcome = await commit(decision);
        const decidedAgain = await post(withdrawal);

        // Assess
        expect(decision.kind).toBe('Post');
        expect(outcome).toMatchObject({ kind: 'Stale' });
        expect(decidedAgain).toMatchObject({
          outcome: 'REJECTED',
          record: { reason: 'INSUFFICIENT_FUNDS' },
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 100,
          version: 0,
          heldAmount: 100,
        });
      });

      it('postTransaction decides a completion again when the hold expired between its read and its write', async () => {
        // Prepare: the sweep runs between the completion's read and its write
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));
        let swept: Promise<unknown> | undefined;
        const racing = delegateTo(store, {
          commit: async (state, events) => {
            swept ??= sweepAt(EXPIRES);
            await swept;
            return store.commit(state, events);
          },
        });

        // Act
        const result = await postTransaction(
          { store: racing, clock },
          command(tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1', amount: 70 })),
        );

        // Assess: the expiry ended the hold, so the completion releases none of it
        expect(await swept).toMatchObject({ holdsExpired: 1 });
        expect(result.outcome).toBe('POSTED');
        expect(result.outcome === 'POSTED' ? result.events[1] : undefined).toMatchObject({
          type: 'ledger.authorization.completed',
          releasedHold: 0,
        });
        expect(await store.getAuthorization('auth-1')).toMatchObject({
          status: 'COMPLETED',
          completedAmount: 70,
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 430,
          heldAmount: 0,
          withdrawn: { [DAY]: 70 },
        });
      });

      it('ends a hold exactly once when completions and a release race for it', async () => {
        // Prepare
        await store.createAccount(anAccount('acct-1', { balance: 500 }));
        await authorizeNow(anAuthorization('auth-1'));
        const racers = [
          tx('w-1', 'WITHDRAWAL', { authorizationId: 'auth-1', amount: 100 }),
          tx('r-1', 'REVERSAL', { authorizationId: 'auth-1' }),
          tx('w-2', 'WITHDRAWAL', { authorizationId: 'auth-1', amount: 50 }),
        ];

        // Act
        const outcomes = await Promise.all(racers.map((r) => post(r)));

        // Assess
        const won = outcomes.filter((o) => o.outcome === 'POSTED');
        expect(won).toHaveLength(1);
        const winner = won[0]?.record.transaction;
        expect(
          outcomes
            .filter((o) => o.outcome === 'REJECTED')
            .map((o) => o.record.reason)
            .every((r) => r === 'ALREADY_COMPLETED' || r === 'AUTHORIZATION_NOT_ACTIVE'),
        ).toBe(true);
        const account = await store.getAccount('acct-1');
        expect(account?.heldAmount).toBe(0);
        expect(account?.balance).toBe(
          winner?.type === 'WITHDRAWAL' ? 500 - (winner.amount ?? 0) : 500,
        );
        expect((await store.getAuthorization('auth-1'))?.endedBy).toBe(winner?.transactionId);
      });

      it('refuses a plain withdrawal DAILY_LIMIT_EXCEEDED when a hold filled the day between its read and its write', async () => {
        // Prepare: plenty of funds, so only the day's usage can refuse it
        await store.createAccount(
          anAccount('acct-1', { balance: 1_000, dailyWithdrawalLimit: 100 }),
        );
        const withdrawal = tx('w-1', 'WITHDRAWAL', { amount: 100 });
        const decision = await decideNow(withdrawal);
        await authorizeNow(anAuthorization('auth-1'));

        // Act
        const outcome = await commit(decision);
        const decidedAgain = await post(withdrawal);

        // Assess
        expect(decision.kind).toBe('Post');
        expect(outcome).toMatchObject({ kind: 'Stale' });
        expect(decidedAgain).toMatchObject({
          outcome: 'REJECTED',
          record: { reason: 'DAILY_LIMIT_EXCEEDED' },
        });
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 1_000,
          heldAmount: 100,
          withdrawn: { [DAY]: 100 },
        });
      });

      it('drops days of usage past the retention as it writes the account', async () => {
        // Prepare: 25 January is the oldest day a write on 1 March keeps
        await store.createAccount(
          anAccount('acct-1', {
            balance: 500,
            withdrawn: { '2026-01-24': 50, '2026-01-25': 30, [DAY]: 20 },
          }),
        );

        // Act
        await authorizeNow(anAuthorization('auth-1'));

        // Assess
        expect((await store.getAccount('acct-1'))?.withdrawn).toEqual({
          '2026-01-25': 30,
          [DAY]: 120,
        });
      });

      it('approves exactly 30 of 50 concurrent authorizations of 100 against 3000 available', async () => {
        // Prepare: 1000 + 2000 overdraft
        await store.createAccount(anAccount('acct-1', { balance: 1_000, overdraftLimit: 2_000 }));
        const requests = Array.from({ length: 50 }, (_, i) => anAuthorization(`auth-${i}`));

        // Act
        const outcomes = await Promise.all(requests.map((r) => authorizeNow(r)));

        // Assess: each approval answered the balance it left, so no two answered the same
        const records = outcomes.map((o) => expectKind(o, 'Decided').record);
        const approved = records.filter((r) => r.status === 'APPROVED');
        const declined = records.filter((r) => r.status === 'DECLINED');
        expect([approved.length, declined.length]).toEqual([30, 20]);
        expect(declined.every((r) => r.reason === 'INSUFFICIENT_FUNDS')).toBe(true);
        expect(approved.map((r) => r.availableBalance).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
          Array.from({ length: 30 }, (_, i) => i * 100),
        );
        expect(await store.getAccount('acct-1')).toMatchObject({
          balance: 1_000,
          version: 0,
          heldAmount: 3_000,
          withdrawn: { [DAY]: 3_000 },
        });
        for (const r of records) {
          expect((await store.getAuthorization(r.fields.authorizationId))?.status).toBe(r.status);
        }
        // Every loser reads the account from its failed write and tries again, backing off.
      }, 120_000);
    });
  });
}
