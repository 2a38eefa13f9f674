import {
  type AtmTransaction,
  type AuthorizationRequest,
  type LedgerEvent,
  payloadHash,
} from '@atm-ledger/contracts';
import {
  type Account,
  AccountCache,
  type AuthorizationRecord,
  authorize,
  availableBalance,
  emptyAccount,
  InMemoryLedgerStore,
  type LedgerStore,
  postTransaction,
  sweepTimers,
  type TimerStore,
  withdrawnOn,
} from '@atm-ledger/ledger';
import { createLogger } from '@atm-ledger/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numRuns } from './ledgerModel.suite.js';

const at = '2026-11-27T09:00:00.000Z';
const clock = { now: () => new Date(at) };
const logger = createLogger('races-test');
logger.setLogLevel('SILENT');

/** Every store call becomes a point where the scheduler may let another invocation run first. */
function scheduled(store: InMemoryLedgerStore, s: fc.Scheduler): LedgerStore & TimerStore {
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A) =>
      s.schedule(fn.apply(store, args), name);
  return {
    load: wrap('load', store.load),
    commit: wrap('commit', store.commit),
    createAccount: wrap('createAccount', store.createAccount),
    getAccount: wrap('getAccount', store.getAccount),
    getTransaction: wrap('getTransaction', store.getTransaction),
    getAcceptance: wrap('getAcceptance', store.getAcceptance),
    listEntries: wrap('listEntries', store.listEntries),
    trialBalance: wrap('trialBalance', store.trialBalance),
    listAccounts: wrap('listAccounts', store.listAccounts),
    journalTotals: wrap('journalTotals', store.journalTotals),
    loadAuthorization: wrap('loadAuthorization', store.loadAuthorization),
    commitAuthorization: wrap('commitAuthorization', store.commitAuthorization),
    getAuthorization: wrap('getAuthorization', store.getAuthorization),
    timerShards: store.timerShards,
    dueTimers: wrap('dueTimers', store.dueTimers),
    deleteTimer: wrap('deleteTimer', store.deleteTimer),
  };
}

const arbConcurrentTx = () =>
  fc.record({
    kind: fc.constantFrom('WITHDRAWAL', 'DEPOSIT', 'TRANSFER', 'DUPLICATE'),
    account: fc.constantFrom('A', 'B'),
    amount: fc.constantFrom(1_000, 3_000, 5_000),
  });

