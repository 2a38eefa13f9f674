import { LedgerEvent } from '@atm-ledger/contracts';
import { describe, expect, it, vi } from 'vitest';
import { makePublishHandler } from '../../src/handlers/publishHandler.js';
import {
  anAccount,
  aWithdrawal,
  decisionOf,
  expectKind,
  NOW,
  postCommand,
  silentLogger,
  stateOf,
} from '../support/builders.js';
import { accountImage, streamRecord, txImage } from './streamRecords.js';

const account = anAccount({ balance: 1_000 });
const decided = (transactionId: string, amount: number) =>
  decisionOf(
    postCommand(aWithdrawal({ transactionId, amount })),
    stateOf({ accounts: [account] }),
    NOW,
  );

describe('publish handler (pipe enrichment)', () => {
  it('maps a batch of stream records to ledger events, in record order', async () => {
    // Prepare
    const first = expectKind(decided('w-1', 100), 'Post');
    const second = expectKind(decided('w-2', 5_000), 'Reject');
    const handler = makePublishHandler({ logger: silentLogger() });

    // Act
    const events = await handler([
      streamRecord('INSERT', { newImage: txImage(first.record) }),
      streamRecord('MODIFY', { oldImage: accountImage(account), newImage: accountImage(account) }),
      streamRecord('INSERT', { newImage: txImage(second.record) }),
    ]);

    // Assess
    expect(events.map((e) => e.id)).toEqual(['w-1:posted', 'w-2:rejected']);
    for (const event of events) expect(LedgerEvent.safeParse(event).success).toBe(true);
    // Pipes serialises the enrichment's answer: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('skips a record it cannot publish with a warning naming it, and keeps the rest', async () => {
    // Prepare
    const good = expectKind(decided('w-1', 100), 'Post');
    const logger = silentLogger();
    const warn = vi.spyOn(logger, 'warn');
    const handler = makePublishHandler({ logger });
    const broken = streamRecord('INSERT', {
      newImage: txImage(good.record, { events: ['{"type":"ledger.transaction.lost"}'] }),
    });

    // Act
    const events = await handler([
      broken,
      streamRecord('INSERT', { newImage: txImage(good.record) }),
    ]);

    // Assess
    expect(events.map((e) => e.id)).toEqual(['w-1:posted']);
    expect(warn).toHaveBeenCalledWith(
      'stream record skipped: not a publishable ledger item',
      expect.objectContaining({
        eventID: broken.eventID,
        sequenceNumber: broken.dynamodb?.SequenceNumber,
        keys: broken.dynamodb?.Keys,
        reason: expect.stringContaining('events[0]'),
      }),
    );
  });

  it('answers an empty batch, or input that is not a batch, with no events instead of failing', async () => {
    const handler = makePublishHandler({ logger: silentLogger() });

    await expect(handler([])).resolves.toEqual([]);
    await expect(handler({ Records: [] } as never)).resolves.toEqual([]);
    await expect(handler([null, 42] as never)).resolves.toEqual([]);
  });
});
