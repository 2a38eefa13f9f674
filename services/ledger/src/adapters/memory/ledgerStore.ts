import type { AtmTransaction } from '@atm-ledger/contracts';
import {
  type Account,
  accountsTouched,
  addToTotals,
  type Entry,
  type ExactTotals,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  type TransactionRecord,
} from '../../domain/index.js';
import {
  type CommitOutcome,
  type EntriesPageResult,
  InvalidCursorError,
  type LedgerStore,
  StoreError,
  type TimerStore,
  type TrialBalanceTotals,
  type WritingDecision,
} from '../../ports.js';
import { type Acceptance, TIMER_SHARDS, type TimerRef, timerShard } from '../dynamodb/items.js';

/**
 * LedgerStore in memory, with the same conditional semantics as the DynamoDB
 * one: the shared store suite runs against both. It is also the reference the
 * property tests compare the real store with.
 */
export class InMemoryLedgerStore implements LedgerStore, TimerStore {
  readonly transactions = new Map<string, TransactionRecord>();
  readonly accounts = new Map<string, Account>();
  readonly entries = new Map<string, Entry[]>();
  /** Ingest's acceptance markers, by transaction id. */
  readonly accepted = new Map<string, Acceptance>();
  /** Reversals waiting for an original that has not arrived, by the original's id, in arrival order. */
  readonly waiting = new Map<string, string[]>();
  readonly timers = new Map<string, TimerRef>();
  readonly timerShards = TIMER_SHARDS;

  async load(transaction: AtmTransaction): Promise<LedgerState> {
    const original =
      transaction.originalTransactionId === undefined
        ? undefined
        : this.transactions.get(transaction.originalTransactionId);
    const accounts = new Map<string, Account | undefined>();
    for (const id of accountsTouched(transaction, original))
      accounts.set(id, this.accounts.get(id));
    return {
      existing: this.transactions.get(transaction.transactionId),
      accounts,
      original,
      waiting: [...(this.waiting.get(transaction.transactionId) ?? [])],
      originalWaiting:
        original === undefined && transaction.originalTransactionId !== undefined
          ? [...(this.waiting.get(transaction.originalTransactionId) ?? [])]
          : [],
    };
  }

  async commit(decision: WritingDecision): Promise<CommitOutcome> {
    const id = decision.record.transaction.transactionId;
    const existing = this.transactions.get(id);
    const resumes = decision.kind !== 'Pend' && decision.resumesPending === true;
    if (resumes) {
      if (
        existing === undefined ||
        existing.status !== 'PENDING' ||
        existing.payloadHash !== decision.record.payloadHash ||
        existing.conflicts !== decision.record.conflicts
      ) {
        if (existing === undefined) throw new StoreError(`resumed ${id} has no PENDING record`);
        return { kind: 'AlreadyDecided', existing };
      }
    } else if (existing !== undefined) {
      return { kind: 'AlreadyDecided', existing };
    } else {
      // The list of reversals waiting must be the one the decision was made from.
      const waiting = [...(this.waiting.get(id) ?? [])];
      if (waiting.length !== (decision.record.reversalsWaiting?.length ?? 0)) {
        return { kind: 'WaitingChanged', waiting };
      }
    }
    const stale = new Map<string, Account | undefined>();
    const expectVersion = (account: Account) => {
      const current = this.accounts.get(account.accountId);
      if (current?.version !== account.version) stale.set(account.accountId, current);
    };
    switch (decision.kind) {
      case 'Post':
        for (const w of decision.writes) {
          expectVersion(w.before);
          const current = this.accounts.get(w.before.accountId);
          if (current !== undefined && current.balance + w.entry.amount < w.minimumBalance) {
            stale.set(current.accountId, current);
          }
        }
        for (const a of decision.unchanged) expectVersion(a);
        break;
      case 'Reject':
        for (const a of decision.basedOn) expectVersion(a);
        for (const accountId of decision.absent) {
          const current = this.accounts.get(accountId);
          if (current !== undefined) stale.set(accountId, current);
        }
        break;
      case 'Pend': {
        // The original may have been decided since it was read as absent.
        const original = this.transactions.get(decision.waitsFor);
        if (original !== undefined) return { kind: 'OriginalChanged', original };
        const waiting = this.waiting.get(decision.waitsFor) ?? [];
        if (waiting.length !== decision.waitingBefore.length)
          return { kind: 'OriginalWaitingChanged', waiting: [...waiting] };
        break;
      }
      default: {
        const never: never = decision;
        throw new StoreError(`unhandled decision ${JSON.stringify(never)}`);
      }
    }
    if (stale.size > 0) return { kind: 'Stale', accounts: stale };
    if (decision.kind === 'Post' && decision.reverses !== undefined) {
      const original = this.transactions.get(decision.reverses);
      if (
        original === undefined ||
        original.reversedBy !== undefined ||
        original.status !== 'POSTED'
      ) {
        return { kind: 'OriginalChanged', original };
      }
      this.transactions.set(decision.reverses, { ...original, reversedBy: id });
    }
    this.transactions.set(id, decision.record);
    if (decision.kind === 'Pend') {
      this.waiting.set(decision.waitsFor, [...(this.waiting.get(decision.waitsFor) ?? []), id]);
      const dueAt = decision.record.waitUntil;
      if (dueAt === undefined) throw new StoreError(`PENDING ${id} has no waitUntil`);
      const timer: TimerRef = { kind: 'REVERSAL_EXPIRY', transactionId: id, dueAt };
      this.timers.set(timerKey(timer), timer);
    }
    if (decision.kind === 'Post') {
      for (const w of decision.writes) {
        this.accounts.set(w.after.accountId, w.after);
        const list = this.entries.get(w.after.accountId) ?? [];
        list.push(w.entry);
        this.entries.set(w.after.accountId, list);
      }
    }
    return { kind: 'Committed' };
  }

