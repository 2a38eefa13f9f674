import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import {
  emptyAccount,
  InMemoryLedgerStore,
  type LedgerStore,
  postTransaction,
} from '@atm-ledger/ledger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numRuns } from './ledgerModel.suite.js';

const at = '2026-11-27T09:00:00.000Z';
const clock = { now: () => new Date(at) };

/** Every store call becomes a point where the scheduler may let another invocation run first. */
function scheduled(store: InMemoryLedgerStore, s: fc.Scheduler): LedgerStore {
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
  };
}

const arbConcurrentTx = () =>
  fc.record({
    kind: fc.constantFrom('WITHDRAWAL', 'DEPOSIT', 'TRANSFER', 'DUPLICATE'),
    account: fc.constantFrom('A', 'B'),
    amount: fc.constantFrom(1_000, 3_000, 5_000),
  });

describe('ledger under concurrent invocations (fc.scheduler)', () => {
  it('keeps every invariant whatever the interleaving of reads and conditional writes', async () => {
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
                return { ...base, type: 'TRANSFER', toAccountId: spec.account === 'A' ? 'B' : 'A' };
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
          const byAccount = (a: [string, number], b: [string, number]) => a[0].localeCompare(b[0]);
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
  });
});

function cmd(transaction: AtmTransaction) {
  return { kind: 'PostTransaction' as const, transaction, payloadHash: payloadHash(transaction) };
}