describe('ledger under concurrent invocations (fc.scheduler)', () => {
  it(
    'keeps every invariant whatever the interleaving of reads and conditional writes',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.scheduler(),
          fc.array(arbConcurrentTx(), { minLength: 2, maxLength: 8 }),
          async (s, specs) => {
            // Prepare
            const inner = new InMemoryLedgerStore();
            for (const id of ['A', 'B']) {
              await inner.createAccount(
                emptyAccount({
                  accountId: id,
                  currency: 'USD',
                  overdraftLimit: id === 'A' ? 2_000 : 0,
                  lowBalanceThreshold: 0,
                  createdAt: at,
                }),
              );
            }
            await postTransaction(
              { store: inner, clock },
              cmd({
                transactionId: 'seed',
                type: 'DEPOSIT',
                accountId: 'A',
                atmId: 'atm-1',
                occurredAt: at,
                amount: 6_000,
                currency: 'USD',
              }),
            );
            const store = scheduled(inner, s);
            const txs: AtmTransaction[] = specs.map((spec, i) => {
              const base = {
                transactionId: `t-${i}`,
                accountId: spec.account,
                atmId: 'atm-1',
                occurredAt: at,
                amount: spec.amount,
                currency: 'USD',
              };
              switch (spec.kind) {
                case 'WITHDRAWAL':
                case 'DEPOSIT':
                  return { ...base, type: spec.kind };
                case 'TRANSFER':
                  return {
                    ...base,
                    type: 'TRANSFER',
                    toAccountId: spec.account === 'A' ? 'B' : 'A',
                  };
                case 'DUPLICATE':
                  // Same id as the first one: two invocations racing on one transaction id.
                  return { ...base, transactionId: 't-0', type: 'WITHDRAWAL' };
                default:
                  throw new Error(`unknown kind ${spec.kind satisfies never}`);
              }
            });

            // Act
            const runs = txs.map((tx) =>
              postTransaction({ store, clock, sleep: async () => {} }, cmd(tx)).then(
                (o) => o.outcome,
                (e: Error) => e.message,
              ),
            );
            // Releases scheduled store calls one at a time, in the scheduler's order, until every invocation ends.
            const outcomes = await s.waitFor(Promise.all(runs));

            // Assess
            for (const id of ['A', 'B']) {
              const account = inner.accounts.get(id);
              const entries = inner.entries.get(id) ?? [];
              expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
              expect(new Set(entries.map((e) => e.transactionId)).size).toBe(entries.length);
              let balance = 0;
              for (const e of entries) {
                balance += e.amount;
                expect(e.balanceAfter).toBe(balance);
                expect(balance).toBeGreaterThanOrEqual(-(account?.overdraftLimit ?? 0));
              }
              expect(account?.balance).toBe(balance);
              expect(account?.version).toBe(entries.length);
            }
            for (const [currency, t] of await inner.trialBalance())
              expect(t.debits, currency).toBe(t.credits);
            for (const o of outcomes)
              expect(['POSTED', 'REJECTED', 'DUPLICATE', 'CONFLICT']).toContain(o);
            // One transaction id, one decision: a racing duplicate never posts a second time,
            // so the entries of t-0 are exactly the movements of its one remembered record.
            const posted = [...inner.entries.values()]
              .flat()
              .filter((e) => e.transactionId === 't-0');
            const record = inner.transactions.get('t-0');
            const byAccount = (a: [string, number], b: [string, number]) =>
              a[0].localeCompare(b[0]);
            expect(
              posted.map((e): [string, number] => [e.accountId, e.amount]).sort(byAccount),
            ).toEqual(
              record?.status === 'POSTED'
                ? record.movements
                    .map((m): [string, number] => [m.accountId, m.amount])
                    .sort(byAccount)
                : [],
            );
          },
        ),
        { numRuns: numRuns(300) },
      );
      // Scales with FC_NUM_RUNS: about 15 ms a case, so a 10,000-case run fits too.
    },
    Math.max(60_000, numRuns(300) * 50),
  );
});

function cmd(transaction: AtmTransaction) {
  return { kind: 'PostTransaction' as const, transaction, payloadHash: payloadHash(transaction) };
}

const HOLD_TTL_SECONDS = 3_600;
const ACCOUNT = 'A';
const OVERDRAFT = 2_000;
const DAILY_LIMIT = 9_000;
/** The sweeps' clock: past every hold's expiry, so a sweep racing the rest expires what is still held. */
const late = { now: () => new Date(Date.parse(at) + HOLD_TTL_SECONDS * 1000) };

/** What one racer does on the account: the API's authorize(), a posting off the stream, or a sweep. */
const arbRacer = () =>
  fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('AUTHORIZE' as const),
        amount: fc.constantFrom(1_000, 3_000, 5_000),
      }),
      weight: 5,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('RETRY' as const),
        pick: fc.nat(),
        changed: fc.boolean(),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('COMPLETE' as const),
        pick: fc.nat(),
        dispensed: fc.constantFrom('all', 'part'),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('RELEASE' as const), pick: fc.nat() }), weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constantFrom('WITHDRAWAL' as const, 'DEPOSIT' as const, 'ADVICE' as const),
        amount: fc.constantFrom(1_000, 3_000, 5_000),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('SWEEP' as const) }), weight: 1 },
  );

type Racer = ReturnType<typeof arbRacer> extends fc.Arbitrary<infer R> ? R : never;

/** A committed write's effect on the account, for the rules that hold at every step. */
interface Step {
  readonly before: Account;
  readonly after: Account;
  readonly events: readonly LedgerEvent[];
}

/**
 * Records every committed write of the store with the account before and
 * after it: the in-memory store applies a commit at once, so these are the
 * account's states in the order the writes landed.
 */
function recording(store: InMemoryLedgerStore, steps: Step[]) {
  const account = () => store.accounts.get(ACCOUNT) as Account;
  const record =
    <S, E extends LedgerEvent, R extends { kind: string }>(
      write: (state: S, events: readonly E[]) => Promise<R>,
    ) =>
    (state: S, events: readonly E[]) => {
      const before = account();
      // The memory store decides and applies a write before its first await: `after` is the
      // account as this write left it, before any other write can land.
      const result = write(state, events);
      const after = account();
      return result.then((r) => {
        if (r.kind === 'Committed') steps.push({ before, after, events });
        return r;
      });
    };
  store.commit = record(store.commit.bind(store));
  store.commitAuthorization = record(store.commitAuthorization.bind(store));
}

