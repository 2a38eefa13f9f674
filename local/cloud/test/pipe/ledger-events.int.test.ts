import {
  type AtmTransaction,
  LEDGER_EVENT_SOURCE,
  LEDGER_STREAM_FILTER_PATTERN,
  type LedgerEvent,
  payloadHash,
} from '@atm-ledger/contracts';
import {
  DynamoDbLedgerStore,
  makePublishHandler,
  openAccount,
  postTransaction,
} from '@atm-ledger/ledger';
import type { LocalPipe } from '@atm-ledger/local-aws';
import {
  createObservedBus,
  createStreamTable,
  eventBridgeClient,
  type PutEventsCall,
  pipeHarness,
  receiveJson,
  tapPutEvents,
  uniqueName,
  waitFor,
} from '@atm-ledger/local-aws/testing/pipe';
import { createLogger, systemClock } from '@atm-ledger/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const AT = '2026-11-27T10:00:00Z';

/**
 * The ledger's own writes, through moto's stream, the pipe with the ledger's
 * filter and the real `publish` enrichment, onto a bus: what the ledger
 * publishes for each kind of change, and in what order.
 */
describe('ledger events through the local pipe', () => {
  let harness: ReturnType<typeof pipeHarness>;
  let store: DynamoDbLedgerStore;
  let calls: PutEventsCall[];
  let pipe: LocalPipe;
  let bus: { name: string; arn: string; queueUrl: string };
  let eventbridge: ReturnType<typeof eventBridgeClient>;

  beforeEach(async () => {
    harness = pipeHarness();
    eventbridge = eventBridgeClient();
    const table = await createStreamTable(harness.clients.dynamodb);
    store = new DynamoDbLedgerStore(harness.clients.dynamodb, table.tableName);
    bus = await createObservedBus(harness.clients.eventbridge, harness.clients.sqs, [
      LEDGER_EVENT_SOURCE,
    ]);
    calls = tapPutEvents(eventbridge);
    const logger = createLogger('ledger-test');
    logger.setLogLevel('SILENT');
    pipe = harness.pipe({
      streamArn: table.streamArn,
      busArn: bus.arn,
      checkpointTableName: uniqueName('pipe-checkpoints'),
      filters: [LEDGER_STREAM_FILTER_PATTERN],
      enrichment: makePublishHandler({ logger }),
      eventSource: LEDGER_EVENT_SOURCE,
      eventbridge,
    });
    await pipe.start();
    await openAccount(
      { store, clock: systemClock },
      { accountId: 'A', currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 1_000 },
    );
  });
  afterEach(async () => {
    await harness.cleanup();
    eventbridge.destroy();
  });

  const post = (tx: AtmTransaction) =>
    postTransaction(
      { store, clock: systemClock },
      {
        kind: 'PostTransaction',
        transaction: tx,
        payloadHash: payloadHash(tx),
        correlationId: `c-${tx.transactionId}`,
      },
    );
  const money = (transactionId: string, type: 'DEPOSIT' | 'WITHDRAWAL', amount: number) =>
    ({
      transactionId,
      type,
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: AT,
      amount,
      currency: 'USD',
      panLast4: '4242',
    }) satisfies AtmTransaction;
  const sent = () =>
    calls.flatMap((c) => c.entries.map((e) => JSON.parse(e.Detail ?? '{}') as LedgerEvent));
  const sentIds = () => sent().map((e) => e.id);

  it('publishes postings, rejections and conflicts once each, in the order they happened', async () => {
    // Act
    await post(money('d1', 'DEPOSIT', 10_000));
    await post(money('w1', 'WITHDRAWAL', 9_500));
    await post(money('w2', 'WITHDRAWAL', 5_000));
    await post(money('w1', 'WITHDRAWAL', 9_000)); // same id, other payload: a conflict
    await post(money('d1', 'DEPOSIT', 10_000)); // redelivery: a duplicate, nothing changes
    await waitFor(() => sentIds().length >= 4, 'four events are put on the bus');
    await waitFor(() => pipe.stats().source.shards[0]?.pendingRecords === 0, 'the pipe is idle');

    // Assess
    expect(sentIds()).toEqual(['d1:posted', 'w1:posted', 'w2:rejected', 'w1:conflict:1']);
    const [, withdrawal, rejection] = sent();
    expect(withdrawal).toMatchObject({
      type: 'ledger.transaction.posted',
      transactionType: 'WITHDRAWAL',
      amount: 9_500,
      currency: 'USD',
      panLast4: '4242',
      correlationId: 'c-w1',
      movements: [
        { accountId: 'A', balanceBefore: 10_000, balanceAfter: 500, lowBalanceThreshold: 1_000 },
      ],
    });
    expect(rejection).toMatchObject({
      reason: 'INSUFFICIENT_FUNDS',
      transactionType: 'WITHDRAWAL',
    });
    const onBus = (await receiveJson(harness.clients.sqs, bus.queueUrl, 4)) as {
      source: string;
      'detail-type': string;
      detail: LedgerEvent;
    }[];
    expect(onBus.map((e) => [e.source, e['detail-type'], e.detail.id]).sort()).toEqual(
      [
        [LEDGER_EVENT_SOURCE, 'ledger.transaction.posted', 'd1:posted'],
        [LEDGER_EVENT_SOURCE, 'ledger.transaction.posted', 'w1:posted'],
        [LEDGER_EVENT_SOURCE, 'ledger.transaction.rejected', 'w2:rejected'],
        [LEDGER_EVENT_SOURCE, 'ledger.transaction.conflict', 'w1:conflict:1'],
      ].sort(),
    );
    // Accounts, entries and the conflict's repeat of an unchanged posting were filtered or mapped to nothing.
    expect(pipe.stats().recordsFiltered).toBeGreaterThan(0);
  });

  it('publishes an early reversal as pending, then as posted once its original arrives', async () => {
    // Act
    await post(money('d1', 'DEPOSIT', 10_000));
    await post({
      transactionId: 'r1',
      type: 'REVERSAL',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: AT,
      originalTransactionId: 'w3',
    });
    await post(money('w3', 'WITHDRAWAL', 700));
    await waitFor(() => sentIds().length >= 4, 'four events are put on the bus');
    await waitFor(() => pipe.stats().source.shards[0]?.pendingRecords === 0, 'the pipe is idle');

    // Assess
    expect(sentIds()).toEqual(['d1:posted', 'r1:pending', 'w3:posted', 'r1:posted']);
    expect(sent()[3]).toMatchObject({
      transactionType: 'REVERSAL',
      originalTransactionId: 'w3',
      amount: 700,
      movements: [{ balanceBefore: 9_300, balanceAfter: 10_000 }],
    });
  });
});
