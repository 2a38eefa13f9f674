import {
  type AtmTransaction,
  type AuthorizationEvent,
  type AuthorizationFields,
  isAuthorizationEvent,
  type LedgerEvent,
  type TransactionEvent,
} from '@atm-ledger/contracts';
import {
  type Account,
  type AuthorizationRecord,
  type AuthorizationState,
  accountPlansOf,
  accountsTouched,
  addToTotals,
  applyPlan,
  authorizationRelianceOf,
  type Entry,
  type ExactTotals,
  entriesOf,
  evolve,
  evolveAuthorizationState,
  evolveRecord,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  meetsPlan,
  type Reliance,
  relianceOf,
  type TransactionRecord,
} from '../../domain/index.js';
import {
  type AuthorizationCommitOutcome,
  type CommitOutcome,
  type EntriesPageResult,
  InvalidCursorError,
  type LedgerStore,
  StoreError,
  type TimerStore,
  type TrialBalanceTotals,
} from '../../ports.js';
import {
  type Acceptance,
  TIMER_SHARDS,
  type TimerRef,
  timerShard,
  timerSubject,
} from '../dynamodb/items.js';

/**
 * LedgerStore in memory, with the same conditional semantics as the DynamoDB
 * one: the shared store suite runs against both. It is also the reference the
 * property tests compare the real store with.
 */
export class InMemoryLedgerStore implements LedgerStore, TimerStore {
  readonly transactions = new Map<string, TransactionRecord>();
  readonly accounts = new Map<string, Account>();
  readonly authorizations = new Map<string, AuthorizationRecord>();
  readonly entries = new Map<string, Entry[]>();
  /** Ingest's acceptance markers, by transaction id. */
  readonly accepted = new Map<string, Acceptance>();
  /** Reversals waiting for an original that has not arrived, by the original's id, in arrival order. */
  readonly waiting = new Map<string, string[]>();
  readonly timers = new Map<string, TimerRef>();
  /** Running totals per currency, as DynamoDB's totals items keep them. */
  readonly totals: ExactTotals = new Map();
  readonly timerShards = TIMER_SHARDS;

  async load(transaction: AtmTransaction): Promise<LedgerState> {
    const original =
      transaction.originalTransactionId === undefined
        ? undefined
        : this.transactions.get(transaction.originalTransactionId);
    const accounts = new Map<string, Account | undefined>();
    for (const id of accountsTouched(transaction, original))
      accounts.set(id, this.accounts.get(id));
    const authorization =
      transaction.authorizationId === undefined
        ? undefined
        : this.authorizations.get(transaction.authorizationId);
    return {
      existing: this.transactions.get(transaction.transactionId),
      accounts,
      original,
      waiting: [...(this.waiting.get(transaction.transactionId) ?? [])],
      originalWaiting:
        original === undefined && transaction.originalTransactionId !== undefined
          ? [...(this.waiting.get(transaction.originalTransactionId) ?? [])]
          : [],
      ...(authorization === undefined ? {} : { authorization }),
    };
  }

  async commit(state: LedgerState, events: readonly LedgerEvent[]): Promise<CommitOutcome> {
    const [first] = events;
    if (first === undefined) throw new StoreError('commit of no events');
    const subject = events.find((e): e is TransactionEvent => !isAuthorizationEvent(e));
    if (subject === undefined) throw new StoreError(`${first.id} is not a posting's decision`);
    const id = subject.transactionId;
    const existing = this.transactions.get(id);
    if (first.type === 'ledger.transaction.conflict') {
      if (existing === undefined)
        throw new StoreError(`conflict recorded for unknown transaction ${id}`);
      if (
        existing.conflicts !== state.existing?.conflicts ||
        existing.conflictHashes.includes(first.conflictingPayloadHash) ||
        existing.conflictHashes.length >= MAX_CONFLICTS_COUNTED
      ) {
        return { kind: 'AlreadyDecided', existing };
      }
      this.transactions.set(id, evolveRecord(existing, first));
      return { kind: 'Committed' };
    }
    // The transaction item first, as DynamoDB's cancellation reasons are read: if the id was
    // decided since, nothing else matters.
    const before = state.existing;
    if (before !== undefined) {
      if (existing === undefined) throw new StoreError(`resumed ${id} has no PENDING record`);
      if (
        existing.status !== 'PENDING' ||
        existing.payloadHash !== before.payloadHash ||
        existing.conflicts !== before.conflicts
      ) {
        return { kind: 'AlreadyDecided', existing };
      }
    } else if (existing !== undefined) {
      return { kind: 'AlreadyDecided', existing };
    } else {
      // The list of reversals waiting must be the one the decision was made from.
      const waiting = [...(this.waiting.get(id) ?? [])];
      if (waiting.length !== state.waiting.length) return { kind: 'WaitingChanged', waiting };
    }
    const reliances = events.map((event) => relianceOf(state, event));
    const authorizationChanged = this.authorizationChanged(reliances);
    if (authorizationChanged !== undefined) return authorizationChanged;
    const plans = accountPlansOf(events, reliances, state.accounts);
    const stale = this.staleAccounts(plans);
    let original: CommitOutcome | undefined;
    for (const event of events) {
      if (event.type === 'ledger.transaction.posted') {
        if (event.transactionType === 'REVERSAL' && event.originalTransactionId !== undefined) {
          const current = this.transactions.get(event.originalTransactionId);
          if (current?.reversedBy !== undefined || current?.status !== 'POSTED')
            original = { kind: 'OriginalChanged', original: current };
        }
      }
      if (event.type === 'ledger.reversal.pending') {
        // The original may have been decided, or the queue grown, since it was read.
        const current = this.transactions.get(event.originalTransactionId);
        const waiting = this.waiting.get(event.originalTransactionId) ?? [];
        if (current !== undefined) original = { kind: 'OriginalChanged', original: current };
        else if (waiting.length !== (state.originalWaiting ?? []).length)
          original = { kind: 'OriginalWaitingChanged', waiting: [...waiting] };
      }
    }
    if (stale.size > 0) return { kind: 'Stale', accounts: stale };
    if (original !== undefined) return original;

    const after = events.reduce(evolve, state);
    if (after.existing === undefined) throw new StoreError(`events of ${id} left no record`);
    this.transactions.set(id, after.existing);
    if (after.authorization !== undefined && after.authorization !== state.authorization)
      this.authorizations.set(after.authorization.fields.authorizationId, after.authorization);
    this.applyPlans(plans);
    for (const event of events) {
      if (event.type === 'ledger.transaction.posted') {
        for (const entry of entriesOf(event)) {
          this.entries.set(entry.accountId, [...(this.entries.get(entry.accountId) ?? []), entry]);
        }
        addToTotals(this.totals, event.legs);
        const reversed = event.originalTransactionId;
        const marked = reversed === undefined ? undefined : this.transactions.get(reversed);
        if (event.transactionType === 'REVERSAL' && reversed !== undefined && marked !== undefined)
          this.transactions.set(reversed, { ...marked, reversedBy: id });
      }
      if (event.type === 'ledger.reversal.pending') {
        const queue = event.originalTransactionId;
        this.waiting.set(queue, [...(this.waiting.get(queue) ?? []), id]);
        if (event.waitUntil === undefined) throw new StoreError(`PENDING ${id} has no waitUntil`);
        const timer: TimerRef = {
          kind: 'REVERSAL_EXPIRY',
          transactionId: id,
          dueAt: event.waitUntil,
        };
        this.timers.set(timerKey(timer), timer);
      }
    }
    return { kind: 'Committed' };
  }

