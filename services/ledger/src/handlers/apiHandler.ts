import {
  type AccountView,
  type AtmTransaction,
  EntriesQuery,
  Identifier,
  OpenAccountRequest,
  type TransactionView,
} from '@atm-ledger/contracts';
import {
  type Clock,
  createRouter,
  type HttpEvent,
  json,
  type Logger,
  notFound,
  type ProblemMapping,
  parseJsonBody,
  type Routes,
  validationProblem,
} from '@atm-ledger/runtime';
import { openAccount } from '../application/openAccount.js';
import type { Account, TransactionRecord } from '../domain/index.js';
import type { AccountRegistry, LedgerReader } from '../ports.js';

export interface ApiHandlerDeps {
  /** Reads, and opening accounts: the API never posts a transaction. */
  readonly store: LedgerReader & AccountRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Error codes to HTTP statuses: the one place where domain errors meet HTTP. */
const PROBLEMS: Readonly<Record<string, ProblemMapping>> = {
  ACCOUNT_CONFLICT: {
    status: 409,
    slug: 'account-conflict',
    title: 'Account exists with different fields',
  },
  INVALID_CURSOR: { status: 400, slug: 'invalid-cursor', title: 'Invalid cursor' },
  STORE_RETRYABLE: { status: 503, slug: 'unavailable', title: 'Temporarily unavailable' },
  RETRIES_EXHAUSTED: { status: 503, slug: 'unavailable', title: 'Temporarily unavailable' },
};

export const toAccountView = (a: Account): AccountView => ({
  accountId: a.accountId,
  currency: a.currency,
  balance: a.balance,
  overdraftLimit: a.overdraftLimit,
  lowBalanceThreshold: a.lowBalanceThreshold,
  version: a.version,
  updatedAt: a.updatedAt,
});

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

/**
 * The ledger's HTTP API (accounts and reads), routed on API Gateway's
 * `routeKey`. Authentication happens before this handler: IAM in AWS, the
 * bearer token on the local gateway.
 */
export function makeApiHandler(deps: ApiHandlerDeps) {
  const pathId = (event: HttpEvent, name: string) => {
    const parsed = Identifier.safeParse(event.pathParameters?.[name]);
    return parsed.success
      ? { ok: true as const, id: parsed.data }
      : { ok: false as const, response: validationProblem(prefix(parsed.error, name), 'path') };
  };

  const routes: Routes<'ledger'> = {
    'POST /v1/accounts': async (event) => {
      const body = parseJsonBody(event, OpenAccountRequest);
      if (!body.ok) return body.response;
      const { created, account } = await openAccount(deps, body.value);
      return json(
        created ? 201 : 200,
        toAccountView(account),
        created ? { location: `/v1/accounts/${account.accountId}` } : {},
      );
    },
    'GET /v1/accounts/{accountId}': async (event) => {
      const id = pathId(event, 'accountId');
      if (!id.ok) return id.response;
      const account = await deps.store.getAccount(id.id);
      return account === undefined
        ? notFound(`No account ${id.id}`)
        : json(200, toAccountView(account));
    },
    'GET /v1/accounts/{accountId}/entries': async (event) => {
      const id = pathId(event, 'accountId');
      if (!id.ok) return id.response;
      const query = EntriesQuery.safeParse(event.queryStringParameters ?? {});
      if (!query.success) return validationProblem(query.error, 'query');
      const account = await deps.store.getAccount(id.id);
      if (account === undefined) return notFound(`No account ${id.id}`);
      const page = await deps.store.listEntries(id.id, query.data.limit, query.data.cursor);
      return json(200, {
        items: page.items.map(
          ({ sequence, transactionId, type, amount, balanceAfter, postedAt }) => ({
            sequence,
            transactionId,
            type,
            amount,
            balanceAfter,
            postedAt,
          }),
        ),
        nextCursor: page.nextCursor,
      });
    },
    'GET /v1/transactions/{transactionId}': async (event) => {
      const id = pathId(event, 'transactionId');
      if (!id.ok) return id.response;
      const record = await deps.store.getTransaction(id.id);
      if (record !== undefined) return json(200, toTransactionView(record));
      // A marker from before markers held their payload has nothing to show: wait for the ledger.
      const accepted = await deps.store.getAcceptance(id.id);
      if (accepted?.transaction !== undefined)
        return json(200, toPendingView(accepted.transaction));
      return notFound(`Transaction ${id.id} was never seen`);
    },
    'GET /v1/ledger/trial-balance': async () => {
      const totals = await deps.store.trialBalance();
      // Exact integers end to end: the sums are bigints, written as bare JSON digits.
      const currencies: Record<string, { debits: bigint; credits: bigint; balanced: boolean }> = {};
      for (const [currency, t] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
        currencies[currency] = {
          debits: t.debits,
          credits: t.credits,
          balanced: t.debits === t.credits,
        };
      }
      const body = { currencies };
      return json(200, body);
    },
  };

  return createRouter<'ledger'>(routes, { logger: deps.logger, problems: PROBLEMS });
}

function prefix<E extends { issues: { path: PropertyKey[] }[] }>(error: E, name: string): E {
  for (const issue of error.issues) issue.path = [name, ...issue.path];
  return error;
}
