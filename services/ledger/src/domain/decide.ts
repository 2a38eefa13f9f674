import {
  type AtmTransaction,
  isSamePayload,
  type Leg,
  MAX_BALANCE,
  type RejectionReason,
} from '@atm-ledger/contracts';
import { LedgerInvariantError } from './errors.js';
import { atmCashAccount, credit, debit, isBalanced } from './legs.js';
import {
  type Account,
  type AccountWrite,
  DEFAULT_LEDGER_POLICY,
  type Decision,
  type LedgerPolicy,
  type LedgerState,
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
 * Decides what posting one transaction means, given what the ledger holds.
 * Pure: no I/O and no clock; `now` is the decision time, injected.
 *
 * Rules (docs/ledger.md has worked examples):
 * - an id seen before with the same payload is a duplicate: nothing changes;
 * - an id seen before with a different payload is a conflict: recorded, never applied;
 * - a rejection is remembered like a posting, so redelivery cannot turn it into one;
 * - every posting's legs balance per currency;
 * - a reversal binds only to an original of its account and ATM, within the window.
 */
export function decide(
  command: PostTransaction,
  state: LedgerState,
  now: string,
  policy: LedgerPolicy = DEFAULT_LEDGER_POLICY,
): Decision {
  const { transaction: tx } = command;
  const existing = state.existing;
  let resumesPending = false;
  if (existing !== undefined) {
    // Compared by the stored fingerprint's own version: a record decided before payloads
    // were canonical is still its own payload's.
    if (!isSamePayload(existing.payloadHash, tx)) {
      return { kind: 'Conflict', existing, conflictingHash: command.payloadHash };
    }
    // A reversal left PENDING is decided once its original is there, or once it has waited
    // its window out; until then, and for anything already decided, the same payload again
    // is a duplicate.
    if (existing.status !== 'PENDING') return { kind: 'Duplicate', existing };
    if (isPastWait(existing, now)) return decideExpiry(existing, now);
    if (state.original === undefined) return { kind: 'Duplicate', existing };
    resumesPending = true;
  }
  const decision = decideNew(new DecisionContext(command, state, now, policy), tx);
  if (!resumesPending) return decision;
  switch (decision.kind) {
    case 'Post':
    case 'Reject':
      return { ...decision, resumesPending: true };
    case 'Pend':
    case 'Duplicate':
    case 'Conflict':
      throw new LedgerInvariantError(`resuming ${tx.transactionId} produced ${decision.kind}`);
    default:
      return assertNever(decision);
  }
}

const isPastWait = (record: TransactionRecord, now: string) =>
  record.waitUntil !== undefined && Date.parse(now) >= Date.parse(record.waitUntil);

/**
 * Ends a PENDING reversal whose original has not arrived within its wait:
 * REJECTED `ORIGINAL_NOT_FOUND`, replacing the PENDING record. Anything else
 * (already decided, or still inside its wait) is left as it is.
 */
export function decideExpiry(record: TransactionRecord, now: string): Decision {
  if (record.status !== 'PENDING' || !isPastWait(record, now)) {
    return { kind: 'Duplicate', existing: record };
  }
  return {
    kind: 'Reject',
    record: {
      ...record,
      status: 'REJECTED',
      reason: 'ORIGINAL_NOT_FOUND',
      decidedAt: now,
      legs: [],
      movements: [],
    },
    basedOn: [],
    absent: [],
    resumesPending: true,
  };
}

function decideNew(ctx: DecisionContext, tx: AtmTransaction): Decision {
  switch (tx.type) {
    case 'WITHDRAWAL':
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

  private record(
    status: TransactionRecord['status'],
    extra: Partial<TransactionRecord> = {},
  ): TransactionRecord {
    return {
      transaction: this.tx,
      payloadHash: this.command.payloadHash,
      status,
      // A resumed PENDING record keeps the conflicts counted against it meanwhile.
      conflicts: this.state.existing?.conflicts ?? 0,
      conflictHashes: this.state.existing?.conflictHashes ?? [],
      legs: [],
      movements: [],
      decidedAt: this.now,
      correlationId: this.command.correlationId,
      ...(this.state.waiting.length > 0 ? { reversalsWaiting: this.state.waiting } : {}),
      ...extra,
    };
  }

  private reject(reason: RejectionReason, basedOn: Account[], absent: string[] = []): Decision {
    return { kind: 'Reject', record: this.record('REJECTED', { reason }), basedOn, absent };
  }

  private account(accountId: string): Account | undefined {
    return this.state.accounts.get(accountId);
  }

  /**
   * Applies signed amounts to accounts and returns the writes. A debit with
   * `checkFunds` may not take the balance below `-overdraftLimit`; without it
   * (money that physically moved regardless: a deposit the ATM never took
   * in) it posts whatever the balance. No balance may pass ±MAX_BALANCE, so
   * every balance and sum stays an exact integer.
   */
  private apply(
    changes: ReadonlyArray<{ account: Account; amount: number; checkFunds: boolean }>,
  ):
    | { writes: AccountWrite[]; movements: Movement[] }
    | { refused: 'INSUFFICIENT_FUNDS' | 'LIMIT_EXCEEDED' } {
    const writes: AccountWrite[] = [];
    const movements: Movement[] = [];
    for (const { account, amount, checkFunds } of changes) {
      const minimumBalance = -account.overdraftLimit;
      const balanceAfter = account.balance + amount;
      if (Math.abs(balanceAfter) > MAX_BALANCE) return { refused: 'LIMIT_EXCEEDED' };
      if (checkFunds && amount < 0 && balanceAfter < minimumBalance)
        return { refused: 'INSUFFICIENT_FUNDS' };
      const sequence = account.version + 1;
      const after: Account = {
        ...account,
        balance: balanceAfter,
        version: sequence,
        updatedAt: this.now,
      };
      writes.push({
        before: account,
        after,
        minimumBalance: amount < 0 && checkFunds ? minimumBalance : Number.MIN_SAFE_INTEGER,
        entry: {
          accountId: account.accountId,
          sequence,
          transactionId: this.tx.transactionId,
          type: this.tx.type,
          amount,
          balanceAfter,
          postedAt: this.now,
        },
      });
      movements.push({
        accountId: account.accountId,
        amount,
        balanceBefore: account.balance,
        balanceAfter,
        lowBalanceThreshold: account.lowBalanceThreshold,
        overdraftLimit: account.overdraftLimit,
        sequence,
      });
    }
    return { writes, movements };
  }

  private post(
    writes: AccountWrite[],
    movements: Movement[],
    legs: Leg[],
    extra: { reverses?: string; unchanged?: Account[]; record?: Partial<TransactionRecord> } = {},
  ): Decision {
    if (!isBalanced(legs)) {
      throw new LedgerInvariantError(
        `unbalanced legs for ${this.tx.transactionId}: ${JSON.stringify(legs)}`,
      );
    }
    return {
      kind: 'Post',
      record: this.record('POSTED', { legs, movements, ...extra.record }),
      writes,
      unchanged: extra.unchanged ?? [],
      reverses: extra.reverses,
    };
  }

  /** A single-account movement against an ATM's cash: WITHDRAWAL and DEPOSIT. */
  move(
    accountId: string,
    signedAmount: number,
    currency: string | undefined,
    legsFor: (amount: number, currency: string) => Leg[],
  ): Decision {
    const account = this.account(accountId);
    if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND', [], [accountId]);
    if (currency !== account.currency) return this.reject('CURRENCY_MISMATCH', [account]);
    const applied = this.apply([{ account, amount: signedAmount, checkFunds: true }]);
    if ('refused' in applied) return this.reject(applied.refused, [account]);
    return this.post(
      applied.writes,
      applied.movements,
      legsFor(Math.abs(signedAmount), account.currency),
    );
  }

  transfer(): Decision {
    const tx = this.tx;
    const amount = requireAmount(tx);
    const toId = tx.toAccountId;
    if (toId === undefined)
      throw new LedgerInvariantError(`TRANSFER ${tx.transactionId} has no toAccountId`);
    const from = this.account(tx.accountId);
    const to = this.account(toId);
    if (tx.accountId === toId)
      return this.reject('SAME_ACCOUNT', from ? [from] : [], from ? [] : [toId]);
    const missing = [from ? undefined : tx.accountId, to ? undefined : toId].filter(
      (id): id is string => id !== undefined,
    );
    if (from === undefined || to === undefined) {
      return this.reject(
        'ACCOUNT_NOT_FOUND',
        [from, to].filter((a): a is Account => a !== undefined),
        missing,
      );
    }
    if (tx.currency !== from.currency || tx.currency !== to.currency) {
      return this.reject('CURRENCY_MISMATCH', [from, to]);
    }
    const applied = this.apply([
      { account: from, amount: -amount, checkFunds: true },
      { account: to, amount, checkFunds: false },
    ]);
    if ('refused' in applied) return this.reject(applied.refused, [from, to]);
    return this.post(applied.writes, applied.movements, [
      debit(from.accountId, amount, from.currency),
      credit(to.accountId, amount, to.currency),
    ]);
  }

  inquire(): Decision {
    const account = this.account(this.tx.accountId);
    if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND', [], [this.tx.accountId]);
    // The balance it showed is remembered with it, valid because the account must not have moved.
    return this.post([], [], [], { unchanged: [account], record: { balance: account.balance } });
  }

  reverse(): Decision {
    const tx = this.tx;
    const original = this.state.original;
    const originalId = tx.originalTransactionId;
    if (originalId === undefined)
      throw new LedgerInvariantError(`REVERSAL ${tx.transactionId} has no originalTransactionId`);
    if (originalId === tx.transactionId) return this.reject('NOT_REVERSIBLE', []);
    if (original === undefined) return this.pend(originalId);
    const originalTx = original.transaction;
    if (!this.binds(originalTx)) return this.reject('ORIGINAL_MISMATCH', []);
    if (originalTx.type === 'REVERSAL' || originalTx.type === 'BALANCE_INQUIRY') {
      return this.reject('NOT_REVERSIBLE', []);
    }
    if (original.status !== 'POSTED') return this.reject('ORIGINAL_NOT_POSTED', []);
    if (original.reversedBy !== undefined) return this.reject('ALREADY_REVERSED', []);
    const originalAmount = requireAmount(originalTx);
    const dispensed = tx.dispensedAmount ?? 0;
    if (dispensed > originalAmount) return this.reject('INVALID_DISPENSED_AMOUNT', []);
    // Only cash that left the ATM for a withdrawal can be partly "dispensed"; for the
    // other types a dispensed amount would mean a partial reversal of a non-cash movement.
    if (dispensed > 0 && originalTx.type !== 'WITHDRAWAL')
      return this.reject('INVALID_DISPENSED_AMOUNT', []);
    // All of it was dispensed: nothing to give back, and the original stays reversible.
    if (dispensed === originalAmount) return this.reject('NOTHING_TO_REVERSE', []);
    const refund = originalAmount - dispensed;
    const accounts: Account[] = [];
    for (const m of original.movements) {
      const account = this.account(m.accountId);
      if (account === undefined) return this.reject('ACCOUNT_NOT_FOUND', accounts, [m.accountId]);
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
      checkFunds: originalTx.type !== 'DEPOSIT',
    }));
    const applied = this.apply(changes);
    if ('refused' in applied) return this.reject(applied.refused, accounts);
    const legs = original.legs.map((leg) => {
      const share = refund === originalAmount ? Math.max(leg.debit, leg.credit) : refund;
      return leg.debit > 0
        ? credit(leg.account, share, leg.currency)
        : debit(leg.account, share, leg.currency);
    });
    return this.post(applied.writes, applied.movements, legs, {
      reverses: originalTx.transactionId,
      record: { reversedType: originalTx.type },
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
  private pend(originalId: string): Decision {
    const waitingBefore = this.state.originalWaiting ?? [];
    if (waitingBefore.length >= MAX_WAITING_REVERSALS) return this.reject('LIMIT_EXCEEDED', []);
    const waitUntil = new Date(
      Date.parse(this.now) + this.policy.reversalWindowSeconds * 1000,
    ).toISOString();
    return {
      kind: 'Pend',
      record: this.record('PENDING', { waitUntil }),
      waitsFor: originalId,
      waitingBefore,
    };
  }
}
