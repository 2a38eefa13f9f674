import type { AtmTransaction, LedgerEvent } from '@atm-ledger/contracts';
import { describe, expect, it, vi } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { postTransaction, type RetryPolicy } from '../../src/application/postTransaction.js';
import {
  type Account,
  type LedgerState,
  RetriesExhaustedError,
  type TransactionRecord,
} from '../../src/domain/index.js';
import {
  type CommitOutcome,
  type LedgerStore,
  RetryableStoreError,
  StoreError,
} from '../../src/ports.js';
import {
  anAccount,
  aReversal,
  aTransfer,
  aWithdrawal,
  decisionOf,
  fixedClock,
  NOW,
  postCommand,
  stateOf,
} from '../support/builders.js';

type Scripted<T> = T | Error;

/**
 * A store that answers from a script, in order, and records what it was
 * asked. An unscripted call fails the test, so a case proves exactly which
 * calls postTransaction makes.
 */
class ScriptedStore implements LedgerStore {
  readonly loads: AtmTransaction[] = [];
  /** Each commit: the state it was decided from and the events. */
  readonly commits: { state: LedgerState; events: readonly LedgerEvent[] }[] = [];

  constructor(
    private readonly script: {
      load?: Scripted<LedgerState>[];
      commit?: Scripted<CommitOutcome>[];
    },
  ) {}

  /** The event types of each commit, in order. */
  get committed(): string[] {
    return this.commits.map((c) => c.events.map((e) => e.type).join(','));
  }

  private next<T>(queue: Scripted<T>[] | undefined, name: string): T {
    const step = queue?.shift();
    if (step === undefined) throw new Error(`unscripted call to ${name}`);
    if (step instanceof Error) throw step;
    return step;
  }

  async load(transaction: AtmTransaction) {
    this.loads.push(transaction);
    return this.next(this.script.load, 'load');
  }
  async commit(state: LedgerState, events: readonly LedgerEvent[]) {
    this.commits.push({ state, events });
    return this.next(this.script.commit, 'commit');
  }
  createAccount(): never {
    throw new Error('unscripted call to createAccount');
  }
  getAccount(): never {
    throw new Error('unscripted call to getAccount');
  }
  getTransaction(): never {
    throw new Error('unscripted call to getTransaction');
  }
  getAcceptance(): never {
    throw new Error('unscripted call to getAcceptance');
  }
  listEntries(): never {
    throw new Error('unscripted call to listEntries');
  }
  trialBalance(): never {
    throw new Error('unscripted call to trialBalance');
  }
  listAccounts(): never {
    throw new Error('unscripted call to listAccounts');
  }
  journalTotals(): never {
    throw new Error('unscripted call to journalTotals');
  }

  async loadAuthorization(): Promise<never> {
    throw new Error('unscripted call to loadAuthorization');
  }

  async commitAuthorization(): Promise<never> {
    throw new Error('unscripted call to commitAuthorization');
  }

  async getAuthorization(): Promise<never> {
    throw new Error('unscripted call to getAuthorization');
  }
}

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 8,
  baseDelayMs: 10,
  maxDelayMs: 1_000,
  maxRounds: 5,
  ...overrides,
});

/** Dependencies with a recorded, instant sleep; `random` defaults to the top of its range. */
function deps(store: LedgerStore, opts: { retry?: RetryPolicy; random?: () => number } = {}) {
  const delays: number[] = [];
  return {
    delays,
    deps: {
      store,
      clock: fixedClock(),
      retry: opts.retry ?? policy(),
      random: opts.random ?? (() => 0.999_999),
      sleep: async (ms: number) => {
        delays.push(ms);
      },
    },
  };
}

/** The first commit is applied, but its caller sees a timeout instead of the answer. */
class LosesFirstCommitResponse extends InMemoryLedgerStore {
  private lost = false;
  override async commit(
    state: LedgerState,
    events: readonly LedgerEvent[],
  ): Promise<CommitOutcome> {
    const outcome = await super.commit(state, events);
    if (this.lost) return outcome;
    this.lost = true;
    throw new RetryableStoreError('DynamoDB TimeoutError failed: socket hang up');
  }
}

const throttled = () => new RetryableStoreError('DynamoDB ThrottlingException failed: slow down');
const funded = anAccount({ balance: 100, version: 1 });
const withdrawal = aWithdrawal({ amount: 50 });