  async recordConflict(transactionId: string, conflictingHash: string) {
    const record = this.transactions.get(transactionId);
    if (record === undefined)
      throw new StoreError(`conflict recorded for unknown transaction ${transactionId}`);
    if (record.conflictHashes.includes(conflictingHash))
      return { counted: false, conflicts: record.conflicts };
    if (record.conflictHashes.length >= MAX_CONFLICTS_COUNTED)
      return { counted: false, conflicts: record.conflicts, limitReached: true };
    const updated = {
      ...record,
      conflicts: record.conflicts + 1,
      conflictHashes: [...record.conflictHashes, conflictingHash],
    };
    this.transactions.set(transactionId, updated);
    return { counted: true, conflicts: updated.conflicts };
  }

  async dueTimers(shard: number, now: string, limit: number): Promise<readonly TimerRef[]> {
    return [...this.timers.values()]
      .filter((t) => timerShard(t.transactionId) === shard && t.dueAt <= now)
      .sort((a, b) => timerKey(a).localeCompare(timerKey(b)))
      .slice(0, limit);
  }

  async deleteTimer(timer: TimerRef): Promise<void> {
    this.timers.delete(timerKey(timer));
  }

  async createAccount(account: Account) {
    const existing = this.accounts.get(account.accountId);
    if (existing !== undefined) return { created: false, account: existing };
    this.accounts.set(account.accountId, account);
    return { created: true, account };
  }

  async getAccount(accountId: string) {
    return this.accounts.get(accountId);
  }

  async getTransaction(transactionId: string) {
    return this.transactions.get(transactionId);
  }

  async getAcceptance(transactionId: string) {
    return this.accepted.get(transactionId);
  }

  async listEntries(accountId: string, limit: number, cursor?: string): Promise<EntriesPageResult> {
    let after = 0;
    if (cursor !== undefined) {
      const parsed = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(parsed) || parsed <= 0) {
        throw new InvalidCursorError(
          `cursor ${JSON.stringify(cursor)} was not issued for the entries of ${accountId}`,
        );
      }
      after = parsed;
    }
    const all = (this.entries.get(accountId) ?? []).filter((e) => e.sequence > after);
    const items = all.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      all.length > limit && last !== undefined
        ? Buffer.from(String(last.sequence)).toString('base64url')
        : null;
    return { items, nextCursor };
  }

  async listAccounts(cursor?: string, options: { readonly pageSize?: number } = {}) {
    const all = [...this.accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
    let from = 0;
    if (cursor !== undefined) {
      const parsed = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(parsed) || parsed <= 0 || parsed > all.length) {
        throw new InvalidCursorError(
          `cursor ${JSON.stringify(cursor)} was not issued by listAccounts`,
        );
      }
      from = parsed;
    }
    const to = options.pageSize === undefined ? all.length : from + options.pageSize;
    return {
      items: all.slice(from, to),
      nextCursor: to < all.length ? Buffer.from(String(to)).toString('base64url') : null,
    };
  }

  async trialBalance(): Promise<TrialBalanceTotals> {
    const totals: ExactTotals = new Map();
    for (const record of this.transactions.values()) {
      if (record.status === 'POSTED') addToTotals(totals, record.legs);
    }
    return totals;
  }
}

const timerKey = (t: TimerRef) => `${t.dueAt}#${t.kind}#${t.transactionId}`;
