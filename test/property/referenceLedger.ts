import type { AtmTransaction, RejectionReason } from '@atm-ledger/contracts';

/**
 * The oracle of the model-based tests: the ledger's rules written as plainly
 * as possible, independent of `decide`. If the two disagree, one is wrong.
 */
export class ReferenceLedger {
  readonly accounts = new Map<string, { currency: string; balance: number; overdraft: number }>();
  readonly outcomes = new Map<
    string,
    {
      status: 'POSTED' | 'REJECTED' | 'PENDING';
      reason?: RejectionReason;
      key: string;
      conflicts: Set<string>;
    }
  >();
  readonly reversedBy = new Map<string, string>();
  /** Money moved by each posted transaction, per account (signed), to reverse it. */
  readonly moves = new Map<string, { accountId: string; amount: number }[]>();
  readonly types = new Map<string, AtmTransaction['type']>();
  readonly waiting = new Map<string, string[]>();
  readonly pendingTx = new Map<string, AtmTransaction>();

  open(accountId: string, currency: string, overdraft: number) {
    if (!this.accounts.has(accountId))
      this.accounts.set(accountId, { currency, balance: 0, overdraft });
  }

  deliver(tx: AtmTransaction): void {
    const key = JSON.stringify(tx);
    const seen = this.outcomes.get(tx.transactionId);
    if (seen !== undefined) {
      if (seen.key !== key) seen.conflicts.add(key);
      else if (
        seen.status === 'PENDING' &&
        tx.originalTransactionId &&
        this.outcomes.has(tx.originalTransactionId)
      ) {
        this.#decide(tx, key, seen.conflicts);
      }
      return;
    }
    this.#decide(tx, key, new Set());
    for (const reversalId of this.waiting.get(tx.transactionId) ?? []) {
      const reversal = this.pendingTx.get(reversalId);
      const outcome = this.outcomes.get(reversalId);
      if (reversal && outcome?.status === 'PENDING')
        this.#decide(reversal, outcome.key, outcome.conflicts);
    }
  }

  #decide(tx: AtmTransaction, key: string, conflicts: Set<string>) {
    const record = (status: 'POSTED' | 'REJECTED' | 'PENDING', reason?: RejectionReason) => {
      this.outcomes.set(tx.transactionId, {
        status,
        key,
        conflicts,
        ...(reason ? { reason } : {}),
      });
      this.types.set(tx.transactionId, tx.type);
    };
    const apply = (changes: { accountId: string; amount: number; checkFunds: boolean }[]) => {
      for (const c of changes) {
        const a = this.accounts.get(c.accountId);
        if (!a) return 'ACCOUNT_NOT_FOUND' as const;
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
        const original = this.outcomes.get(originalId);
        if (!original) {
          this.waiting.set(originalId, [...(this.waiting.get(originalId) ?? []), tx.transactionId]);
          this.pendingTx.set(tx.transactionId, tx);
          return record('PENDING');
        }
        const type = this.types.get(originalId);
        if (type === 'REVERSAL' || type === 'BALANCE_INQUIRY')
          return record('REJECTED', 'NOT_REVERSIBLE');
        if (original.status !== 'POSTED') return record('REJECTED', 'ORIGINAL_NOT_POSTED');
        if (this.reversedBy.has(originalId)) return record('REJECTED', 'ALREADY_REVERSED');
        const moves = this.moves.get(originalId) ?? [];
        const originalAmount = Math.abs(moves[0]?.amount ?? 0);
        const dispensed = tx.dispensedAmount ?? 0;
        if (dispensed > originalAmount || (dispensed > 0 && type !== 'WITHDRAWAL')) {
          return record('REJECTED', 'INVALID_DISPENSED_AMOUNT');
        }
        const refund = originalAmount - dispensed;
        const failed = apply(
          moves.map((m) => ({
            accountId: m.accountId,
            amount: -Math.sign(m.amount) * refund,
            checkFunds: true,
          })),
        );
        if (failed) return record('REJECTED', failed);
        this.reversedBy.set(originalId, tx.transactionId);
        return record('POSTED');
      }
    }
  }
}