  /** The authorization a decision relied on, if it is no longer as read. */
  private authorizationChanged(reliances: readonly Reliance[]): CommitOutcome | undefined {
    const relied = reliances.map((r) => r.authorization).find((a) => a !== undefined);
    if (relied === undefined) return undefined;
    const current = this.authorizations.get(relied.authorizationId);
    const status = current?.status ?? 'ABSENT';
    return status === relied.status
      ? undefined
      : { kind: 'AuthorizationChanged', authorization: current };
  }

  /** Accounts whose state no longer meets what the decision relied on, as they are now. */
  private staleAccounts(plans: ReturnType<typeof accountPlansOf>) {
    const stale = new Map<string, Account | undefined>();
    for (const plan of plans.values()) {
      const current = this.accounts.get(plan.accountId);
      if (!meetsPlan(current, plan)) stale.set(plan.accountId, current);
    }
    return stale;
  }

  /** Applies plans to the accounts as they are now (their conditions checked): deltas commute. */
  private applyPlans(plans: ReturnType<typeof accountPlansOf>) {
    for (const plan of plans.values()) {
      const current = this.accounts.get(plan.accountId);
      if (current !== undefined && !plan.absent)
        this.accounts.set(plan.accountId, applyPlan(current, plan));
    }
  }

  async loadAuthorization(fields: AuthorizationFields): Promise<AuthorizationState> {
    return {
      existing: this.authorizations.get(fields.authorizationId),
      account: this.accounts.get(fields.accountId),
    };
  }

  async getAuthorization(authorizationId: string) {
    return this.authorizations.get(authorizationId);
  }

  async commitAuthorization(
    state: AuthorizationState,
    events: readonly AuthorizationEvent[],
  ): Promise<AuthorizationCommitOutcome> {
    const [first] = events;
    if (first === undefined) throw new StoreError('commit of no events');
    const id = first.authorizationId;
    const current = this.authorizations.get(id);
    if (current?.status !== state.existing?.status) {
      if (current === undefined) throw new StoreError(`authorization ${id} vanished`);
      return { kind: 'AlreadyDecided', existing: current };
    }
    const plans = accountPlansOf(
      events,
      events.map((event) => authorizationRelianceOf(state, event)),
      new Map([[first.accountId, state.account]]),
    );
    const stale = this.staleAccounts(plans);
    if (stale.size > 0) return { kind: 'Stale', account: stale.get(first.accountId) };
    const after = events.reduce(evolveAuthorizationState, state).existing;
    if (after === undefined) throw new StoreError(`events of ${id} left no record`);
    this.authorizations.set(id, after);
    this.applyPlans(plans);
    for (const event of events) {
      if (event.type === 'ledger.authorization.approved') {
        const timer: TimerRef = {
          kind: 'HOLD_EXPIRY',
          authorizationId: id,
          dueAt: event.expiresAt,
        };
        this.timers.set(timerKey(timer), timer);
      }
    }
    return { kind: 'Committed' };
  }

  async dueTimers(shard: number, now: string, limit: number): Promise<readonly TimerRef[]> {
    return [...this.timers.values()]
      .filter((t) => timerShard(timerSubject(t)) === shard && t.dueAt <= now)
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

  /** The running totals, kept as each posting lands: the fast path, as DynamoDB's totals items. */
  async trialBalance(): Promise<TrialBalanceTotals> {
    return new Map([...this.totals].map(([c, t]) => [c, { ...t }]));
  }

  /** Totals recomputed from every posted record's legs: the audit's slow path. */
  async journalTotals(): Promise<TrialBalanceTotals> {
    const sums: ExactTotals = new Map();
    for (const record of this.transactions.values()) {
      if (record.status === 'POSTED') addToTotals(sums, record.legs);
    }
    return sums;
  }
}

const timerKey = (t: TimerRef) => `${t.dueAt}#${t.kind}#${timerSubject(t)}`;