/** Money that moves whatever the balance: an advice (dispensed already), or a completion (its hold). */
const movesRegardless = (events: readonly LedgerEvent[]) =>
  events.some(
    (e) =>
      e.type === 'ledger.transaction.posted' &&
      e.transactionType === 'WITHDRAWAL' &&
      (e.advice === true || e.authorizationId !== undefined),
  );

/** The hold an authorization's journal leaves: its amount while approved, nothing once it ended. */
function holdLeft(record: AuthorizationRecord): number {
  let held = 0;
  for (const e of record.events) {
    if (e.type === 'ledger.authorization.approved') held += e.amount;
    else if (e.type === 'ledger.authorization.completed') held -= e.releasedHold;
    else if (
      e.type === 'ledger.authorization.released' ||
      e.type === 'ledger.authorization.expired'
    )
      held -= e.amount;
  }
  return held;
}

describe('authorizations racing the stream on one account (fc.scheduler)', () => {
  it(
    'keeps availableBalance, holds and the daily limit whatever the interleaving',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.scheduler(),
          fc.array(arbRacer(), { minLength: 2, maxLength: 10 }),
          // Holds approved before the race, so completions, releases and sweeps race on them.
          fc.array(fc.constantFrom(1_000, 2_000), { maxLength: 3 }),
          // Whether the API instance remembers the account (a stale guess under the race) or reads it.
          fc.boolean(),
          // Whether the stream's postings decide from a lane's cache, stale about the holds, or read.
          fc.boolean(),
          async (s, racers, before, cached, laneCached) => {
            // Prepare
            const inner = new InMemoryLedgerStore();
            await inner.createAccount(
              emptyAccount({
                accountId: ACCOUNT,
                currency: 'USD',
                overdraftLimit: OVERDRAFT,
                lowBalanceThreshold: 0,
                dailyWithdrawalLimit: DAILY_LIMIT,
                createdAt: at,
              }),
            );
            await postTransaction(
              { store: inner, clock },
              cmd({
                transactionId: 'seed',
                type: 'DEPOSIT',
                accountId: ACCOUNT,
                atmId: 'atm-1',
                occurredAt: at,
                amount: 6_000,
                currency: 'USD',
              }),
            );
            const request = (i: number | string, amount: number): AuthorizationRequest => ({
              authorizationId: `au-${i}`,
              accountId: ACCOUNT,
              amount,
              currency: 'USD',
              atmId: 'atm-1',
              occurredAt: at,
            });
            const auths = before.map((amount, i) => request(`before-${i}`, amount));
            for (const req of auths)
              await authorize(
                { store: inner, clock, policy: { holdTtlSeconds: HOLD_TTL_SECONDS } },
                req,
              );
            const steps: Step[] = [];
            recording(inner, steps);
            const store = scheduled(inner, s);
            const cache = cached ? new AccountCache() : undefined;
            const laneCache = laneCached ? new AccountCache() : undefined;
            for (const [i, r] of racers.entries())
              if (r.kind === 'AUTHORIZE') auths.push(request(i, r.amount));
            const picked = (pick: number) => auths[pick % Math.max(1, auths.length)];
            const post = (tx: AtmTransaction) =>
              postTransaction(
                {
                  store,
                  clock,
                  ...(laneCache === undefined ? {} : { cache: laneCache }),
                  sleep: async () => {},
                },
                cmd(tx),
              ).then((o) => o.outcome);
            const ask = (req: AuthorizationRequest) =>
              authorize(
                {
                  store,
                  clock,
                  policy: { holdTtlSeconds: HOLD_TTL_SECONDS },
                  ...(cache === undefined ? {} : { cache }),
                  sleep: async () => {},
                },
                req,
              ).then((o) => o.kind);
            const base = { accountId: ACCOUNT, atmId: 'atm-1', occurredAt: at, currency: 'USD' };
            const run = (r: Racer, i: number): Promise<string> => {
              switch (r.kind) {
                case 'AUTHORIZE':
                  return ask(request(i, r.amount));
                case 'RETRY': {
                  const req = picked(r.pick);
                  if (req === undefined) return Promise.resolve('nothing to retry');
                  return ask(r.changed ? { ...req, amount: req.amount + 1 } : req);
                }
                case 'COMPLETE': {
                  const req = picked(r.pick) ?? request(99, 1_000);
                  const amount = r.dispensed === 'all' ? req.amount : req.amount / 2;
                  return post({
                    ...base,
                    transactionId: `c-${i}`,
                    type: 'WITHDRAWAL',
                    amount,
                    authorizationId: req.authorizationId,
                  });
                }
                case 'RELEASE': {
                  const req = picked(r.pick) ?? request(99, 1_000);
                  return post({
                    ...base,
                    transactionId: `r-${i}`,
                    type: 'REVERSAL',
                    authorizationId: req.authorizationId,
                  });
                }
                case 'WITHDRAWAL':
                case 'DEPOSIT':
                  return post({ ...base, transactionId: `t-${i}`, type: r.kind, amount: r.amount });
                case 'ADVICE':
                  return post({
                    ...base,
                    transactionId: `t-${i}`,
                    type: 'WITHDRAWAL',
                    amount: r.amount,
                    advice: true,
                  });
                case 'SWEEP':
                  return sweepTimers({ store, clock: late, logger }).then(
                    (report) => `swept ${report.holdsExpired}`,
                  );
                default:
                  throw new Error(`unknown racer ${JSON.stringify(r satisfies never)}`);
              }
            };

            // Act
            const outcomes = await s.waitFor(
              Promise.all(racers.map((r, i) => run(r, i).catch((e: Error) => e.message))),
            );
            // Afterwards, what is still held runs out: every hold then has ended.
            await sweepTimers({ store: inner, clock: late, logger });

            // Assess
            for (const o of outcomes) expect(o).not.toMatch(/kept changing|Error/);
            const held = (a: Account) => a.heldAmount;
            for (const [n, { before, after, events }] of steps.entries()) {
              const label = `write ${n}: ${events.map((e) => e.type).join(', ')}`;
              // Available balance (balance + overdraft - holds) goes below zero, that is the
              // balance net of holds below -overdraftLimit, only by money that moved regardless.
              if (availableBalance(after) < Math.min(0, availableBalance(before)))
                expect(movesRegardless(events), label).toBe(true);
              // The day's usage passes the limit only by an advice.
              const usage = (a: Account) => withdrawnOn(a, at);
              if (usage(after) > Math.max(DAILY_LIMIT, usage(before)))
                expect(movesRegardless(events), label).toBe(true);
              expect(held(after), label).toBeGreaterThanOrEqual(0);
            }
            const account = inner.accounts.get(ACCOUNT) as Account;
            const records = [...inner.authorizations.values()];
            // heldAmount is the sum of the APPROVED holds (none are left after the last sweep).
            expect(account.heldAmount).toBe(
              records
                .filter((r) => r.status === 'APPROVED')
                .reduce((t, r) => t + r.fields.amount, 0),
            );
            expect(account.heldAmount).toBe(0);
            for (const record of records) {
              const id = record.fields.authorizationId;
              const kinds = record.events.map((e) => e.type.replace('ledger.authorization.', ''));
              // Each hold ends exactly once: approved, then completed, released or expired (and an
              // expired one may still complete, the cash left, without giving its hold back twice).
              expect(
                [
                  ['declined'],
                  ['approved', 'completed'],
                  ['approved', 'released'],
                  ['approved', 'expired'],
                  ['approved', 'expired', 'completed'],
                ],
                `journal of ${id}`,
              ).toContainEqual(kinds);
              expect(holdLeft(record), `hold left by ${id}`).toBe(0);
              // No double completion: one posted withdrawal completes it, the one it names.
              const completions = [...inner.transactions.values()].filter(
                (t) =>
                  t.status === 'POSTED' &&
                  t.transaction.type === 'WITHDRAWAL' &&
                  t.transaction.authorizationId === id,
              );
              expect(
                completions.map((t) => t.transaction.transactionId),
                `completions of ${id}`,
              ).toEqual(record.status === 'COMPLETED' ? [record.endedBy] : []);
            }
            const entries = inner.entries.get(ACCOUNT) ?? [];
            expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
            expect(account.balance).toBe(entries.reduce((t, e) => t + e.amount, 0));
            for (const [currency, t] of await inner.trialBalance())
              expect(t.debits, currency).toBe(t.credits);
          },
        ),
        { numRuns: numRuns(300) },
      );
    },
    Math.max(60_000, numRuns(300) * 50),
  );
});