/** The record a first, successful posting of `tx` against `accounts` writes. */
function recordOf(tx: AtmTransaction, accounts: Account[]): TransactionRecord {
  const decision = decisionOf(postCommand(tx), stateOf({ accounts }), NOW);
  if (decision.kind === 'Duplicate' || decision.kind === 'Conflict')
    throw new Error('expected a first decision');
  return decision.record;
}

/** The events of that first posting. */
const eventsOf = (tx: AtmTransaction, accounts: Account[]) => recordOf(tx, accounts).events;

describe('postTransaction', () => {
  it('loads, decides and commits once when nothing races it', async () => {
    // Prepare
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [{ kind: 'Committed' }],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess
    expect(result).toEqual({
      outcome: 'POSTED',
      record: recordOf(withdrawal, [funded]),
      events: eventsOf(withdrawal, [funded]),
      attempts: 2,
    });
    expect(store.loads).toEqual([withdrawal]);
    expect(store.committed).toEqual(['ledger.transaction.posted']);
  });

  it('commits a rejection and reports REJECTED', async () => {
    const store = new ScriptedStore({
      load: [stateOf({ absent: ['acct-1'] })],
      commit: [{ kind: 'Committed' }],
    });

    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    expect(result).toMatchObject({ outcome: 'REJECTED', record: { reason: 'ACCOUNT_NOT_FOUND' } });
  });

  it('commits a pend and reports PENDING', async () => {
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [{ kind: 'Committed' }],
    });

    const result = await postTransaction(deps(store).deps, postCommand(aReversal('w-9')));

    expect(result.outcome).toBe('PENDING');
    expect(store.committed).toEqual(['ledger.reversal.pending']);
  });
});

describe('postTransaction: retryable store failures', () => {
  it('backs off with jitter under a cap that doubles with each failure', async () => {
    // Prepare
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [throttled(), throttled(), throttled(), throttled(), { kind: 'Committed' }],
    });
    const { deps: d, delays } = deps(store, {
      retry: policy({ baseDelayMs: 10, maxDelayMs: 1_000 }),
    });

    // Act
    const result = await postTransaction(d, postCommand(withdrawal));

    // Assess
    expect(result).toMatchObject({ outcome: 'POSTED', attempts: 6 });
    const caps = [20, 40, 80, 160];
    expect(delays).toHaveLength(caps.length);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(caps[i] ?? 0);
    });
    for (let i = 1; i < delays.length; i++)
      expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? Number.POSITIVE_INFINITY);
  });

  it('never waits longer than maxDelayMs however many failures', async () => {
    // Prepare
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [...Array.from({ length: 9 }, throttled), { kind: 'Committed' }],
    });
    const { deps: d, delays } = deps(store, {
      retry: policy({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 250 }),
    });

    // Act
    await postTransaction(d, postCommand(withdrawal));

    // Assess
    expect(delays).toHaveLength(9);
    expect(Math.max(...delays)).toBeLessThanOrEqual(250);
    // The cap is reached from the second failure on (100 * 2^2 > 250).
    expect(delays.slice(1).every((ms) => ms === 249)).toBe(true);
  });

  it('draws each delay from random: full jitter, so contending writers spread out', async () => {
    // Prepare
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [throttled(), throttled(), { kind: 'Committed' }],
    });
    const draws = [0, 0.5];
    const { deps: d, delays } = deps(store, { random: () => draws.shift() ?? 1 });

    // Act
    await postTransaction(d, postCommand(withdrawal));

    // Assess: caps of 20 then 40
    expect(delays).toEqual([0, 20]);
  });

  it('retries a failing load the same way', async () => {
    const store = new ScriptedStore({
      load: [throttled(), stateOf({ accounts: [funded] })],
      commit: [{ kind: 'Committed' }],
    });
    const { deps: d, delays } = deps(store);

    const result = await postTransaction(d, postCommand(withdrawal));

    expect(result).toMatchObject({ outcome: 'POSTED', attempts: 3 });
    expect(delays).toHaveLength(1);
  });

  it('gives up with RetriesExhaustedError after maxAttempts, keeping the last failure as its cause', async () => {
    // Prepare
    const last = throttled();
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [throttled(), throttled(), last],
    });
    const { deps: d, delays } = deps(store, { retry: policy({ maxAttempts: 3 }) });

    // Act
    const error = await postTransaction(d, postCommand(withdrawal)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).cause).toBe(last);
    expect(store.commits).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('does not retry a failure that retrying cannot fix', async () => {
    // Prepare
    const broken = new StoreError('DynamoDB ValidationException failed');
    const store = new ScriptedStore({ load: [stateOf({ accounts: [funded] })], commit: [broken] });
    const { deps: d, delays } = deps(store);

    // Act
    const act = postTransaction(d, postCommand(withdrawal));

    // Assess
    await expect(act).rejects.toBe(broken);
    expect(delays).toEqual([]);
  });

  it('sleeps for real by default, with Math.random as the jitter source', async () => {
    // Prepare
    vi.useFakeTimers();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [throttled(), { kind: 'Committed' }],
    });

    try {
      // Act
      const pending = postTransaction(
        { store, clock: fixedClock(), retry: policy() },
        postCommand(withdrawal),
      );
      await vi.advanceTimersByTimeAsync(9);
      const committedEarly = store.commits.length;
      await vi.advanceTimersByTimeAsync(1);
      const result = await pending;

      // Assess: 0.5 of a 20 ms cap is 10 ms
      expect(committedEarly).toBe(1);
      expect(result.outcome).toBe('POSTED');
      expect(store.commits).toHaveLength(2);
    } finally {
      random.mockRestore();
      vi.useRealTimers();
    }
  });
});

