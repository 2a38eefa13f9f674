import { describe, expect, it, vi } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/adapters/memory/idempotencyStore.js';
import { makeSqsHandler } from '../../src/handlers/sqsHandler.js';
import {
  aConflict,
  aPostedTransfer,
  aPostedWithdrawal,
  aRejectedWithdrawal,
  fixedClock,
  handlerDeps,
  ManualClock,
  settings,
  snsWrapped,
  sqsEvent,
  sqsRecord,
} from '../support/builders.js';
import { RecordingChannel } from '../support/channels.js';

function setup(overrides: Parameters<typeof settings>[0] = {}) {
  const clock = new ManualClock();
  const idempotency = new InMemoryIdempotencyStore(clock, { recordTtlSeconds: 3_600 });
  const channel = new RecordingChannel();
  const deps = handlerDeps({ idempotency, channel, settings: settings(overrides) });
  return { clock, idempotency, channel, deps, handler: makeSqsHandler(deps) };
}

describe('makeSqsHandler', () => {
  it('sends the notifications of each message and reports no failure', async () => {
    // Prepare
    const { handler, channel } = setup();
    const event = sqsEvent(
      sqsRecord(snsWrapped(aPostedWithdrawal({ amount: 60_000, balanceBefore: 65_000 }))),
      sqsRecord(JSON.stringify(aRejectedWithdrawal())),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(channel.sent.map((n) => n.notificationId).sort()).toEqual([
      'tx-r-1:rejected:WITHDRAWAL_REJECTED:acct-0001',
      'tx-w-1:posted:LARGE_WITHDRAWAL:acct-0001',
      'tx-w-1:posted:LOW_BALANCE:acct-0001',
      'tx-w-1:posted:RECEIPT:acct-0001',
    ]);
  });

  it('sends nothing twice when the same event is redelivered, in another message', async () => {
    // Prepare
    const { handler, channel } = setup();
    const posted = aPostedWithdrawal();
    await handler(sqsEvent(sqsRecord(snsWrapped(posted))));

    // Act
    const response = await handler(
      sqsEvent(
        sqsRecord(snsWrapped(posted), {
          attributes: { ...sqsRecord('').attributes, ApproximateReceiveCount: '2' },
        }),
        sqsRecord(JSON.stringify(posted)),
      ),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(channel.sent.map((n) => n.notificationId)).toEqual(['tx-w-1:posted:RECEIPT:acct-0001']);
  });

  it('reports only the message whose channel failed, and its retry sends only what is missing', async () => {
    // Prepare
    const { handler, channel } = setup({ kinds: new Set(['RECEIPT']) });
    const transfer = sqsRecord(JSON.stringify(aPostedTransfer()));
    const withdrawal = sqsRecord(JSON.stringify(aPostedWithdrawal()));
    channel.failWhen = (n) => n.accountId === 'acct-0002';

    // Act
    const first = await handler(sqsEvent(transfer, withdrawal));
    channel.failWhen = () => false;
    const retry = await handler(sqsEvent(transfer));

    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: transfer.messageId }] });
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(channel.sent.map((n) => n.notificationId)).toEqual([
      'tx-t-1:posted:RECEIPT:acct-0001',
      'tx-w-1:posted:RECEIPT:acct-0001',
      'tx-t-1:posted:RECEIPT:acct-0002',
    ]);
  });

  it('sends a transfer receipt once when its completion was throttled and the other receipt failed', async () => {
    // Prepare: the payer's receipt is sent but its completion fails twice; the payee's send fails.
    const { idempotency, channel, clock } = setup();
    let completions = 0;
    const store = {
      claim: idempotency.claim.bind(idempotency),
      release: idempotency.release.bind(idempotency),
      complete: async (c: Parameters<typeof idempotency.complete>[0]) => {
        completions += 1;
        if (completions <= 2) throw new Error('ProvisionedThroughputExceededException');
        return idempotency.complete(c);
      },
    };
    const handler = makeSqsHandler(
      handlerDeps({
        idempotency: store,
        channel,
        clock,
        sleep: async (ms) => clock.advance(ms),
        settings: settings({ kinds: new Set(['RECEIPT']), inProgressMs: 10_000 }),
      }),
    );
    const transfer = sqsRecord(JSON.stringify(aPostedTransfer()));
    channel.failWhen = (n) => n.accountId === 'acct-0002';

    // Act: the message comes back after its visibility timeout, when the payer's claim has expired.
    const first = await handler(sqsEvent(transfer));
    channel.failWhen = () => false;
    clock.advance(10_001);
    const retry = await handler(sqsEvent(transfer));

    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: transfer.messageId }] });
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(channel.sent.map((n) => n.notificationId)).toEqual([
      'tx-t-1:posted:RECEIPT:acct-0001',
      'tx-t-1:posted:RECEIPT:acct-0002',
    ]);
  });

  it('fails an unparseable message, logging why, so the redrive policy dead-letters it', async () => {
    // Prepare
    const { handler, deps, channel } = setup();
    const error = vi.spyOn(deps.logger, 'error');
    const garbage = sqsRecord('{not json');
    const unknownType = sqsRecord(
      JSON.stringify({ ...aRejectedWithdrawal(), type: 'ledger.account.closed' }),
    );
    const fine = sqsRecord(JSON.stringify(aPostedWithdrawal()));

    // Act
    const response = await handler(sqsEvent(garbage, fine, unknownType));

    // Assess
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: garbage.messageId },
        { itemIdentifier: unknownType.messageId },
      ],
    });
    expect(channel.sent).toHaveLength(1);
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('unprocessable'),
      expect.objectContaining({ messageId: garbage.messageId, reason: 'body is not JSON' }),
    );
  });

  it('fails a message whose notification another invocation is sending right now', async () => {
    // Prepare
    const { handler, idempotency, channel } = setup();
    await idempotency.claim('tx-w-1:posted:RECEIPT:acct-0001', { inProgressMs: 60_000 });
    const record = sqsRecord(JSON.stringify(aPostedWithdrawal()));

    // Act
    const response = await handler(sqsEvent(record));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(channel.sent).toEqual([]);
  });

  it('takes over a claim whose sender died once it expires, and warns of a possible duplicate', async () => {
    // Prepare
    const { handler, idempotency, channel, clock, deps } = setup();
    const warn = vi.spyOn(deps.logger, 'warn');
    await idempotency.claim('tx-w-1:posted:RECEIPT:acct-0001', { inProgressMs: 60_000 });
    clock.advance(60_001);

    // Act
    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(aPostedWithdrawal()))));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(channel.sent).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('took over'), expect.anything());
  });

  it('holds a claim for the invocation remaining time when Lambda gives a context', async () => {
    // Prepare
    const { idempotency, channel } = setup();
    const claims = vi.spyOn(idempotency, 'claim');
    const handler = makeSqsHandler(handlerDeps({ idempotency, channel, clock: fixedClock }));
    const context = { getRemainingTimeInMillis: () => 12_345 } as never;

    // Act
    await handler(sqsEvent(sqsRecord(JSON.stringify(aPostedWithdrawal()))), context);

    // Assess
    expect(claims).toHaveBeenCalledWith(expect.any(String), { inProgressMs: 12_345 });
  });

  it('sends only the configured kinds and acknowledges events that concern no customer', async () => {
    // Prepare
    const { handler, channel } = setup({
      kinds: new Set(['LOW_BALANCE', 'LARGE_WITHDRAWAL', 'WITHDRAWAL_REJECTED']),
    });

    // Act
    const response = await handler(
      sqsEvent(
        sqsRecord(JSON.stringify(aPostedWithdrawal())),
        sqsRecord(JSON.stringify(aConflict())),
      ),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(channel.sent).toEqual([]);
  });
});
