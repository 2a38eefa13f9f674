import {
  type AtmTransaction,
  type AuthorizationCompleted,
  type AuthorizationReleased,
  isSamePayload,
  type LedgerEvent,
  type Leg,
  ledgerEventId,
  MAX_BALANCE,
  type RejectionReason,
  type ReversalPending,
  type TransactionConflict,
  type TransactionPosted,
  type TransactionRejected,
} from '@atm-ledger/contracts';
import { exceedsDailyLimit } from './authorization.js';
import { LedgerInvariantError } from './errors.js';
import { atmCashAccount, credit, debit, isBalanced } from './legs.js';
import {
  type Account,
  type AuthorizationRecord,
  availableBalance,
  DEFAULT_LEDGER_POLICY,
  type LedgerPolicy,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  MAX_WAITING_REVERSALS,
  type Movement,
  type PostTransaction,
  type TransactionRecord,
} from './types.js';

const assertNever = (value: never): never => {
  throw new LedgerInvariantError(`unhandled case: ${JSON.stringify(value)}`);
};

/**
 * The accounts a transaction touches, which the store loads before deciding.
 * A reversal touches the accounts of its original, known only once the
 * original is loaded.
 */
export function accountsTouched(tx: AtmTransaction, original?: TransactionRecord): string[] {
  switch (tx.type) {
    case 'WITHDRAWAL':
    case 'DEPOSIT':
    case 'BALANCE_INQUIRY':
      return [tx.accountId];
    case 'TRANSFER':
      return tx.toAccountId === undefined ? [tx.accountId] : [tx.accountId, tx.toAccountId];
    case 'REVERSAL':
      return original === undefined
        ? [tx.accountId]
        : [...new Set([tx.accountId, ...original.movements.map((m) => m.accountId)])];
    default:
      return assertNever(tx.type);
  }
}

/**
 * Decides what posting one transaction means, given what the ledger holds:
 * the events of the decision, and nothing else. No event means nothing
 * happens (a duplicate, or a conflicting payload already counted). Pure: no
 * I/O and no clock; `now` is the decision time, injected. The state after it
 * is `events.reduce(evolve, state)`.
 *
 * Rules (docs/ledger.md has worked examples):
 * - an id seen before with the same payload is a duplicate: nothing changes;
 * - an id seen before with a different payload is a conflict: counted once
 *   per payload, never applied;
 * - a rejection is remembered like a posting, so redelivery cannot turn it into one;
 * - every posting's legs balance per currency;
 * - a reversal binds only to an original of its account and ATM, within the window.
 */
export function decide(
  command: PostTransaction,
  state: LedgerState,
  now: string,
  policy: LedgerPolicy = DEFAULT_LEDGER_POLICY,
): readonly LedgerEvent[] {
  const { transaction: tx } = command;
  const existing = state.existing;
  if (existing !== undefined) {
    // Compared by the stored fingerprint's own version: a record decided before payloads
    // were canonical is still its own payload's.
    if (!isSamePayload(existing.payloadHash, tx)) return conflict(command, existing, now);
    // A reversal left PENDING is decided once its original is there, or once it has waited
    // its window out; until then, and for anything already decided, the same payload again
    // is a duplicate.
    if (existing.status !== 'PENDING') return [];
    if (isPastWait(existing, now)) return decideExpiry(existing, now);
    if (state.original === undefined) return [];
  }
  const events = decideNew(new DecisionContext(command, state, now, policy), tx);
  if (existing !== undefined && events.some((e) => e.type === 'ledger.reversal.pending')) {
    throw new LedgerInvariantError(`resuming ${tx.transactionId} left it pending again`);
  }
  return events;
}

const isPastWait = (record: TransactionRecord, now: string) =>
  record.waitUntil !== undefined && Date.parse(now) >= Date.parse(record.waitUntil);