describe('postTransaction: lost races', () => {
  it('on Stale, decides again from the account the store reported, without loading again', async () => {
    // Prepare: the account was drained between our read and our write
    const drained = anAccount({ balance: 30, version: 2 });
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [{ kind: 'Stale', accounts: new Map([['acct-1', drained]]) }, { kind: 'Committed' }],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess
    expect(store.loads).toHaveLength(1);
    const [, second] = store.commits;
    expect(second?.state.accounts.get('acct-1')).toEqual(drained);
    expect(second?.events).toEqual([
      expect.objectContaining({
        type: 'ledger.transaction.rejected',
        reason: 'INSUFFICIENT_FUNDS',
      }),
    ]);
    expect(result.outcome).toBe('REJECTED');
  });

  it('on Stale, keeps the accounts the store did not report', async () => {
    // Prepare
    const from = anAccount({ accountId: 'acct-1', balance: 500, version: 3 });
    const to = anAccount({ accountId: 'acct-2', balance: 0, version: 1 });
    const movedTo = { ...to, balance: 7, version: 2 };
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [from, to] })],
      commit: [{ kind: 'Stale', accounts: new Map([['acct-2', movedTo]]) }, { kind: 'Committed' }],
    });

    // Act
    await postTransaction(deps(store).deps, postCommand(aTransfer({ amount: 100 })));

    // Assess
    const second = store.commits[1];
    expect(store.committed).toEqual(['ledger.transaction.posted', 'ledger.transaction.posted']);
    expect(second?.state.accounts.get('acct-2')).toEqual(movedTo);
    expect(second?.events[0]).toMatchObject({
      movements: [
        { accountId: 'acct-1', sequence: from.version + 1 },
        { accountId: 'acct-2', balanceBefore: 7, balanceAfter: 107, sequence: 3 },
      ],
    });
  });

  it('on AlreadyDecided with the same payload, returns DUPLICATE', async () => {
    // Prepare
    const existing = recordOf(withdrawal, [funded]);
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [{ kind: 'AlreadyDecided', existing }],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess
    expect(result).toEqual({ outcome: 'DUPLICATE', record: existing, attempts: 2 });
    expect(store.commits).toHaveLength(1);
  });

  it('turns a timeout after a write that actually landed into a DUPLICATE that moved the money once', async () => {
    // Prepare: the write lands, then the response is lost
    const store = new LosesFirstCommitResponse();
    await store.createAccount(funded);

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess
    expect(result.outcome).toBe('DUPLICATE');
    expect(result.record.status).toBe('POSTED');
    expect(await store.getAccount('acct-1')).toMatchObject({ balance: 50, version: 2 });
    expect(store.entries.get('acct-1')).toHaveLength(1);
  });

  it('on AlreadyDecided with a different payload, records and returns a CONFLICT', async () => {
    // Prepare
    const existing = recordOf(aWithdrawal({ amount: 60 }), [funded]);
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [{ kind: 'AlreadyDecided', existing }, { kind: 'Committed' }],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess: the conflict is its event, committed against the record that stands
    expect(result).toMatchObject({ outcome: 'CONFLICT', counted: true, record: { conflicts: 1 } });
    expect(store.commits[1]?.state.existing).toEqual(existing);
    expect(store.commits[1]?.events).toEqual([
      expect.objectContaining({
        id: 'w-1:conflict:1',
        conflictingPayloadHash: postCommand(withdrawal).payloadHash,
        detectedAt: NOW,
      }),
    ]);
  });

  it('on OriginalChanged, decides again from the original the store reported', async () => {
    // Prepare
    const original = recordOf(aWithdrawal({ amount: 40 }), [funded]);
    const after = anAccount({ balance: 60, version: 2 });
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [after], original })],
      commit: [
        { kind: 'OriginalChanged', original: { ...original, reversedBy: 'r-other' } },
        { kind: 'Committed' },
      ],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(aReversal('w-1')));

    // Assess
    expect(result).toMatchObject({ outcome: 'REJECTED', record: { reason: 'ALREADY_REVERSED' } });
    expect(store.loads).toHaveLength(1);
  });

  it('gives up with RetriesExhaustedError when the state keeps moving for maxRounds', async () => {
    // Prepare
    const stale = (version: number): CommitOutcome => ({
      kind: 'Stale',
      accounts: new Map([['acct-1', anAccount({ balance: 1_000, version })]]),
    });
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded] })],
      commit: [stale(2), stale(3), stale(4)],
    });

    // Act
    const act = postTransaction(
      deps(store, { retry: policy({ maxRounds: 3 }) }).deps,
      postCommand(withdrawal),
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(store.commits).toHaveLength(3);
  });
});

