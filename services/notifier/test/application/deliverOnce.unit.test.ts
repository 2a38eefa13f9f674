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

function setup() {
  const clock = new ManualClock();
  const idempotency = new InMemoryIdempotencyStore(clock, { recordTtlSeconds: 3_600 });
  const channel = new RecordingChannel();
  return { clock, idempotency, channel, deps: { idempotency, channel } };
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

  it('counts a notification as sent when only its completion write fails', async () => {
    // Prepare
    const { idempotency, channel } = setup();
    const flaky: IdempotencyStore = {
      claim: (k, o) => idempotency.claim(k, o),
      release: (c) => idempotency.release(c),
      complete: async () => {
        throw new Error('throttled');
      },
    };

    // Act
    const outcome = await deliverOnce({ idempotency: flaky, channel }, notification, opts);

    // Assess
    expect(outcome).toMatchObject({ kind: 'Sent', completion: 'Failed' });
    expect(channel.sent).toHaveLength(1);
  });
});
