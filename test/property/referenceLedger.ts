import type {
  AtmTransaction,
  AuthorizationRequest,
  AuthorizationStatus,
  DeclineReason,
  RejectionReason,
} from '@atm-ledger/contracts';

type Status = 'POSTED' | 'REJECTED' | 'PENDING';

/** An account as the reference keeps it: its posted balance, its holds and its daily usage. */
export interface RefAccount {
  currency: string;
  balance: number;
  overdraft: number;
  dailyLimit: number | undefined;
  /** Sum of the amounts of its APPROVED authorizations. */
  held: number;
  /** What counts against the daily limit, per UTC day (YYYY-MM-DD). */
  withdrawn: Map<string, number>;
}

/** What the reference knows of an authorization id. */
export interface RefAuthorization {
  readonly key: string;
  readonly request: AuthorizationRequest;
  status: AuthorizationStatus;
  readonly reason?: DeclineReason;
  /** The available balance right after the decision (absent for an unknown account). */
  readonly availableBalance?: number;
  /** Epoch ms; only for an approval. */
  readonly expiresAt?: number;
  completedAmount?: number;
  /** The transaction that completed or released it. */
  endedBy?: string;
}

/** The answer the reference expects from `authorize()`. */
export type RefAuthorizeAnswer =
  | { readonly kind: 'Decided' | 'Identical'; readonly authorization: RefAuthorization }
  | { readonly kind: 'Conflict'; readonly fields: readonly string[] };

/** The UTC day of an instant, however it is written. */
const dayOf = (instant: string) => new Date(instant).toISOString().slice(0, 10);

/** The fields of an authorization that make it one, in the order a 409 names them. */
const AUTHORIZATION_FIELDS = [
  'authorizationId',
  'accountId',
  'amount',
  'currency',
  'atmId',
  'occurredAt',
  'panLast4',
] as const;

/** An authorization's identity: the instant it occurred, however written, and only the PAN's last 4. */
function authorizationFields(request: AuthorizationRequest): Record<string, unknown> {
  return {
    authorizationId: request.authorizationId,
    accountId: request.accountId,
    amount: request.amount,
    currency: request.currency,
    atmId: request.atmId,
    occurredAt: new Date(request.occurredAt).toISOString(),
    panLast4: request.pan?.slice(-4),
  };
}

const MAX_WAITING = 10;
const MAX_BALANCE = 1e15;

/**
 * A transaction's identity for duplicate detection, written independently of
 * the ledger's fingerprint: the instant it occurred (however it was written),
 * and a dispensed amount of 0 the same as none.
 */
function payloadKey(tx: AtmTransaction): string {
  const fields: Record<string, unknown> = {
    ...tx,
    occurredAt: new Date(tx.occurredAt).toISOString(),
  };
  if (fields.dispensedAmount === 0) delete fields.dispensedAmount;
  return JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
  );
}

/**
 * The oracle of the model-based tests: the ledger's rules written as plainly
 * as possible, independent of `decide`. If the two disagree, one is wrong.
 */
export class ReferenceLedger {
  readonly accounts = new Map<string, RefAccount>();
  readonly authorizations = new Map<string, RefAuthorization>();
  readonly outcomes = new Map<
    string,
    {
      status: Status;
      reason?: RejectionReason;
      key: string;
      conflicts: Set<string>;
      /** For a PENDING reversal: when it stops waiting (epoch ms). */
      waitUntil?: number;
    }
  >();
  readonly reversedBy = new Map<string, string>();
  /** Money moved by each posted transaction, per account (signed), to reverse it. */
  readonly moves = new Map<string, { accountId: string; amount: number }[]>();
  readonly transactions = new Map<string, AtmTransaction>();
  /** Reversals waiting for an original that has not arrived, in arrival order. */
  readonly waiting = new Map<string, string[]>();