/**
 * Ends a PENDING reversal whose original has not arrived within its wait:
 * REJECTED `ORIGINAL_NOT_FOUND`. Anything else (already decided, or still
 * inside its wait) decides nothing.
 */
export function decideExpiry(record: TransactionRecord, now: string): readonly LedgerEvent[] {
  if (record.status !== 'PENDING' || !isPastWait(record, now)) return [];
  return [rejectedEvent(record.transaction, record.correlationId, 'ORIGINAL_NOT_FOUND', now)];
}

/** A conflicting payload under a decided id: counted once per payload, up to the bound. */
function conflict(
  command: PostTransaction,
  existing: TransactionRecord,
  now: string,
): readonly LedgerEvent[] {
  if (existing.conflictHashes.includes(command.payloadHash)) return [];
  if (existing.conflictHashes.length >= MAX_CONFLICTS_COUNTED) return [];
  const conflictNumber = existing.conflicts + 1;
  const event: TransactionConflict = {
    schemaVersion: 1,
    id: ledgerEventId.conflict(existing.transaction.transactionId, conflictNumber),
    type: 'ledger.transaction.conflict',
    transactionId: existing.transaction.transactionId,
    occurredAt: existing.transaction.occurredAt,
    ...optional({ correlationId: command.correlationId }),
    accountId: existing.transaction.accountId,
    conflictNumber,
    existingPayloadHash: existing.payloadHash,
    conflictingPayloadHash: command.payloadHash,
    detectedAt: now,
  };
  return [event];
}

/**
 * Whether a debit of a posting must leave the account within its available
 * balance (balance + overdraft - holds). Money that moved whatever the
 * balance does not: a completion (its hold guaranteed it), an advice
 * (another system authorized it and the ATM dispensed), and the reversal of
 * a deposit the ATM never took in. `decide` applies this rule and
 * `relianceOf` conditions the write on it, from the same fields.
 */
export function isFundsChecked(posting: {
  readonly transactionType: AtmTransaction['type'];
  readonly authorizationId?: string | undefined;
  readonly advice?: boolean | undefined;
  readonly reversedTransactionType?: AtmTransaction['type'] | undefined;
}): boolean {
  switch (posting.transactionType) {
    case 'WITHDRAWAL':
      return posting.authorizationId === undefined && posting.advice !== true;
    case 'REVERSAL':
      return posting.reversedTransactionType !== 'DEPOSIT';
    case 'DEPOSIT':
    case 'TRANSFER':
    case 'BALANCE_INQUIRY':
      return true;
    default:
      return assertNever(posting.transactionType);
  }
}

function decideNew(ctx: DecisionContext, tx: AtmTransaction): readonly LedgerEvent[] {
  switch (tx.type) {
    case 'WITHDRAWAL':
      if (tx.authorizationId !== undefined) return ctx.complete(tx.authorizationId);
      return ctx.move(tx.accountId, -requireAmount(tx), tx.currency, (amount, currency) => [
        debit(tx.accountId, amount, currency),
        credit(atmCashAccount(tx.atmId), amount, currency),
      ]);
    case 'DEPOSIT':
      return ctx.move(tx.accountId, requireAmount(tx), tx.currency, (amount, currency) => [
        debit(atmCashAccount(tx.atmId), amount, currency),
        credit(tx.accountId, amount, currency),
      ]);
    case 'TRANSFER':
      return ctx.transfer();
    case 'BALANCE_INQUIRY':
      return ctx.inquire();
    case 'REVERSAL':
      if (tx.authorizationId !== undefined) return ctx.release(tx.authorizationId);
      return ctx.reverse();
    default:
      return assertNever(tx.type);
  }
}

function requireAmount(tx: AtmTransaction): number {
  if (tx.amount === undefined) {
    throw new LedgerInvariantError(`${tx.type} ${tx.transactionId} has no amount`);
  }
  return tx.amount;
}

