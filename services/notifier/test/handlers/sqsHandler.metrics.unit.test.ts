import { InMemoryMetricsSink } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/adapters/memory/idempotencyStore.js';
import { makeSqsHandler } from '../../src/handlers/sqsHandler.js';
import {
  aPostedTransfer,
  aPostedWithdrawal,
  handlerDeps,
  ManualClock,
  settings,
  sqsEvent,
  sqsRecord,
} from '../support/builders.js';
import { RecordingChannel } from '../support/channels.js';

function setup() {
  const clock = new ManualClock();
  const idempotency = new InMemoryIdempotencyStore(clock, { recordTtlSeconds: 3_600 });
  const channel = new RecordingChannel();
  const metrics = new InMemoryMetricsSink();
  const handler = makeSqsHandler(
    handlerDeps({
      idempotency,
      channel,
      metrics,
      settings: settings({ kinds: new Set(['RECEIPT']) }),
    }),
  );
  return { clock, idempotency, channel, metrics, handler };
}

describe('makeSqsHandler: metrics', () => {
  it('counts sent, suppressed, failed and unprocessable, published once per invocation', async () => {
    // Prepare
    const { handler, channel, metrics } = setup();
    const withdrawal = sqsRecord(JSON.stringify(aPostedWithdrawal()));
    const transfer = sqsRecord(JSON.stringify(aPostedTransfer()));
    channel.failWhen = (n) => n.accountId === 'acct-0002';

    // Act: a receipt sent, one of the transfer's two failed, a message no notifier can read
    await handler(sqsEvent(withdrawal, transfer, sqsRecord('not json')));
    channel.failWhen = () => false;
    // then the redelivery: the sent ones suppressed, the failed one sent
    await handler(sqsEvent(withdrawal, transfer));

    // Assess
    expect(metrics.published).toEqual([
      {
        MessagesProcessed: 3,
        NotificationsSent: 2,
        NotificationsFailed: 1,
        MessagesUnprocessable: 1,
      },
      { MessagesProcessed: 2, NotificationsDuplicate: 2, NotificationsSent: 1 },
    ]);
  });

  it('counts a send after an expired claim as taken over', async () => {
    // Prepare: a claim left by a sender that died, then expired
    const { handler, metrics, clock, idempotency } = setup();
    const withdrawal = aPostedWithdrawal();
    await idempotency.claim(`${withdrawal.id}:RECEIPT:acct-0001`, { inProgressMs: 1_000 });
    clock.advance(2_000);

    // Act
    await handler(sqsEvent(sqsRecord(JSON.stringify(withdrawal))));

    // Assess
    expect(metrics.published).toEqual([
      { MessagesProcessed: 1, NotificationsSent: 1, NotificationsTakenOver: 1 },
    ]);
  });
});
