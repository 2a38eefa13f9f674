import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import { type Clock, createLogger } from '@atm-ledger/runtime';
import { expect } from 'vitest';
import type {
  Account,
  LedgerState,
  PostTransaction,
  TransactionRecord,
} from '../../src/domain/index.js';

/** The decision time every test uses unless it says otherwise. */
export const NOW = '2026-03-01T12:00:00.000Z';
const OCCURRED_AT = '2026-03-01T11:59:59.000Z';

export const fixedClock = (iso: string = NOW): Clock => ({ now: () => new Date(iso) });

/** A logger that writes nothing, so test output is the test's; spy on it to assert what is logged. */
export function silentLogger() {
  const logger = createLogger('ledger-test');
  logger.setLogLevel('SILENT');
  return logger;
}

export function anAccount(overrides: Partial<Account> = {}): Account {
  return {
    accountId: 'acct-1',
    currency: 'EUR',
    balance: 0,
    overdraftLimit: 0,
    lowBalanceThreshold: 1_000,
    version: 0,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

const base = (overrides: Partial<AtmTransaction>) => ({
  accountId: 'acct-1',
  atmId: 'atm-1',
  occurredAt: OCCURRED_AT,
  ...overrides,
});

export const aWithdrawal = (o: Partial<AtmTransaction> = {}): AtmTransaction =>
  base({
    transactionId: 'w-1',
    type: 'WITHDRAWAL',
    amount: 100,
    currency: 'EUR',
    ...o,
  }) as AtmTransaction;

export const aDeposit = (o: Partial<AtmTransaction> = {}): AtmTransaction =>
  base({
    transactionId: 'd-1',
    type: 'DEPOSIT',
    amount: 100,
    currency: 'EUR',
    ...o,
  }) as AtmTransaction;

export const aTransfer = (o: Partial<AtmTransaction> = {}): AtmTransaction =>
  base({
    transactionId: 't-1',
    type: 'TRANSFER',
    amount: 100,
    currency: 'EUR',
    toAccountId: 'acct-2',
    ...o,
  }) as AtmTransaction;

export const aBalanceInquiry = (o: Partial<AtmTransaction> = {}): AtmTransaction =>
  base({ transactionId: 'b-1', type: 'BALANCE_INQUIRY', ...o }) as AtmTransaction;

export const aReversal = (
  originalTransactionId: string,
  o: Partial<AtmTransaction> = {},
): AtmTransaction =>
  base({
    transactionId: `r-${originalTransactionId}`,
    type: 'REVERSAL',
    originalTransactionId,
    ...o,
  }) as AtmTransaction;

export const postCommand = (
  transaction: AtmTransaction,
  correlationId?: string,
): PostTransaction => ({
  kind: 'PostTransaction',
  transaction,
  payloadHash: payloadHash(transaction),
  correlationId,
});

/** The state `decide` sees: the given accounts exist, the `absent` ids are looked up and missing. */
export function stateOf(
  opts: {
    accounts?: readonly Account[];
    absent?: readonly string[];
    existing?: TransactionRecord;
    original?: TransactionRecord;
    waiting?: readonly string[];
  } = {},
): LedgerState {
  const accounts = new Map<string, Account | undefined>();
  for (const id of opts.absent ?? []) accounts.set(id, undefined);
  for (const a of opts.accounts ?? []) accounts.set(a.accountId, a);
  return {
    existing: opts.existing,
    accounts,
    original: opts.original,
    waiting: opts.waiting ?? [],
  };
}

/** Asserts a decision's or outcome's kind and narrows its type, so the test reads its fields without casts. */
export function expectKind<T extends { kind: string }, K extends T['kind']>(
  value: T,
  kind: K,
): Extract<T, { kind: K }> {
  const shown = JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Map ? Object.fromEntries(v) : v,
  );
  expect(value.kind, shown).toBe(kind);
  return value as Extract<T, { kind: K }>;
}
