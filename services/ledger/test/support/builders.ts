import {
  type AtmTransaction,
  type AuthorizationFields,
  authorizationPayloadHash,
  isSamePayload,
  type LedgerEvent,
  payloadHash,
} from '@atm-ledger/contracts';
import { type Clock, createLogger } from '@atm-ledger/runtime';
import { expect } from 'vitest';
import {
  type Account,
  type AuthorizationRecord,
  type Authorize,
  decide,
  decideAuthorization,
  type Entry,
  entriesOf,
  evolve,
  evolveAuthorizationState,
  type LedgerPolicy,
  type LedgerState,
  type PostTransaction,
  relianceOf,
  type TransactionRecord,
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
    heldAmount: 0,
    withdrawn: {},
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

/** A REVERSAL that releases an authorization's hold: it names the authorization, not an original. */
export const aRelease = (
  authorizationId: string,
  o: Partial<AtmTransaction> = {},
): AtmTransaction =>
  base({
    transactionId: `rel-${authorizationId}`,
    type: 'REVERSAL',
    authorizationId,
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

/** An authorization's fields as the ledger keeps them (the PAN reduced to its last 4 digits). */
export const anAuthorization = (o: Partial<AuthorizationFields> = {}): AuthorizationFields => ({
  authorizationId: 'auth-1',
  accountId: 'acct-1',
  amount: 100,
  currency: 'EUR',
  atmId: 'atm-1',
  occurredAt: OCCURRED_AT,
  ...o,
});

export const authorizeCommand = (
  fields: AuthorizationFields,
  correlationId?: string,
): Authorize => ({
  kind: 'Authorize',
  fields,
  payloadHash: authorizationPayloadHash(fields),
  ...(correlationId === undefined ? {} : { correlationId }),
});

/**
 * `fields` authorized against `account` at `now`, as the API decides and
 * folds it: the record on file and the account after (hold and daily usage).
 * Fails if the account is missing.
 */
export function authorized(
  fields: AuthorizationFields,
  account: Account,
  now: string = NOW,
): { readonly record: AuthorizationRecord; readonly account: Account } {
  const command = authorizeCommand(fields);
  const state = { request: command, existing: undefined, account };
  const after = decideAuthorization(command, state, now).reduce(evolveAuthorizationState, state);
  if (after.existing === undefined || after.account === undefined)
    throw new Error('authorizing decided nothing');
  return { record: after.existing, account: after.account };
}

/** The state `decide` sees: the given accounts exist, the `absent` ids are looked up and missing. */
export function stateOf(
  opts: {
    accounts?: readonly Account[];
    absent?: readonly string[];
    existing?: TransactionRecord;
    original?: TransactionRecord;
    waiting?: readonly string[];
    authorization?: AuthorizationRecord;
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
    ...(opts.authorization === undefined ? {} : { authorization: opts.authorization }),
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

/** An account a posting moved: as it was, as it is after, and the entry that moved it. */
export interface Write {
  readonly before: Account | undefined;
  readonly after: Account;
  readonly entry: Entry;
}

/**
 * A decision as the tests read it: the events `decide` returned, folded into
 * the state with `evolve` (the ledger's one fold), and named by what they
 * mean. `writes` are the accounts a posting moved; `unchanged`, `basedOn` and
 * `absent` what the write must find as read (`relianceOf`).
 */
interface Decided<K extends 'Post' | 'Reject' | 'Pend'> {
  readonly kind: K;
  readonly events: readonly LedgerEvent[];
  readonly record: TransactionRecord;
  readonly after: LedgerState;
  readonly writes: readonly Write[];
  readonly unchanged: readonly Account[];
  readonly basedOn: readonly Account[];
  readonly absent: readonly string[];
  /** For a reversal that posted: the original it marks reversed. */
  readonly reverses?: string;
  /** For a reversal that pends: the original it waits for, behind `waitingBefore`. */
  readonly waitsFor?: string;
  readonly waitingBefore?: readonly string[];
  /** Whether it decides a reversal that was left PENDING. */
  readonly resumesPending: boolean;
}

export type DecisionView =
  | { readonly kind: 'Duplicate'; readonly existing: TransactionRecord }
  | {
      readonly kind: 'Conflict';
      readonly existing: TransactionRecord;
      readonly conflictingHash: string;
      readonly events: readonly LedgerEvent[];
    }
  | Decided<'Post'>
  | Decided<'Reject'>
  | Decided<'Pend'>;

const KIND = {
  'ledger.transaction.posted': 'Post',
  'ledger.transaction.rejected': 'Reject',
  'ledger.reversal.pending': 'Pend',
  'ledger.transaction.conflict': 'Conflict',
} as const;

export function decisionOf(
  command: PostTransaction,
  state: LedgerState,
  now: string,
  policy?: LedgerPolicy,
): DecisionView {
  const events = decide(command, state, now, policy);
  const [event] = events;
  const existing = state.existing;
  if (event === undefined) {
    if (existing === undefined) throw new Error('decide returned nothing for a new id');
    return isSamePayload(existing.payloadHash, command.transaction)
      ? { kind: 'Duplicate', existing }
      : { kind: 'Conflict', existing, conflictingHash: command.payloadHash, events };
  }
  if (event.type === 'ledger.transaction.conflict') {
    if (existing === undefined) throw new Error('a conflict without a record');
    return { kind: 'Conflict', existing, conflictingHash: event.conflictingPayloadHash, events };
  }
  const after = events.reduce(evolve, { ...state, request: command });
  if (after.existing === undefined) throw new Error('a decision left no record');
  const reliance = relianceOf(state, event);
  const entries = event.type === 'ledger.transaction.posted' ? entriesOf(event) : [];
  return {
    kind: KIND[event.type as keyof typeof KIND] as 'Post',
    events,
    record: after.existing,
    after,
    writes: entries.map((entry) => ({
      before: state.accounts.get(entry.accountId),
      after: after.accounts.get(entry.accountId) as Account,
      entry,
    })),
    unchanged: event.type === 'ledger.transaction.posted' ? reliance.unchanged : [],
    basedOn: event.type === 'ledger.transaction.rejected' ? reliance.unchanged : [],
    absent: reliance.absent,
    ...(event.type === 'ledger.transaction.posted' &&
    event.transactionType === 'REVERSAL' &&
    event.originalTransactionId !== undefined
      ? { reverses: event.originalTransactionId }
      : {}),
    ...(event.type === 'ledger.reversal.pending'
      ? { waitsFor: event.originalTransactionId, waitingBefore: state.originalWaiting ?? [] }
      : {}),
    resumesPending: existing?.status === 'PENDING',
  };
}
