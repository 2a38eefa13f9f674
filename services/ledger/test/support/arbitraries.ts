import type { AtmTransaction } from '@atm-ledger/contracts';
import fc from 'fast-check';
import {
  type Account,
  decide,
  evolve,
  type LedgerState,
  type PostTransaction,
  type TransactionRecord,
} from '../../src/domain/index.js';
import { NOW, postCommand } from './builders.js';

const DEFAULT_NUM_RUNS = 200;

/**
 * Runs per property: modest so the unit suite stays fast, and raised for a
 * soak with `FC_NUM_RUNS=20000`. A malformed value fails loudly rather than
 * silently running the default.
 */
export function numRuns(): number {
  const raw = process.env.FC_NUM_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_NUM_RUNS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`FC_NUM_RUNS must be a positive integer, got ${raw}`);
  return n;
}

/** A small pool, so transactions often hit the same, missing or differently-denominated accounts. */
const ACCOUNT_IDS = ['acct-a', 'acct-b', 'acct-c'] as const;
const CURRENCIES = ['EUR', 'USD'] as const;
const MAX_AMOUNT = 1_000_000;

export const arbAccountId = () => fc.constantFrom(...ACCOUNT_IDS);
export const arbCurrency = () => fc.constantFrom(...CURRENCIES);
export const arbAmount = () => fc.integer({ min: 1, max: MAX_AMOUNT });

/** An account in a state the ledger can reach: never below its overdraft limit. */
export const arbAccount = (accountId: string): fc.Arbitrary<Account> =>
  fc
    .record({
      currency: arbCurrency(),
      overdraftLimit: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: MAX_AMOUNT })),
      version: fc.integer({ min: 0, max: 10_000 }),
      lowBalanceThreshold: fc.integer({ min: 0, max: MAX_AMOUNT }),
    })
    .chain((a) =>
      fc.integer({ min: -a.overdraftLimit, max: MAX_AMOUNT }).map(
        (balance): Account => ({
          accountId,
          ...a,
          balance,
          createdAt: NOW,
          updatedAt: NOW,
          heldAmount: 0,
          withdrawn: {},
        }),
      ),
    );

/** Some of the pool's accounts; the others do not exist. */
export const arbAccounts = (): fc.Arbitrary<Account[]> =>
  fc
    .subarray([...ACCOUNT_IDS])
    .chain((ids) =>
      ids.length === 0 ? fc.constant([]) : fc.tuple(...ids.map((id) => arbAccount(id))),
    );

const common = (transactionId: string) =>
  fc.record({
    transactionId: fc.constant(transactionId),
    accountId: arbAccountId(),
    atmId: fc.constantFrom('atm-1', 'atm-2'),
    occurredAt: fc.constant('2026-03-01T11:00:00.000Z'),
  });

export const arbWithdrawal = (transactionId = 'tx-1'): fc.Arbitrary<AtmTransaction> =>
  fc
    .tuple(common(transactionId), arbAmount(), arbCurrency())
    .map(([c, amount, currency]) => ({ ...c, type: 'WITHDRAWAL' as const, amount, currency }));

export const arbDeposit = (transactionId = 'tx-1'): fc.Arbitrary<AtmTransaction> =>
  fc
    .tuple(common(transactionId), arbAmount(), arbCurrency())
    .map(([c, amount, currency]) => ({ ...c, type: 'DEPOSIT' as const, amount, currency }));

export const arbTransfer = (transactionId = 'tx-1'): fc.Arbitrary<AtmTransaction> =>
  fc
    .tuple(common(transactionId), arbAmount(), arbCurrency(), arbAccountId())
    .map(([c, amount, currency, toAccountId]) => ({
      ...c,
      type: 'TRANSFER' as const,
      amount,
      currency,
      toAccountId,
    }));

export const arbBalanceInquiry = (transactionId = 'tx-1'): fc.Arbitrary<AtmTransaction> =>
  common(transactionId).map((c) => ({ ...c, type: 'BALANCE_INQUIRY' as const }));

/** A transaction of any type but REVERSAL, which needs an original: see `arbReversalScenario`. */
export const arbNonReversal = (transactionId = 'tx-1'): fc.Arbitrary<AtmTransaction> =>
  fc.oneof(
    arbWithdrawal(transactionId),
    arbDeposit(transactionId),
    arbTransfer(transactionId),
    arbBalanceInquiry(transactionId),
  );

