import type { Clock, Logger } from '@atm-ledger/runtime';
import { type TimerRef, timerSubject } from '../adapters/dynamodb/items.js';
import { decideExpiry, decideHoldExpiry } from '../domain/index.js';
import type { AuthorizationStore, LedgerWriter, TimerStore } from '../ports.js';

export interface SweepDeps {
  readonly store: LedgerWriter & AuthorizationStore & TimerStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SweepReport {
  /** Timers due and handled: removed once what they were for was decided. */
  readonly fired: number;
  /** Early reversals ended REJECTED ORIGINAL_NOT_FOUND by this sweep. */
  readonly expired: number;
  /** Approved holds ended EXPIRED by this sweep. */
  readonly holdsExpired: number;
  /** Timers whose reversal had been decided meanwhile (its original came): only removed. */
  readonly alreadyDecided: number;
  /** Timers that failed (store errors); they stay, and the next sweep tries them again. */
  readonly failed: number;
}

/** Timers read per Query; a shard with more due is read again until it has none. */
const PAGE = 100;

/**
 * One sweep: every timer due by now, in every shard, is handled and removed.
 * Run on a schedule (EventBridge Scheduler in AWS, every minute; the local
 * runtime every second). Idempotent: two sweeps that overlap decide each
 * timer once, because every decision is a conditional write, and a timer is
 * removed only after its decision is on record, so a crash in between leaves
 * it for the next sweep.
 */
export async function sweepTimers(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.clock.now().toISOString();
  const report = { fired: 0, expired: 0, holdsExpired: 0, alreadyDecided: 0, failed: 0 };
  for (let shard = 0; shard < deps.store.timerShards; shard++) {
    const failedHere = new Set<string>();
    for (;;) {
      const due = (await deps.store.dueTimers(shard, now, PAGE + failedHere.size)).filter(
        (t) => !failedHere.has(timerSubject(t)),
      );
      if (due.length === 0) break;
      for (const timer of due) {
        try {
          const outcome = await fire(deps, timer, now);
          report.fired += 1;
          if (outcome === 'EXPIRED') report.expired += 1;
          else if (outcome === 'HOLD_EXPIRED') report.holdsExpired += 1;
          else report.alreadyDecided += 1;
        } catch (error) {
          report.failed += 1;
          failedHere.add(timerSubject(timer));
          deps.logger.error('timer failed; the next sweep tries it again', {
            subjectId: timerSubject(timer),
            kind: timer.kind,
            dueAt: timer.dueAt,
            error: error as Error,
          });
        }
      }
      if (due.length < PAGE) break;
    }
  }
  if (report.fired > 0 || report.failed > 0) deps.logger.info('timers swept', { ...report, now });
  return report;
}

async function fire(
  deps: SweepDeps,
  timer: TimerRef,
  now: string,
): Promise<'EXPIRED' | 'HOLD_EXPIRED' | 'ALREADY_DECIDED'> {
  switch (timer.kind) {
    case 'REVERSAL_EXPIRY': {
      const outcome = await expireReversal(deps, timer.transactionId, now);
      await deps.store.deleteTimer(timer);
      return outcome;
    }
    case 'HOLD_EXPIRY': {
      const outcome = await expireHold(deps, timer.authorizationId, now);
      await deps.store.deleteTimer(timer);
      return outcome;
    }
    default: {
      const never: never = timer;
      throw new Error(`unknown timer ${JSON.stringify(never)}`);
    }
  }
}

/** Ends an early reversal that waited its window out, unless its original came first. */
async function expireReversal(
  deps: SweepDeps,
  transactionId: string,
  now: string,
): Promise<'EXPIRED' | 'ALREADY_DECIDED'> {
  for (let round = 0; round < 10; round++) {
    const record = await deps.store.getTransaction(transactionId);
    if (record === undefined) return 'ALREADY_DECIDED';
    const events = decideExpiry(record, now);
    if (events.length === 0) return 'ALREADY_DECIDED';
    const state = { existing: record, accounts: new Map(), original: undefined, waiting: [] };
    const result = await deps.store.commit(state, events);
    if (result.kind === 'Committed') {
      deps.logger.info('early reversal expired: its original never arrived', {
        correlationId: record.correlationId,
        transactionId,
        originalTransactionId: record.transaction.originalTransactionId,
        waitUntil: record.waitUntil,
      });
      return 'EXPIRED';
    }
    // Decided meanwhile (its original arrived, or another sweep): read it again.
  }
  throw new Error(`reversal ${transactionId}: its record kept changing while it expired`);
}

/**
 * Ends an approved hold that was not completed or released by its expiry;
 * one that ended meanwhile (completed, released) is left as it is.
 */
async function expireHold(
  deps: SweepDeps,
  authorizationId: string,
  now: string,
): Promise<'HOLD_EXPIRED' | 'ALREADY_DECIDED'> {
  for (let round = 0; round < 10; round++) {
    const found = await deps.store.getAuthorization(authorizationId);
    // Most holds end by completion or release long before their timer: one read says so.
    if (found === undefined || decideHoldExpiry(found, now).length === 0) return 'ALREADY_DECIDED';
    // The account with it, in one read; decided from that read, so the write's condition is
    // on the status this decision saw.
    const state = await deps.store.loadAuthorization(found.fields);
    const record = state.existing;
    if (record === undefined) return 'ALREADY_DECIDED';
    const events = decideHoldExpiry(record, now);
    if (events.length === 0) return 'ALREADY_DECIDED';
    const result = await deps.store.commitAuthorization(state, events);
    if (result.kind === 'Committed') {
      deps.logger.info('hold expired: not completed in time', {
        correlationId: record.correlationId,
        authorizationId,
        accountId: record.fields.accountId,
        amount: record.fields.amount,
        expiresAt: record.expiresAt,
      });
      return 'HOLD_EXPIRED';
    }
    // Completed or released meanwhile (or another sweep): read it again.
  }
  throw new Error(`authorization ${authorizationId}: it kept changing while it expired`);
}
