import type { SendOutcome, TrafficSink } from './sinks.js';
import {
  authorizationIdOf,
  expectedStatus,
  isAuthorizationBody,
  type TrafficRequest,
} from './workload.js';

/** One request as it went out. */
export interface SentRequest {
  readonly request: TrafficRequest;
  /** Epoch ms when it left; at or after `startAt + offsetMs`. */
  readonly sentAt: number;
  readonly outcome: SendOutcome;
  /** The answer is the one the contract calls for (202 for a valid or duplicate request, 400 for an invalid one). */
  readonly asExpected: boolean;
}

/** Live and final counts of one schedule. */
export interface SendStats {
  readonly planned: number;
  sent: number;
  /** 202 */
  accepted: number;
  /** 400 */
  refused: number;
  /** Authorizations answered 201 or 200, by decision. */
  approved: number;
  declined: number;
  /**
   * Completions and releases not sent because their authorization was not
   * approved: an ATM dispenses, and reports, only after an approval.
   */
  skipped: number;
  /** Anything else, 0 (no answer) included. */
  errors: number;
  /** Answers other than the expected one: a 400 for a valid request, a 202 for an invalid one, an error. */
  unexpected: number;
  byStatus: Record<string, number>;
  /** How late the latest request left against its due time, ms. */
  lagMs: number;
  maxLagMs: number;
  firstSentAt: number | undefined;
  lastAnsweredAt: number | undefined;
}

export interface ScheduleOptions {
  /** Epoch ms of offset 0. */
  readonly startAt: number;
  /** Requests in flight at most; further due requests wait (and are counted late). */
  readonly concurrency: number;
  readonly onSent?: (sent: SentRequest, stats: Readonly<SendStats>) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The account whose ATM session a request belongs to, if it names one. */
const accountOf = (body: unknown): string | undefined => {
  const id = (body as { accountId?: unknown } | null)?.accountId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Sends the requests open-loop: each leaves at its due time, whatever the
 * answers to earlier ones, so a slow system shows up as latency (measured
 * from the due time, `occurredAt`) instead of quietly slowing the load down.
 * A card session is sequential, so one account's requests are sent one after
 * the other; different accounts overlap up to `concurrency`.
 */
export async function runSchedule(
  requests: readonly TrafficRequest[],
  sink: TrafficSink,
  options: ScheduleOptions,
): Promise<{ stats: SendStats; sent: SentRequest[]; skipped: TrafficRequest[] }> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const stats: SendStats = {
    planned: requests.length,
    sent: 0,
    accepted: 0,
    refused: 0,
    approved: 0,
    declined: 0,
    skipped: 0,
    errors: 0,
    unexpected: 0,
    byStatus: {},
    lagMs: 0,
    maxLagMs: 0,
    firstSentAt: undefined,
    lastAnsweredAt: undefined,
  };
  const sent: SentRequest[] = [];
  const skipped: TrafficRequest[] = [];
  const decisions = new Map<string, 'APPROVED' | 'DECLINED'>();
  const inFlight = new Set<Promise<void>>();
  const lastOfAccount = new Map<string, Promise<void>>();

  for (const request of requests) {
    if (options.signal?.aborted) break;
    const due = options.startAt + request.offsetMs;
    // A timer may fire a millisecond early by the wall clock; a request never leaves before it is due.
    for (let ahead = due - now(); ahead > 0; ahead = due - now()) await sleep(ahead);
    while (inFlight.size >= Math.max(1, options.concurrency)) await Promise.race(inFlight);
    const account = accountOf(request.body);
    const before = account === undefined ? undefined : lastOfAccount.get(account);
    const task = (async () => {
      if (before !== undefined) await before;
      const authorization = isAuthorizationBody(request.body);
      const dependsOn = authorization ? undefined : authorizationIdOf(request.body);
      // One account's requests go one at a time, so its authorization has been answered by now.
      if (dependsOn !== undefined && decisions.get(dependsOn) !== 'APPROVED') {
        stats.skipped += 1;
        skipped.push(request);
        return;
      }
      const sentAt = now();
      stats.firstSentAt ??= sentAt;
      stats.lagMs = Math.max(0, sentAt - due);
      stats.maxLagMs = Math.max(stats.maxLagMs, stats.lagMs);
      let outcome: SendOutcome;
      try {
        if (!authorization) outcome = await sink.send(request.body);
        else if (sink.authorize) outcome = await sink.authorize(request.body);
        else outcome = { status: 0, ms: 0, error: `the ${sink.name} sink sends no authorizations` };
      } catch (error) {
        outcome = { status: 0, ms: now() - sentAt, error: (error as Error).message };
      }
      stats.sent += 1;
      stats.lastAnsweredAt = now();
      stats.byStatus[String(outcome.status)] = (stats.byStatus[String(outcome.status)] ?? 0) + 1;
      if (outcome.decision !== undefined) {
        decisions.set(authorizationIdOf(request.body) ?? '', outcome.decision);
        if (outcome.decision === 'APPROVED') stats.approved += 1;
        else stats.declined += 1;
      } else if (outcome.status === 202) stats.accepted += 1;
      else if (outcome.status === 400) stats.refused += 1;
      else stats.errors += 1;
      const asExpected = outcome.status === expectedStatus(request);
      if (!asExpected) stats.unexpected += 1;
      const entry: SentRequest = { request, sentAt, outcome, asExpected };
      sent.push(entry);
      try {
        options.onSent?.(entry, stats);
      } catch {
        // A display callback must not stop the load.
      }
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (account !== undefined) lastOfAccount.set(account, task);
  }
  await Promise.all(inFlight);
  return { stats, sent, skipped };
}