/** What `decide` is called with. */
export interface Scenario {
  readonly command: PostTransaction;
  readonly state: LedgerState;
}

const stateFrom = (
  accounts: readonly Account[],
  tx: AtmTransaction,
  original?: TransactionRecord,
): LedgerState => {
  const ids = [
    tx.accountId,
    tx.toAccountId,
    ...(original?.movements.map((m) => m.accountId) ?? []),
  ];
  const map = new Map<string, Account | undefined>();
  for (const id of ids)
    if (id !== undefined)
      map.set(
        id,
        accounts.find((a) => a.accountId === id),
      );
  return { existing: undefined, accounts: map, original, waiting: [] };
};

/** A first delivery of a non-reversal against some accounts. */
export const arbSimpleScenario = (): fc.Arbitrary<Scenario> =>
  fc.tuple(arbAccounts(), arbNonReversal()).map(([accounts, tx]) => ({
    command: postCommand(tx),
    state: stateFrom(accounts, tx),
  }));

/**
 * A reversal whose original was decided by the real `decide` against the
 * same accounts (so its record is one the ledger could hold), then possibly
 * already reversed, and followed by the accounts as the original left them.
 */
export const arbReversalScenario = (): fc.Arbitrary<Scenario> =>
  fc
    .record({
      accounts: arbAccounts(),
      original: fc.oneof(arbWithdrawal('orig-1'), arbDeposit('orig-1'), arbTransfer('orig-1')),
      alreadyReversed: fc.boolean(),
      arrived: fc.boolean(),
      // Mostly a reversal that binds, so the rules past the binding are exercised too.
      sameAccount: fc.constantFrom(true, true, true, false),
      otherAccount: arbAccountId(),
      sameAtm: fc.constantFrom(true, true, true, false),
      // When the reversal occurred: before its original, with it, inside the day's window, past it.
      occurredAt: fc.constantFrom(
        '2026-03-01T10:59:59.999Z',
        '2026-03-01T11:00:00.000Z',
        '2026-03-01T11:30:00.000Z',
        '2026-03-01T11:30:00.000Z',
        '2026-03-02T11:00:00.000Z',
        '2026-03-02T11:00:00.001Z',
      ),
      // The original's amount and currency, as ISO 8583 reversals carry them: right, wrong, or absent.
      carries: fc.constantFrom('none', 'none', 'same', 'same', 'otherAmount', 'otherCurrency'),
      // A share of the original amount, past 100% now and then, so partial, full and invalid all occur.
      dispensedPercent: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    })
    .map((s) => {
      const command = postCommand(s.original);
      const before = { ...stateFrom(s.accounts, s.original), request: command };
      const after = decide(command, before, NOW).reduce(evolve, before);
      const accounts = s.accounts.map((a) => after.accounts.get(a.accountId) ?? a);
      const decided = after.existing;
      const record: TransactionRecord | undefined =
        decided?.status === 'POSTED' && s.alreadyReversed
          ? { ...decided, reversedBy: 'rev-0' }
          : decided;
      const reversal: AtmTransaction = {
        transactionId: 'rev-1',
        type: 'REVERSAL',
        accountId: s.sameAccount ? s.original.accountId : s.otherAccount,
        atmId: s.sameAtm ? s.original.atmId : `${s.original.atmId}-other`,
        occurredAt: s.occurredAt,
        originalTransactionId: 'orig-1',
        ...(s.carries === 'none'
          ? {}
          : {
              amount: (s.original.amount ?? 1) + (s.carries === 'otherAmount' ? 1 : 0),
              currency:
                s.carries === 'otherCurrency'
                  ? s.original.currency === 'EUR'
                    ? 'USD'
                    : 'EUR'
                  : s.original.currency,
            }),
        ...(s.dispensedPercent === undefined
          ? {}
          : { dispensedAmount: Math.floor(((s.original.amount ?? 0) * s.dispensedPercent) / 100) }),
      };
      const original = s.arrived ? record : undefined;
      return { command: postCommand(reversal), state: stateFrom(accounts, reversal, original) };
    });

export const arbScenario = (): fc.Arbitrary<Scenario> =>
  fc.oneof(arbSimpleScenario(), arbReversalScenario());
