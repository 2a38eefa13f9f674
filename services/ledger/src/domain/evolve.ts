import {
  isAuthorizationEvent,
  type LedgerEvent,
  type TransactionEvent,
  type TransactionPosted,
} from '@atm-ledger/contracts';
import { applyAccountChanges } from './accountChanges.js';
import { evolveAuthorization } from './authorization.js';
import { LedgerInvariantError } from './errors.js';
import type { Account, Entry, LedgerState, PostTransaction, TransactionRecord } from './types.js';

/**
 * Folds one entry into an account: the one rule by which an account's state
 * follows from its history. `evolve` applies it to every movement a posting
 * makes, and `rebuild` to every entry on the table, so the two cannot differ.
 */
export function evolveAccount(account: Account, entry: Entry): Account {
  if (entry.accountId !== account.accountId) {
    throw new LedgerInvariantError(
      `entry ${entry.sequence} of ${entry.accountId} folded into account ${account.accountId}`,
    );
  }
  if (entry.sequence !== account.version + 1) {
    throw new LedgerInvariantError(
      `account ${account.accountId} is at version ${account.version}; expected entry ${account.version + 1}, got ${entry.sequence}`,
    );
  }
  const balance = account.balance + entry.amount;
  if (balance !== entry.balanceAfter) {
    throw new LedgerInvariantError(
      `entry ${entry.sequence} of ${account.accountId} says balanceAfter ${entry.balanceAfter}, fold gives ${balance}`,
    );
  }
  return { ...account, balance, version: entry.sequence, updatedAt: entry.postedAt };
}

/** An opened account before any entry. */
export function emptyAccount(
  opened: Pick<
    Account,
    'accountId' | 'currency' | 'overdraftLimit' | 'lowBalanceThreshold' | 'createdAt'
  > & { readonly dailyWithdrawalLimit?: number | undefined },
): Account {
  const { dailyWithdrawalLimit, ...rest } = opened;
  return {
    ...rest,
    ...(dailyWithdrawalLimit === undefined ? {} : { dailyWithdrawalLimit }),
    balance: 0,
    version: 0,
    updatedAt: opened.createdAt,
    heldAmount: 0,
    withdrawn: {},
  };
}

/** The entries a posting writes: one per account it moved, in the order it moved them. */
export function entriesOf(event: TransactionPosted): Entry[] {
  return event.movements.map((m) => ({
    accountId: m.accountId,
    sequence: m.sequence,
    transactionId: event.transactionId,
    type: event.transactionType,
    amount: m.amount,
    balanceAfter: m.balanceAfter,
    postedAt: event.postedAt,
  }));
}

/**
 * The record of a transaction id before anything is decided for it: its
 * request, the initial state its first event folds into.
 */
export function initialRecord(
  request: PostTransaction,
  reversalsWaiting: readonly string[] = [],
): TransactionRecord {
  return {
    transaction: request.transaction,
    payloadHash: request.payloadHash,
    status: 'PENDING',
    conflicts: 0,
    conflictHashes: [],
    legs: [],
    movements: [],
    ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
    ...(reversalsWaiting.length > 0 ? { reversalsWaiting } : {}),
    events: [],
  };
}

/**
 * Folds one event into the record of its transaction. A record is its
 * request and the fold of its journal: reading one back from the table is
 * `events.reduce(evolveRecord, initialRecord(request))`.
 */
export function evolveRecord(record: TransactionRecord, event: LedgerEvent): TransactionRecord {
  // A completion's or a release's authorization event belongs to the authorization's journal.
  if (isAuthorizationEvent(event)) return record;
  if (event.transactionId !== record.transaction.transactionId) {
    throw new LedgerInvariantError(
      `event ${event.id} folded into the record of ${record.transaction.transactionId}`,
    );
  }
  const events = [...record.events, event];
  switch (event.type) {
    case 'ledger.transaction.posted':
      return {
        ...decidedFields(record),
        status: 'POSTED',
        decidedAt: event.postedAt,
        legs: event.legs,
        movements: event.movements.map((m) => ({ ...m, overdraftLimit: m.overdraftLimit ?? 0 })),
        ...(event.balance === undefined ? {} : { balance: event.balance }),
        ...(event.reversedTransactionType === undefined
          ? {}
          : { reversedType: event.reversedTransactionType }),
        events,
      };
    case 'ledger.transaction.rejected':
      return {
        ...decidedFields(record),
        status: 'REJECTED',
        reason: event.reason,
        decidedAt: event.rejectedAt,
        events,
      };
    case 'ledger.reversal.pending':
      return {
        ...decidedFields(record),
        status: 'PENDING',
        decidedAt: event.pendingSince,
        ...(event.waitUntil === undefined ? {} : { waitUntil: event.waitUntil }),
        events,
      };
    case 'ledger.transaction.conflict':
      return {
        ...record,
        conflicts: event.conflictNumber,
        conflictHashes: [...record.conflictHashes, event.conflictingPayloadHash],
        events,
      };
    default: {
      const never: never = event;
      throw new LedgerInvariantError(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

/** What a record keeps when it is decided (again, for a PENDING reversal): not the earlier decision's fields. */
function decidedFields(record: TransactionRecord): TransactionRecord {
  const { reason: _r, waitUntil: _w, balance: _b, reversedType: _t, ...kept } = record;
  return { ...kept, legs: [], movements: [] };
}

/**
 * Folds one decided event into the ledger's state: the record of the
 * transaction it is about, the accounts it moved, the original a reversal
 * marked, the queue an early reversal joined. The state after a decision is
 * `events.reduce(evolve, state)`, and nothing else computes it: the posting
 * path, the stores and the tests share this fold.
 */
export function evolve(state: LedgerState, event: LedgerEvent): LedgerState {
  if (isAuthorizationEvent(event)) {
    // A completion or a release: the authorization it ended, and the hold it freed.
    if (state.authorization === undefined)
      throw new LedgerInvariantError(`${event.id} folded into a state without its authorization`);
    return {
      ...state,
      authorization: evolveAuthorization(state.authorization, event),
      accounts: applyAccountChanges(state.accounts, event),
    };
  }
  const existing = evolveRecord(subject(state, event), event);
  switch (event.type) {
    case 'ledger.transaction.posted': {
      const accounts = applyAccountChanges(state.accounts, event);
      for (const entry of entriesOf(event)) {
        const account = accounts.get(entry.accountId);
        if (account === undefined)
          throw new LedgerInvariantError(
            `${event.id} moved ${entry.accountId}, which is not loaded`,
          );
        accounts.set(entry.accountId, evolveAccount(account, entry));
      }
      const reverses = event.transactionType === 'REVERSAL' && state.original !== undefined;
      const original = reverses
        ? { ...(state.original as TransactionRecord), reversedBy: event.transactionId }
        : state.original;
      return { ...state, existing, accounts, original };
    }
    case 'ledger.reversal.pending':
      return {
        ...state,
        existing,
        originalWaiting: [...(state.originalWaiting ?? []), event.transactionId],
      };
    case 'ledger.transaction.rejected':
    case 'ledger.transaction.conflict':
      return { ...state, existing };
    default: {
      const never: never = event;
      throw new LedgerInvariantError(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

/** The record a decision starts from: the one on file, else the request's. */
function subject(state: LedgerState, event: TransactionEvent): TransactionRecord {
  if (state.existing !== undefined) return state.existing;
  const request = state.request;
  if (request === undefined || request.transaction.transactionId !== event.transactionId) {
    throw new LedgerInvariantError(
      `event ${event.id} folded into a state without transaction ${event.transactionId}`,
    );
  }
  return initialRecord(request, state.waiting);
}