describe('postTransaction: redeliveries found on load', () => {
  it('returns DUPLICATE without writing', async () => {
    const existing = recordOf(withdrawal, [funded]);
    const store = new ScriptedStore({ load: [stateOf({ accounts: [funded], existing })] });

    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    expect(result).toEqual({ outcome: 'DUPLICATE', record: existing, attempts: 1 });
  });

  it('counts a CONFLICT once: the same conflicting payload again writes nothing', async () => {
    const existing = recordOf(aWithdrawal({ amount: 60 }), [funded]);
    const counted = {
      ...existing,
      conflicts: 1,
      conflictHashes: [postCommand(withdrawal).payloadHash],
    };
    const store = new ScriptedStore({ load: [stateOf({ accounts: [funded], existing: counted })] });

    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    expect(result).toMatchObject({ outcome: 'CONFLICT', counted: false, record: { conflicts: 1 } });
    expect(store.commits).toEqual([]);
  });
});

// The resume itself (in order, after a rejected original, after a crash) is covered in earlyReversal.unit.test.ts.
describe('postTransaction: reversals that waited for their original', () => {
  async function storeWithPendingReversal() {
    const store = new InMemoryLedgerStore();
    await store.createAccount(anAccount({ balance: 500 }));
    const early = await postTransaction(deps(store).deps, postCommand(aReversal('w-1')));
    expect(early.outcome).toBe('PENDING');
    return store;
  }

  it('resumes nothing twice when the original is redelivered after its reversals were decided', async () => {
    // Prepare
    const store = await storeWithPendingReversal();
    await postTransaction(deps(store).deps, postCommand(aWithdrawal({ amount: 100 })));

    // Act
    const again = await postTransaction(
      deps(store).deps,
      postCommand(aWithdrawal({ amount: 100 })),
    );

    // Assess
    expect(again.outcome).toBe('DUPLICATE');
    expect(again.resumed ?? []).toEqual([]);
    expect(await store.getAccount('acct-1')).toMatchObject({ balance: 500, version: 2 });
  });

  it('resumes nothing after a CONFLICT: the conflicting payload is not the original they wait for', async () => {
    // Prepare: getTransaction is unscripted, so resuming would fail the test
    const existing = recordOf(aWithdrawal({ amount: 60 }), [funded]);
    const store = new ScriptedStore({
      load: [stateOf({ accounts: [funded], existing, waiting: ['r-w-1'] })],
      commit: [{ kind: 'Committed' }],
    });

    // Act
    const result = await postTransaction(deps(store).deps, postCommand(withdrawal));

    // Assess
    expect(result.outcome).toBe('CONFLICT');
    expect(result.resumed).toBeUndefined();
  });
});