  /**
   * @param windowMs the reversal window; @param now the model's clock, epoch ms;
   * @param holdTtlMs how long an approved hold lasts uncompleted.
   */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly holdTtlMs = 7 * 86_400_000,
  ) {}

  open(accountId: string, currency: string, overdraft: number, dailyLimit?: number) {
    if (!this.accounts.has(accountId))
      this.accounts.set(accountId, {
        currency,
        balance: 0,
        overdraft,
        dailyLimit,
        held: 0,
        withdrawn: new Map(),
      });
  }

  /** What an account may still take: its balance and overdraft, less its holds. */
  available(a: RefAccount): number {
    return a.balance + a.overdraft - a.held;
  }

  #addWithdrawn(a: RefAccount, day: string, amount: number) {
    a.withdrawn.set(day, (a.withdrawn.get(day) ?? 0) + amount);
  }

  #overDailyLimit(a: RefAccount, day: string, amount: number) {
    return a.dailyLimit !== undefined && (a.withdrawn.get(day) ?? 0) + amount > a.dailyLimit;
  }

  /**
   * An ATM asks, before it dispenses: approved when the amount is within the
   * available balance and the day's limit (a hold, counted against the day of
   * its occurredAt); otherwise declined, for the first of: unknown account,
   * currency, funds, daily limit. An id asked again is answered as decided, or
   * is a conflict when its fields differ.
   */
  authorize(request: AuthorizationRequest): RefAuthorizeAnswer {
    const fields = authorizationFields(request);
    const key = JSON.stringify(fields);
    const seen = this.authorizations.get(request.authorizationId);
    if (seen !== undefined) {
      if (seen.key === key) return { kind: 'Identical', authorization: seen };
      const before = authorizationFields(seen.request);
      return {
        kind: 'Conflict',
        fields: AUTHORIZATION_FIELDS.filter((f) => before[f] !== fields[f]),
      };
    }
    const a = this.accounts.get(request.accountId);
    const decline = (reason: DeclineReason): RefAuthorizeAnswer => {
      const authorization: RefAuthorization = {
        key,
        request,
        status: 'DECLINED',
        reason,
        ...(a === undefined ? {} : { availableBalance: this.available(a) }),
      };
      this.authorizations.set(request.authorizationId, authorization);
      return { kind: 'Decided', authorization };
    };
    if (a === undefined) return decline('ACCOUNT_NOT_FOUND');
    if (a.currency !== request.currency) return decline('CURRENCY_MISMATCH');
    if (request.amount > this.available(a)) return decline('INSUFFICIENT_FUNDS');
    const day = dayOf(request.occurredAt);
    if (this.#overDailyLimit(a, day, request.amount)) return decline('DAILY_LIMIT_EXCEEDED');
    a.held += request.amount;
    this.#addWithdrawn(a, day, request.amount);
    const authorization: RefAuthorization = {
      key,
      request,
      status: 'APPROVED',
      availableBalance: this.available(a),
      expiresAt: this.now() + this.holdTtlMs,
    };
    this.authorizations.set(request.authorizationId, authorization);
    return { kind: 'Decided', authorization };
  }

  deliver(tx: AtmTransaction): void {
    const key = payloadKey(tx);
    const seen = this.outcomes.get(tx.transactionId);
    if (seen !== undefined) {
      if (seen.key !== key) {
        seen.conflicts.add(key);
        return;
      }
      if (seen.status !== 'PENDING') return;
      if (this.#waitIsOver(seen)) this.#expire(tx.transactionId);
      else if (this.outcomes.has(tx.originalTransactionId ?? ''))
        this.#decide(tx, key, seen.conflicts);
      return;
    }
    this.#decide(tx, key, new Set());
    for (const reversalId of this.waiting.get(tx.transactionId) ?? []) {
      const outcome = this.outcomes.get(reversalId);
      const reversal = this.transactions.get(reversalId);
      if (outcome?.status !== 'PENDING' || reversal === undefined) continue;
      if (this.#waitIsOver(outcome)) this.#expire(reversalId);
      else this.#decide(reversal, outcome.key, outcome.conflicts);
    }
  }

  /**
   * What a sweep at `now` does: every early reversal whose wait is over is
   * refused, and every approved hold past its expiry stops counting (its day
   * keeps it: a completion may still come).
   */
  sweep(): void {
    for (const [id, outcome] of this.outcomes) {
      if (outcome.status === 'PENDING' && this.#waitIsOver(outcome)) this.#expire(id);
    }
    for (const auth of this.authorizations.values()) {
      if (auth.status !== 'APPROVED' || auth.expiresAt === undefined) continue;
      if (this.now() < auth.expiresAt) continue;
      auth.status = 'EXPIRED';
      const a = this.accounts.get(auth.request.accountId);
      if (a) a.held -= auth.request.amount;
    }
  }

  #waitIsOver(outcome: { waitUntil?: number }) {
    return outcome.waitUntil !== undefined && this.now() >= outcome.waitUntil;
  }

  #expire(id: string) {
    const outcome = this.outcomes.get(id);
    if (outcome === undefined) return;
    this.outcomes.set(id, {
      status: 'REJECTED',
      reason: 'ORIGINAL_NOT_FOUND',
      key: outcome.key,
      conflicts: outcome.conflicts,
    });
  }

  #decide(tx: AtmTransaction, key: string, conflicts: Set<string>) {
    this.transactions.set(tx.transactionId, tx);
    const record = (status: Status, reason?: RejectionReason, waitUntil?: number) => {
      this.outcomes.set(tx.transactionId, {
        status,
        key,
        conflicts,
        ...(reason ? { reason } : {}),
        ...(waitUntil === undefined ? {} : { waitUntil }),
      });
    };
    const apply = (changes: { accountId: string; amount: number; checkFunds: boolean }[]) => {
      for (const c of changes) {
        const a = this.accounts.get(c.accountId);
        if (!a) return 'ACCOUNT_NOT_FOUND' as const;
        if (Math.abs(a.balance + c.amount) > MAX_BALANCE) return 'LIMIT_EXCEEDED' as const;
        if (c.checkFunds && c.amount < 0 && this.available(a) + c.amount < 0)
          return 'INSUFFICIENT_FUNDS' as const;
      }
      for (const c of changes) {
        const a = this.accounts.get(c.accountId);
        if (a) a.balance += c.amount;
      }
      this.moves.set(
        tx.transactionId,
        changes.map(({ accountId, amount }) => ({ accountId, amount })),
      );
      return undefined;
    };
    const a = this.accounts.get(tx.accountId);
    /** The authorization a completion or release names, or why it cannot use it at all. */
    const authorizationFor = (id: string) => {
      const auth = this.authorizations.get(id);
      if (!auth) return 'AUTHORIZATION_NOT_FOUND' as const;
      if (auth.request.accountId !== tx.accountId) return 'ORIGINAL_MISMATCH' as const;
      if (tx.currency !== undefined && tx.currency !== auth.request.currency)
        return 'CURRENCY_MISMATCH' as const;
      if (auth.status === 'DECLINED') return 'AUTHORIZATION_NOT_ACTIVE' as const;
      if (auth.status === 'COMPLETED') return 'ALREADY_COMPLETED' as const;
      return auth;
    };
    switch (tx.type) {
      case 'WITHDRAWAL':
        if (tx.authorizationId !== undefined) {
          // A completion: never refused for funds (the hold guaranteed them), for at most what was
          // authorized; the rest goes back to the authorization's day. An expired hold still
          // completes (the cash left), and its hold had stopped counting already.
          const auth = authorizationFor(tx.authorizationId);
          if (typeof auth === 'string') return record('REJECTED', auth);
          if (auth.status === 'RELEASED') return record('REJECTED', 'AUTHORIZATION_NOT_ACTIVE');
          const amount = tx.amount ?? 0;
          if (amount > auth.request.amount) return record('REJECTED', 'EXCEEDS_AUTHORIZATION');
          if (!a) return record('REJECTED', 'ACCOUNT_NOT_FOUND');
          const failed = apply([{ accountId: tx.accountId, amount: -amount, checkFunds: false }]);
          if (failed) return record('REJECTED', failed);
          if (auth.status === 'APPROVED') a.held -= auth.request.amount;
          this.#addWithdrawn(a, dayOf(auth.request.occurredAt), amount - auth.request.amount);
          auth.status = 'COMPLETED';
          auth.completedAmount = amount;
          auth.endedBy = tx.transactionId;
          return record('POSTED');
        }
        {
          if (!a) return record('REJECTED', 'ACCOUNT_NOT_FOUND');
          if (a.currency !== tx.currency) return record('REJECTED', 'CURRENCY_MISMATCH');
          const amount = tx.amount ?? 0;
          const day = dayOf(tx.occurredAt);
          // An advice was authorized elsewhere and dispensed: it posts whatever the balance or the day.
          const checked = tx.advice !== true;
          if (Math.abs(a.balance - amount) > MAX_BALANCE)
            return record('REJECTED', 'LIMIT_EXCEEDED');
          if (checked && this.available(a) - amount < 0)
            return record('REJECTED', 'INSUFFICIENT_FUNDS');
          if (checked && this.#overDailyLimit(a, day, amount))
            return record('REJECTED', 'DAILY_LIMIT_EXCEEDED');
          apply([{ accountId: tx.accountId, amount: -amount, checkFunds: false }]);
          // Advices count against the day too; nothing refuses them.
          this.#addWithdrawn(a, day, amount);
          return record('POSTED');
        }
      case 'DEPOSIT': {
        if (!a) return record('REJECTED', 'ACCOUNT_NOT_FOUND');
        if (a.currency !== tx.currency) return record('REJECTED', 'CURRENCY_MISMATCH');
        const failed = apply([
          { accountId: tx.accountId, amount: tx.amount ?? 0, checkFunds: true },
        ]);
        return record(failed ? 'REJECTED' : 'POSTED', failed);
      }
      case 'TRANSFER': {
        const to = tx.toAccountId ?? '';
        const b = this.accounts.get(to);
        if (tx.accountId === to) return record('REJECTED', 'SAME_ACCOUNT');
        if (!a || !b) return record('REJECTED', 'ACCOUNT_NOT_FOUND');
        if (a.currency !== tx.currency || b.currency !== tx.currency)
          return record('REJECTED', 'CURRENCY_MISMATCH');
        const failed = apply([
          { accountId: tx.accountId, amount: -(tx.amount ?? 0), checkFunds: true },
          { accountId: to, amount: tx.amount ?? 0, checkFunds: false },
        ]);
        return record(failed ? 'REJECTED' : 'POSTED', failed);
      }
      case 'BALANCE_INQUIRY':
        return record(a ? 'POSTED' : 'REJECTED', a ? undefined : 'ACCOUNT_NOT_FOUND');
      case 'REVERSAL': {
        if (tx.authorizationId !== undefined) {
          // A release: an APPROVED hold, not completed, stops; its day gets all of it back. No entries.
          const auth = authorizationFor(tx.authorizationId);
          if (typeof auth === 'string') return record('REJECTED', auth);
          if (auth.status !== 'APPROVED') return record('REJECTED', 'AUTHORIZATION_NOT_ACTIVE');
          if (tx.amount !== undefined && tx.amount !== auth.request.amount)
            return record('REJECTED', 'ORIGINAL_MISMATCH');
          if (a) {
            a.held -= auth.request.amount;
            this.#addWithdrawn(a, dayOf(auth.request.occurredAt), -auth.request.amount);
          }
          auth.status = 'RELEASED';
          auth.endedBy = tx.transactionId;
          this.moves.set(tx.transactionId, []);
          return record('POSTED');
        }
        const originalId = tx.originalTransactionId ?? '';
        if (originalId === tx.transactionId) return record('REJECTED', 'NOT_REVERSIBLE');
        const original = this.outcomes.get(originalId);
        const originalTx = this.transactions.get(originalId);
        if (!original || !originalTx) {
          const queue = this.waiting.get(originalId) ?? [];
          if (queue.length >= MAX_WAITING) return record('REJECTED', 'LIMIT_EXCEEDED');
          this.waiting.set(originalId, [...queue, tx.transactionId]);
          return record('PENDING', undefined, this.now() + this.windowMs);
        }
        // It must be about the original: same account and ATM, inside the window, and
        // the original's amount and currency when it carries them.
        const reversalAt = new Date(tx.occurredAt).getTime();
        const originalAt = new Date(originalTx.occurredAt).getTime();
        if (
          originalTx.accountId !== tx.accountId ||
          originalTx.atmId !== tx.atmId ||
          originalAt > reversalAt ||
          reversalAt - originalAt > this.windowMs ||
          (tx.amount !== undefined && tx.amount !== originalTx.amount) ||
          (tx.currency !== undefined && tx.currency !== originalTx.currency)
        ) {
          return record('REJECTED', 'ORIGINAL_MISMATCH');
        }
        if (originalTx.type === 'REVERSAL' || originalTx.type === 'BALANCE_INQUIRY')
          return record('REJECTED', 'NOT_REVERSIBLE');
        if (original.status !== 'POSTED') return record('REJECTED', 'ORIGINAL_NOT_POSTED');
        if (this.reversedBy.has(originalId)) return record('REJECTED', 'ALREADY_REVERSED');
        const moves = this.moves.get(originalId) ?? [];
        const originalAmount = originalTx.amount ?? 0;
        const dispensed = tx.dispensedAmount ?? 0;
        if (dispensed > originalAmount || (dispensed > 0 && originalTx.type !== 'WITHDRAWAL')) {
          return record('REJECTED', 'INVALID_DISPENSED_AMOUNT');
        }
        if (dispensed === originalAmount) return record('REJECTED', 'NOTHING_TO_REVERSE');
        const refund = originalAmount - dispensed;
        const failed = apply(
          moves.map((m) => ({
            accountId: m.accountId,
            amount: -Math.sign(m.amount) * refund,
            // A deposit the ATM never took in comes off whatever the balance.
            checkFunds: originalTx.type !== 'DEPOSIT',
          })),
        );
        if (failed) return record('REJECTED', failed);
        this.reversedBy.set(originalId, tx.transactionId);
        return record('POSTED');
      }
    }
  }
}
