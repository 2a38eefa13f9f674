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
      idPrefix: 's',
      startAt: 0,
    });
    const invalid = w.requests.filter((r) => r.kind === 'invalid').length;
    const first = w.requests.find((r) => r.kind === 'new');
    const failingId = first?.kind === 'new' ? first.body.transactionId : '';

    // Act
    const { stats, sent } = await runSchedule(w.requests, fakeEdge(1, [], new Set([failingId])), {
      startAt: Date.now(),
      concurrency: 32,
    });

    // Assess
    expect(invalid).toBeGreaterThan(5);
    expect(stats).toMatchObject({
      sent: 200,
      refused: invalid,
      accepted: 199 - invalid,
      errors: 1,
    });
    expect(stats.unexpected).toBe(1);
    expect(sent.filter((s) => !s.asExpected).map((s) => s.outcome.status)).toEqual([503]);
  });
});