/** Optional fields left out rather than undefined: an event is JSON, and is stored and published as such. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

const base = (tx: AtmTransaction, correlationId: string | undefined) => ({
  schemaVersion: 1 as const,
  transactionId: tx.transactionId,
  occurredAt: tx.occurredAt,
  ...optional({ correlationId }),
});

function rejectedEvent(
  tx: AtmTransaction,
  correlationId: string | undefined,
  reason: RejectionReason,
  now: string,
): TransactionRejected {
  return {
    ...base(tx, correlationId),
    id: ledgerEventId.rejected(tx.transactionId),
    type: 'ledger.transaction.rejected',
    transactionType: tx.type,
    accountId: tx.accountId,
    atmId: tx.atmId,
    ...optional({
      amount: tx.amount,
      currency: tx.currency,
      toAccountId: tx.toAccountId,
      originalTransactionId: tx.originalTransactionId,
      authorizationId: tx.authorizationId,
      advice: tx.advice === true ? (true as const) : undefined,
      panLast4: tx.panLast4,
    }),
    reason,
    rejectedAt: now,
  };
}

type Change = { account: Account; amount: number; checkFunds: boolean };

class DecisionContext {
  constructor(
    private readonly command: PostTransaction,
    private readonly state: LedgerState,
    private readonly now: string,
    private readonly policy: LedgerPolicy,
  ) {}

  private get tx() {
    return this.command.transaction;
  }

  private reject(reason: RejectionReason): readonly LedgerEvent[] {
    return [rejectedEvent(this.tx, this.command.correlationId, reason, this.now)];
  }

  private account(accountId: string): Account | undefined {
    return this.state.accounts.get(accountId);
  }

  /**
   * What signed amounts do to accounts, as the movements a posting records. A
   * debit with `checkFunds` may not take the available balance (balance +
   * overdraft - holds) below zero; without it (money that physically moved
   * regardless: see {@link isFundsChecked}) it posts whatever the balance. No
   * balance may pass ±MAX_BALANCE, so every balance and sum stays an exact integer.
   */
  private apply(
    changes: readonly Change[],
  ): Movement[] | { refused: 'INSUFFICIENT_FUNDS' | 'LIMIT_EXCEEDED' } {
    const movements: Movement[] = [];
    for (const { account, amount, checkFunds } of changes) {
      const balanceAfter = account.balance + amount;
      if (Math.abs(balanceAfter) > MAX_BALANCE) return { refused: 'LIMIT_EXCEEDED' };
      if (checkFunds && amount < 0 && availableBalance(account) + amount < 0)
        return { refused: 'INSUFFICIENT_FUNDS' };
      movements.push({
        accountId: account.accountId,
        amount,
        balanceBefore: account.balance,
        balanceAfter,
        lowBalanceThreshold: account.lowBalanceThreshold,
        overdraftLimit: account.overdraftLimit,
        sequence: account.version + 1,
      });
    }
    return movements;
  }

  private post(
    movements: readonly Movement[],
    legs: readonly Leg[],
    fields: {
      amount: number;
      currency?: string | undefined;
      balance?: number;
      reversedType?: TransactionPosted['transactionType'];
    },
  ): readonly LedgerEvent[] {
    if (!isBalanced(legs)) {
      throw new LedgerInvariantError(
        `unbalanced legs for ${this.tx.transactionId}: ${JSON.stringify(legs)}`,
      );
    }
    const tx = this.tx;
    const event: TransactionPosted = {
      ...base(tx, this.command.correlationId),
      id: ledgerEventId.posted(tx.transactionId),
      type: 'ledger.transaction.posted',
      transactionType: tx.type,
      accountId: tx.accountId,
      atmId: tx.atmId,
      ...optional({ currency: fields.currency }),
      amount: fields.amount,
      ...optional({
        toAccountId: tx.toAccountId,
        originalTransactionId: tx.originalTransactionId,
        reversedTransactionType: fields.reversedType,
        authorizationId: tx.authorizationId,
        advice: tx.advice === true ? (true as const) : undefined,
        panLast4: tx.panLast4,
      }),
      postedAt: this.now,
      ...optional({ balance: fields.balance }),
      movements: [...movements],
      legs: [...legs],
    };
    return [event];
  }

  /** A single-account movement against an ATM's cash: WITHDRAWAL and DEPOSIT. */
  move(
    accountId: string,
    signedAmount: number,
    currency: string | undefined,
    legsFor: (amount: number, currency: string) => Leg[],
  ): readonly LedgerEvent[] {
    const account = this.account(accountId);
    if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND');
    if (currency !== account.currency) return this.reject('CURRENCY_MISMATCH');
    const checkFunds = isFundsChecked({ transactionType: this.tx.type, advice: this.tx.advice });
    const applied = this.apply([{ account, amount: signedAmount, checkFunds }]);
    if ('refused' in applied) return this.reject(applied.refused);
    const amount = Math.abs(signedAmount);
    // An advice was dispensed already: it counts against the day, but nothing refuses it.
    if (
      this.tx.type === 'WITHDRAWAL' &&
      checkFunds &&
      exceedsDailyLimit(account, this.tx.occurredAt, amount)
    )
      return this.reject('DAILY_LIMIT_EXCEEDED');
    return this.post(applied, legsFor(amount, account.currency), {
      amount,
      currency: account.currency,
    });
  }

  transfer(): readonly LedgerEvent[] {
    const tx = this.tx;
    const amount = requireAmount(tx);
    const toId = tx.toAccountId;
    if (toId === undefined)
      throw new LedgerInvariantError(`TRANSFER ${tx.transactionId} has no toAccountId`);
    if (tx.accountId === toId) return this.reject('SAME_ACCOUNT');
    const from = this.account(tx.accountId);
    const to = this.account(toId);
    if (from === undefined || to === undefined) return this.reject('ACCOUNT_NOT_FOUND');
    if (tx.currency !== from.currency || tx.currency !== to.currency) {
      return this.reject('CURRENCY_MISMATCH');
    }
    const applied = this.apply([
      { account: from, amount: -amount, checkFunds: true },
      { account: to, amount, checkFunds: false },
    ]);
    if ('refused' in applied) return this.reject(applied.refused);
    return this.post(
      applied,
      [debit(from.accountId, amount, from.currency), credit(to.accountId, amount, to.currency)],
      { amount, currency: from.currency },
    );
  }

  inquire(): readonly LedgerEvent[] {
    const account = this.account(this.tx.accountId);
    if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND');
    // The balance it showed is remembered with it, valid because the account must not have moved.
    return this.post([], [], { amount: 0, balance: account.balance });
  }

  /**
   * A withdrawal that completes an authorization: it posts against the hold,
   * never refused for funds (the hold guaranteed them), for at most what was
   * authorized; what it did not dispense is given back. An authorization that
   * expired still completes: the cash left.
   */
  complete(authorizationId: string): readonly LedgerEvent[] {
    const tx = this.tx;
    const auth = this.state.authorization;
    const refused = this.authorizationRefusal(auth);
    if (refused !== undefined) return this.reject(refused);
    const authorization = auth as AuthorizationRecord;
    if (authorization.status === 'COMPLETED') return this.reject('ALREADY_COMPLETED');
    if (authorization.status === 'RELEASED') return this.reject('AUTHORIZATION_NOT_ACTIVE');
    const amount = requireAmount(tx);
    if (amount > authorization.fields.amount) return this.reject('EXCEEDS_AUTHORIZATION');
    const account = this.account(tx.accountId);
    if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND');
    const applied = this.apply([{ account, amount: -amount, checkFunds: false }]);
    if ('refused' in applied) return this.reject(applied.refused);
    const posted = this.post(
      applied,
      [
        debit(tx.accountId, amount, account.currency),
        credit(atmCashAccount(tx.atmId), amount, account.currency),
      ],
      { amount, currency: account.currency },
    );
    const completed: AuthorizationCompleted = {
      ...this.authorizationBase(authorization),
      id: ledgerEventId.authorization(authorizationId, 'completed'),
      type: 'ledger.authorization.completed',
      transactionId: tx.transactionId,
      completedAmount: amount,
      // An expired hold already stopped counting.
      releasedHold: authorization.status === 'APPROVED' ? authorization.fields.amount : 0,
      completedAt: this.now,
    };
    return [...posted, completed];
  }

  /**
   * A reversal that names an authorization releases its hold: an APPROVED one
   * that was not completed. No entries: no money moved.
   */
  release(authorizationId: string): readonly LedgerEvent[] {
    const tx = this.tx;
    const auth = this.state.authorization;
    const refused = this.authorizationRefusal(auth);
    if (refused !== undefined) return this.reject(refused);
    const authorization = auth as AuthorizationRecord;
    if (authorization.status === 'COMPLETED') return this.reject('ALREADY_COMPLETED');
    if (authorization.status !== 'APPROVED') return this.reject('AUTHORIZATION_NOT_ACTIVE');
    if (tx.amount !== undefined && tx.amount !== authorization.fields.amount)
      return this.reject('ORIGINAL_MISMATCH');
    const posted = this.post([], [], {
      amount: authorization.fields.amount,
      currency: authorization.fields.currency,
    });
    const released: AuthorizationReleased = {
      ...this.authorizationBase(authorization),
      id: ledgerEventId.authorization(authorizationId, 'released'),
      type: 'ledger.authorization.released',
      transactionId: tx.transactionId,
      releasedAt: this.now,
    };
    return [...posted, released];
  }

  /** Why a completion or release cannot use this authorization at all, if it cannot. */
  private authorizationRefusal(
    authorization: AuthorizationRecord | undefined,
  ):
    | 'AUTHORIZATION_NOT_FOUND'
    | 'AUTHORIZATION_NOT_ACTIVE'
    | 'ORIGINAL_MISMATCH'
    | 'CURRENCY_MISMATCH'
    | undefined {
    const tx = this.tx;
    if (authorization === undefined) return 'AUTHORIZATION_NOT_FOUND';
    if (authorization.fields.accountId !== tx.accountId) return 'ORIGINAL_MISMATCH';
    if (tx.currency !== undefined && tx.currency !== authorization.fields.currency)
      return 'CURRENCY_MISMATCH';
    if (authorization.status === 'DECLINED') return 'AUTHORIZATION_NOT_ACTIVE';
    return undefined;
  }

  private authorizationBase(authorization: AuthorizationRecord) {
    const { fields } = authorization;
    return {
      schemaVersion: 1 as const,
      authorizationId: fields.authorizationId,
      accountId: fields.accountId,
      occurredAt: fields.occurredAt,
      ...optional({ correlationId: this.command.correlationId }),
      amount: fields.amount,
      currency: fields.currency,
    };
  }

  reverse(): readonly LedgerEvent[] {
    const tx = this.tx;
    const original = this.state.original;
    const originalId = tx.originalTransactionId;
    if (originalId === undefined)
      throw new LedgerInvariantError(`REVERSAL ${tx.transactionId} has no originalTransactionId`);
    if (originalId === tx.transactionId) return this.reject('NOT_REVERSIBLE');
    if (original === undefined) return this.pend(originalId);
    const originalTx = original.transaction;
    if (!this.binds(originalTx)) return this.reject('ORIGINAL_MISMATCH');
    if (originalTx.type === 'REVERSAL' || originalTx.type === 'BALANCE_INQUIRY') {
      return this.reject('NOT_REVERSIBLE');
    }
    if (original.status !== 'POSTED') return this.reject('ORIGINAL_NOT_POSTED');
    if (original.reversedBy !== undefined) return this.reject('ALREADY_REVERSED');
    const originalAmount = requireAmount(originalTx);
    const dispensed = tx.dispensedAmount ?? 0;
    if (dispensed > originalAmount) return this.reject('INVALID_DISPENSED_AMOUNT');
    // Only cash that left the ATM for a withdrawal can be partly "dispensed"; for the
    // other types a dispensed amount would mean a partial reversal of a non-cash movement.
    if (dispensed > 0 && originalTx.type !== 'WITHDRAWAL')
      return this.reject('INVALID_DISPENSED_AMOUNT');
    // All of it was dispensed: nothing to give back, and the original stays reversible.
    if (dispensed === originalAmount) return this.reject('NOTHING_TO_REVERSE');
    const refund = originalAmount - dispensed;
    const accounts: Account[] = [];
    for (const m of original.movements) {
      const account = this.account(m.accountId);
      if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND');
      accounts.push(account);
    }
    // Each account moves back in proportion to how the original moved it; a
    // refund smaller than the original applies only to withdrawals (single account).
    const changes = original.movements.map((m, i) => ({
      account: accounts[i] as Account,
      amount: -Math.sign(m.amount) * (refund === originalAmount ? Math.abs(m.amount) : refund),
      // A reversal corrects what physically happened. Cash a deposit never put in the ATM
      // comes off the customer whatever the balance; money a transfer gave the payee comes
      // back only if the payee still has it, like any debit.
      checkFunds: isFundsChecked({
        transactionType: 'REVERSAL',
        reversedTransactionType: originalTx.type,
      }),
    }));
    const applied = this.apply(changes);
    if ('refused' in applied) return this.reject(applied.refused);
    const legs = original.legs.map((leg) => {
      const share = refund === originalAmount ? Math.max(leg.debit, leg.credit) : refund;
      return leg.debit > 0
        ? credit(leg.account, share, leg.currency)
        : debit(leg.account, share, leg.currency);
    });
    return this.post(applied, legs, {
      amount: refund,
      currency: originalTx.currency ?? legs[0]?.currency,
      reversedType: originalTx.type,
    });
  }

  /**
   * Whether this reversal is about `original`: the same account and ATM, an
   * original that occurred no later than the reversal and at most the window
   * before it, and (when the reversal carries them, as ISO 8583 reversals do)
   * the same amount and currency.
   */
  private binds(original: AtmTransaction): boolean {
    const tx = this.tx;
    if (original.accountId !== tx.accountId || original.atmId !== tx.atmId) return false;
    const reversalAt = Date.parse(tx.occurredAt);
    const originalAt = Date.parse(original.occurredAt);
    if (originalAt > reversalAt) return false;
    if (reversalAt - originalAt > this.policy.reversalWindowSeconds * 1000) return false;
    if (tx.amount !== undefined && tx.amount !== original.amount) return false;
    if (tx.currency !== undefined && tx.currency !== original.currency) return false;
    return true;
  }

  /**
   * A reversal before its original: it waits, in arrival order behind the
   * reversals already waiting, for at most the window; past the bound on
   * waiting reversals it is refused.
   */
  private pend(originalId: string): readonly LedgerEvent[] {
    const waitingBefore = this.state.originalWaiting ?? [];
    if (waitingBefore.length >= MAX_WAITING_REVERSALS) return this.reject('LIMIT_EXCEEDED');
    const tx = this.tx;
    const event: ReversalPending = {
      ...base(tx, this.command.correlationId),
      id: ledgerEventId.pending(tx.transactionId),
      type: 'ledger.reversal.pending',
      accountId: tx.accountId,
      originalTransactionId: originalId,
      pendingSince: this.now,
      waitUntil: new Date(
        Date.parse(this.now) + this.policy.reversalWindowSeconds * 1000,
      ).toISOString(),
    };
    return [event];
  }
}
