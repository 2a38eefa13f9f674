import { PostTransactionRequest } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../src/traffic/schedule.js';
import type { SendOutcome, TrafficSink } from '../../src/traffic/sinks.js';
import { generateWorkload, type TrafficRequest } from '../../src/traffic/workload.js';

/** A sink that answers like the edge (400 for what breaks the contract) after `ms`; 503 for `failing`. */
const fakeEdge = (
  ms: number,
  log: { id: string; at: number }[] = [],
  failing = new Set<string>(),
): TrafficSink => ({
  name: 'fake',
  async send(body) {
    const id = String((body as { transactionId?: string }).transactionId);
    log.push({ id, at: Date.now() });
    await new Promise((r) => setTimeout(r, ms));
    if (failing.has(id)) return { status: 503, ms };
    return {
      status: PostTransactionRequest.safeParse(body).success ? 202 : 400,
      ms,
    } satisfies SendOutcome;
  },
  // Approves up to 200.00, declines more.
  async authorize(body) {
    const { authorizationId, amount } = body as { authorizationId: string; amount: number };
    log.push({ id: authorizationId, at: Date.now() });
    await new Promise((r) => setTimeout(r, ms));
    return { status: 201, ms, decision: amount <= 20_000 ? 'APPROVED' : 'DECLINED' };
  },
});

const req = (seq: number, offsetMs: number, accountId: string): TrafficRequest => ({
  seq,
  offsetMs,
  peak: false,
  kind: 'new',
  body: {
    transactionId: `t${seq}`,
    type: 'BALANCE_INQUIRY',
    accountId,
    atmId: 'atm-1',
    occurredAt: new Date(offsetMs).toISOString(),
  },
});

describe('runSchedule', () => {
  it('sends each request at its due time, open loop, whatever the answers take', async () => {
    // Prepare: answers take 80 ms, requests are due every 20 ms on different accounts.
    const log: { id: string; at: number }[] = [];
    const requests = Array.from({ length: 6 }, (_, i) => req(i, i * 20, `a${i}`));
    const startAt = Date.now() + 20;

    // Act
    const { stats } = await runSchedule(requests, fakeEdge(80, log), { startAt, concurrency: 16 });

    // Assess
    for (const [i, entry] of log.entries()) {
      expect(entry.at).toBeGreaterThanOrEqual(startAt + i * 20);
      expect(entry.at - (startAt + i * 20)).toBeLessThan(60);
    }
    expect(stats).toMatchObject({ sent: 6, accepted: 6, refused: 0, unexpected: 0 });
  });

  it("keeps one account's requests sequential, as a card session is", async () => {
    // Prepare: two requests of one account due together.
    const log: { id: string; at: number }[] = [];
    const requests = [req(0, 0, 'same'), req(1, 0, 'same')];

    // Act
    await runSchedule(requests, fakeEdge(50, log), { startAt: Date.now(), concurrency: 16 });

    // Assess
    expect((log[1]?.at ?? 0) - (log[0]?.at ?? 0)).toBeGreaterThanOrEqual(45);
  });

  it('counts the 400s invalid messages must get, and flags answers that are not the expected one', async () => {
    // Prepare
    const w = generateWorkload({
      seed: 3,
      transactions: 200,
      rate: 2_000,
      invalidRate: 0.1,
      settleDelayMs: [0, 5],
      idPrefix: 's',
      startAt: 0,
    });
    const invalid = w.requests.filter((r) => r.kind === 'invalid').length;
    const authorizations = w.requests.filter((r) => r.kind === 'authorize').length;
    const first = w.requests.find((r) => r.kind === 'new' && !r.settles);
    const failingId = first?.kind === 'new' ? first.body.transactionId : '';

    // Act
    const { stats, sent } = await runSchedule(w.requests, fakeEdge(1, [], new Set([failingId])), {
      startAt: Date.now(),
      concurrency: 32,
    });

    // Assess
    expect(invalid).toBeGreaterThan(5);
    expect(authorizations).toBeGreaterThan(5);
    expect(stats.sent + stats.skipped).toBe(200);
    expect(stats).toMatchObject({
      refused: invalid,
      accepted: stats.sent - authorizations - invalid - 1,
      errors: 1,
    });
    expect(stats.approved + stats.declined).toBe(authorizations);
    expect(stats.unexpected).toBe(1);
    expect(sent.filter((s) => !s.asExpected).map((s) => s.outcome.status)).toEqual([503]);
  });

  it('sends a completion or release only after its authorization was approved, as an ATM dispenses only then', async () => {
    // Prepare: one approval (100.00) and one decline (500.00), each followed by its completion.
    const log: { id: string; at: number }[] = [];
    const authorize = (seq: number, id: string, amount: number): TrafficRequest => ({
      seq,
      offsetMs: seq * 5,
      peak: false,
      kind: 'authorize',
      settlement: 'FULL',
      body: {
        authorizationId: id,
        accountId: `acct-${id}`,
        amount,
        currency: 'USD',
        atmId: 'atm-1',
        occurredAt: new Date(seq * 5).toISOString(),
      },
    });
    const complete = (seq: number, id: string, amount: number): TrafficRequest => ({
      seq,
      offsetMs: seq * 5,
      peak: false,
      kind: 'new',
      settles: { authorizationSeq: seq - 2, settlement: 'FULL' },
      body: {
        transactionId: `t-${id}`,
        type: 'WITHDRAWAL',
        accountId: `acct-${id}`,
        atmId: 'atm-1',
        amount,
        currency: 'USD',
        occurredAt: new Date(seq * 5).toISOString(),
        authorizationId: id,
      },
    });
    const requests = [
      authorize(0, 'ok', 10_000),
      authorize(1, 'no', 50_000),
      complete(2, 'ok', 10_000),
      complete(3, 'no', 50_000),
    ];

    // Act
    const { stats, sent, skipped } = await runSchedule(requests, fakeEdge(1, log), {
      startAt: Date.now(),
      concurrency: 8,
    });

    // Assess
    expect(log.map((l) => l.id).sort()).toEqual(['no', 'ok', 't-ok']);
    expect(skipped.map((r) => r.seq)).toEqual([3]);
    expect(stats).toMatchObject({ sent: 3, skipped: 1, approved: 1, declined: 1, accepted: 1 });
    expect(stats.unexpected).toBe(0);
    expect(sent.every((s) => s.asExpected)).toBe(true);
  });
});
