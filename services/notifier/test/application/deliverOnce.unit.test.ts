import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/adapters/memory/idempotencyStore.js';
import { deliverOnce } from '../../src/application/deliverOnce.js';
import type { Notification } from '../../src/domain/index.js';
import { type IdempotencyStore, isDeliveryError } from '../../src/ports.js';
import { ManualClock } from '../support/builders.js';
import { RecordingChannel } from '../support/channels.js';

const notification: Notification = {
  notificationId: 'ev-1:RECEIPT:A',
  kind: 'RECEIPT',
  accountId: 'A',
  transactionId: 'tx-1',
  createdAt: '2026-11-27T10:00:00.000Z',
  message: 'Receipt',
};
const opts = { inProgressMs: 10_000 };

/** Jitter at the top of its range, so each wait is its ceiling and the waits can be named. */
const ceiling = () => 1;

function setup() {
  const clock = new ManualClock();
  const idempotency = new InMemoryIdempotencyStore(clock, { recordTtlSeconds: 3_600 });
  const channel = new RecordingChannel();
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance(ms);
  };
  return {
    clock,
    idempotency,
    channel,
    slept,
    deps: { idempotency, channel, clock, sleep, random: ceiling },
  };
}

/** The store, with a completion that throws its first `failures` times. */
function failingCompletions(idempotency: IdempotencyStore, failures: number) {
  let calls = 0;
  const store: IdempotencyStore = {
    claim: (k, o) => idempotency.claim(k, o),
    release: (c) => idempotency.release(c),
    complete: async (c) => {
      calls += 1;
      if (calls <= failures) throw new Error('throttled');
      return idempotency.complete(c);
    },
  };
  return { store, calls: () => calls };
}

describe('deliverOnce', () => {
  it('sends once and suppresses the second delivery', async () => {
    // Prepare
    const { deps, channel } = setup();

    // Act
    const first = await deliverOnce(deps, notification, opts);
    const second = await deliverOnce(deps, notification, opts);

    // Assess
    expect(first).toMatchObject({ kind: 'Sent', completion: 'Completed', tookOver: false });
    expect(second).toMatchObject({ kind: 'Duplicate' });
    expect(channel.sent).toHaveLength(1);
  });

  it('releases the claim when the channel fails, so the retry sends at once', async () => {
    // Prepare
    const { deps, channel } = setup();
    channel.failWhen = () => true;
    const failure = await deliverOnce(deps, notification, opts).catch((e: unknown) => e);
    channel.failWhen = () => false;

    // Act
    const retry = await deliverOnce(deps, notification, opts);

    // Assess
    expect(isDeliveryError(failure)).toBe(true);
    expect(retry).toMatchObject({ kind: 'Sent', tookOver: false });
    expect(channel.sent).toHaveLength(1);
  });

  it('reports a notification someone else is sending as in flight, without sending', async () => {
    // Prepare
    const { deps, channel, idempotency } = setup();
    await idempotency.claim(notification.notificationId, opts);

    // Act
    const outcome = await deliverOnce(deps, notification, opts);

    // Assess
    expect(outcome.kind).toBe('InFlight');
    expect(channel.sent).toEqual([]);
  });

  it('retries a failing completion while the claim holds, so a later retry finds it completed', async () => {
    // Prepare
    const { idempotency, channel, clock, slept, deps } = setup();
    const flaky = failingCompletions(idempotency, 2);

    // Act
    const outcome = await deliverOnce({ ...deps, idempotency: flaky.store }, notification, opts);
    clock.advance(opts.inProgressMs + 1);
    const redelivered = await deliverOnce(deps, notification, opts);

    // Assess
    expect(outcome).toMatchObject({ kind: 'Sent', completion: 'Completed' });
    expect(flaky.calls()).toBe(3);
    expect(slept).toEqual([200, 400]);
    expect(redelivered).toMatchObject({ kind: 'Duplicate' });
    expect(channel.sent).toHaveLength(1);
  });

  it('counts a notification as sent when its completion keeps failing, after the last attempt', async () => {
    // Prepare
    const { idempotency, channel, slept, deps } = setup();
    const down = failingCompletions(idempotency, Number.POSITIVE_INFINITY);

    // Act
    const outcome = await deliverOnce({ ...deps, idempotency: down.store }, notification, {
      ...opts,
      inProgressMs: 60_000,
    });

    // Assess
    expect(outcome).toMatchObject({ kind: 'Sent', completion: 'Failed' });
    expect(down.calls()).toBe(6);
    expect(slept).toEqual([200, 400, 800, 1_600, 3_200]);
    expect(channel.sent).toHaveLength(1);
  });

  it('draws each wait below its doubling ceiling: full jitter', async () => {
    // Prepare
    const { idempotency, slept, deps } = setup();
    const flaky = failingCompletions(idempotency, 2);

    // Act
    await deliverOnce({ ...deps, idempotency: flaky.store, random: () => 0.5 }, notification, opts);

    // Assess
    expect(slept).toEqual([100, 200]);
  });

  it('stops retrying the completion before its claim could be taken over', async () => {
    // Prepare
    const { idempotency, clock, slept, deps } = setup();
    const down = failingCompletions(idempotency, Number.POSITIVE_INFINITY);
    const start = clock.now().getTime();

    // Act
    const outcome = await deliverOnce({ ...deps, idempotency: down.store }, notification, {
      inProgressMs: 3_000,
    });

    // Assess: 200 + 400 + 800 ends 1.4 s in; the next attempt would start after 3.0 s - 1.0 s.
    expect(outcome).toMatchObject({ kind: 'Sent', completion: 'Failed' });
    expect(slept).toEqual([200, 400, 800]);
    expect(clock.now().getTime() - start).toBeLessThanOrEqual(3_000 - 1_000);
  });
});
