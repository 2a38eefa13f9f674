import type { AtmTransaction, RejectionReason } from '@atm-ledger/contracts';

type Status = 'POSTED' | 'REJECTED' | 'PENDING';

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
  readonly accounts = new Map<string, { currency: string; balance: number; overdraft: number }>();
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

  /** @param windowMs the reversal window; @param now the model's clock, epoch ms. */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  open(accountId: string, currency: string, overdraft: number) {
    if (!this.accounts.has(accountId))
      this.accounts.set(accountId, { currency, balance: 0, overdraft });
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

  /** What a sweep at `now` does: every early reversal whose wait is over is refused. */
  sweep(): void {
    for (const [id, outcome] of this.outcomes) {
      if (outcome.status === 'PENDING' && this.#waitIsOver(outcome)) this.#expire(id);
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
        if (c.checkFunds && c.amount < 0 && a.balance + c.amount < -a.overdraft)
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
    switch (tx.type) {
      case 'DEPOSIT':
      case 'WITHDRAWAL': {
        if (!a) return record('REJECTED', 'ACCOUNT_NOT_FOUND');
        if (a.currency !== tx.currency) return record('REJECTED', 'CURRENCY_MISMATCH');
        const amount = (tx.amount ?? 0) * (tx.type === 'DEPOSIT' ? 1 : -1);
        const failed = apply([{ accountId: tx.accountId, amount, checkFunds: true }]);
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
