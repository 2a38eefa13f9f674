import type {
  AccountView,
  AtmTransaction,
  AuthorizationDecision,
  AuthorizationView,
  EntriesPage,
  TransactionView,
} from '@atm-ledger/contracts';
import {
  type Account,
  type AuthorizationRecord,
  availableBalance,
  type TransactionRecord,
} from '../domain/index.js';
import type { AuthorizationStore, LedgerReader } from '../ports.js';

/*
 * What the ledger's API answers, read from its store and shaped as the
 * contracts' views. `undefined` is "never seen": the handler's 404.
 */

export const toAccountView = (a: Account): AccountView => ({
  accountId: a.accountId,
  currency: a.currency,
  balance: a.balance,
  overdraftLimit: a.overdraftLimit,
  lowBalanceThreshold: a.lowBalanceThreshold,
  heldAmount: a.heldAmount,
  availableBalance: availableBalance(a),
  ...(a.dailyWithdrawalLimit === undefined ? {} : { dailyWithdrawalLimit: a.dailyWithdrawalLimit }),
  version: a.version,
  updatedAt: a.updatedAt,
});

/** The answer to `POST /v1/authorizations`: the decision as made, the same on every retry. */
export function toAuthorizationDecision(r: AuthorizationRecord): AuthorizationDecision {
  const decision = r.events[0];
  if (decision === undefined)
    throw new Error(`authorization ${r.fields.authorizationId} has no decision`);
  switch (decision.type) {
    case 'ledger.authorization.approved':
      return {
        authorizationId: r.fields.authorizationId,
        status: 'APPROVED',
        amount: r.fields.amount,
        availableBalance: decision.availableBalance,
        expiresAt: decision.expiresAt,
      };
    case 'ledger.authorization.declined':
      return {
        authorizationId: r.fields.authorizationId,
        status: 'DECLINED',
        reason: decision.reason,
        amount: r.fields.amount,
        // An unknown account has nothing available; the event says so by leaving it out.
        availableBalance: decision.availableBalance ?? 0,
      };
    default:
      throw new Error(`authorization ${r.fields.authorizationId} begins with ${decision.type}`);
  }
}

export const toAuthorizationView = (r: AuthorizationRecord): AuthorizationView => ({
  authorizationId: r.fields.authorizationId,
  accountId: r.fields.accountId,
  status: r.status,
  ...(r.reason === undefined ? {} : { reason: r.reason }),
  amount: r.fields.amount,
  ...(r.completedAmount === undefined ? {} : { completedAmount: r.completedAmount }),
  ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
  decidedAt: r.decidedAt,
});

export async function authorizationView(
  store: Pick<AuthorizationStore, 'getAuthorization'>,
  authorizationId: string,
): Promise<AuthorizationView | undefined> {
  const record = await store.getAuthorization(authorizationId);
  return record === undefined ? undefined : toAuthorizationView(record);
}

/** The business fields of the payload that holds an id, as the view shows them: never the PAN. */
function businessFields(tx: AtmTransaction) {
  return {
    type: tx.type,
    accountId: tx.accountId,
    atmId: tx.atmId,
    occurredAt: tx.occurredAt,
    ...(tx.amount === undefined ? {} : { amount: tx.amount }),
    ...(tx.currency === undefined ? {} : { currency: tx.currency }),
    ...(tx.toAccountId === undefined ? {} : { toAccountId: tx.toAccountId }),
    ...(tx.originalTransactionId === undefined
      ? {}
      : { originalTransactionId: tx.originalTransactionId }),
    ...(tx.dispensedAmount === undefined ? {} : { dispensedAmount: tx.dispensedAmount }),
    ...(tx.authorizationId === undefined ? {} : { authorizationId: tx.authorizationId }),
    ...(tx.advice === true ? { advice: true } : {}),
  };
}

export const toTransactionView = (r: TransactionRecord): TransactionView => {
  const view: TransactionView = {
    transactionId: r.transaction.transactionId,
    status: r.status,
    conflicts: r.conflicts,
    ...businessFields(r.transaction),
  };
  if (r.reason !== undefined) view.reason = r.reason;
  if (r.status === 'POSTED' && r.decidedAt !== undefined) view.postedAt = r.decidedAt;
  if (r.balance !== undefined) view.balance = r.balance;
  return view;
};

/** An id ingest accepted that the ledger has not decided yet. */
const toPendingView = (transaction: AtmTransaction): TransactionView => ({
  transactionId: transaction.transactionId,
  status: 'PENDING',
  conflicts: 0,
  ...businessFields(transaction),
});

export async function accountView(
  store: Pick<LedgerReader, 'getAccount'>,
  accountId: string,
): Promise<AccountView | undefined> {
  const account = await store.getAccount(accountId);
  return account === undefined ? undefined : toAccountView(account);
}

/** A page of the account's entries; `undefined` when there is no such account. */
export async function entriesPage(
  store: Pick<LedgerReader, 'getAccount' | 'listEntries'>,
  accountId: string,
  query: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<EntriesPage | undefined> {
  if ((await store.getAccount(accountId)) === undefined) return undefined;
  const page = await store.listEntries(accountId, query.limit, query.cursor);
  return {
    items: page.items.map(({ sequence, transactionId, type, amount, balanceAfter, postedAt }) => ({
      sequence,
      transactionId,
      type,
      amount,
      balanceAfter,
      postedAt,
    })),
    nextCursor: page.nextCursor,
  };
}

/** A decided transaction, or one ingest accepted that the ledger has not decided yet. */
export async function transactionView(
  store: Pick<LedgerReader, 'getTransaction' | 'getAcceptance'>,
  transactionId: string,
): Promise<TransactionView | undefined> {
  const record = await store.getTransaction(transactionId);
  if (record !== undefined) return toTransactionView(record);
  // A marker from before markers held their payload has nothing to show: wait for the ledger.
  const accepted = await store.getAcceptance(transactionId);
  return accepted?.transaction === undefined ? undefined : toPendingView(accepted.transaction);
}

/** Debits and credits per currency, as exact integers (bigints, written as bare JSON digits). */
export async function trialBalanceView(
  store: Pick<LedgerReader, 'trialBalance'>,
): Promise<TrialBalanceView> {
  const totals = await store.trialBalance();
  const currencies: TrialBalanceView['currencies'] = {};
  for (const [currency, t] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
    currencies[currency] = {
      debits: t.debits,
      credits: t.credits,
      balanced: t.debits === t.credits,
    };
  }
  return { currencies };
}

/** The contracts' `TrialBalance` with its sums as bigints, before they are written. */
export interface TrialBalanceView {
  readonly currencies: Record<
    string,
    { readonly debits: bigint; readonly credits: bigint; readonly balanced: boolean }
  >;
}
