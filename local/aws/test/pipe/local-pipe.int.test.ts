import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamOnFailureRecord } from '../../src/esm/index.js';
import {
  accountItem,
  createObservedBus,
  createQueue,
  createStreamTable,
  details,
  eventBridgeClient,
  keyEnrichment,
  pipeHarness,
  putItems,
  receiveJson,
  type TestEvent,
  tapPutEvents,
  txItem,
  uniqueName,
  waitFor,
} from '../../src/testing/pipe.js';

/** A filter on the new image, shaped like the ledger's: only TRANSACTION items pass. */
const ENTITY_FILTER = { dynamodb: { NewImage: { entity: { S: ['TRANSACTION'] } } } };

/**
 * The local pipe over the wire: moto's DynamoDB stream in, moto's bus out,
 * checkpoints and the DLQ in moto too. Each case has its own table, bus,
 * checkpoint table and pipe name.
 */
describe('LocalPipe', () => {
  let harness: ReturnType<typeof pipeHarness>;
  let table: { tableName: string; streamArn: string };
  let bus: { name: string; arn: string; queueUrl: string };
  let checkpointTableName: string;

  beforeEach(async () => {
    harness = pipeHarness();
    table = await createStreamTable(harness.clients.dynamodb);
    bus = await createObservedBus(harness.clients.eventbridge, harness.clients.sqs);
    checkpointTableName = uniqueName('pipe-checkpoints');
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  const spec = () => ({ streamArn: table.streamArn, busArn: bus.arn, checkpointTableName });

  it("puts each record's events on the bus in stream order, with DetailType from the event", async () => {
    // Prepare
    const eventbridge = eventBridgeClient();
    const calls = tapPutEvents(eventbridge);
    const pipe = harness.pipe({ ...spec(), eventbridge, source: { batchSize: 4 } });
    await pipe.start();
    const ids = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);

    // Act
    await putItems(
      harness.clients.dynamodb,
      table.tableName,
      ids.map((id) => txItem(id)),
    );
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, ids.length);

    // Assess
    const sent = calls.flatMap((c) => c.entries);
    expect(sent.map((e) => (JSON.parse(e.Detail ?? '{}') as TestEvent).id)).toEqual(
      ids.map((id) => `TX#${id}:INSERT`),
    );
    expect(
      sent.every((e) => e.DetailType === 'test.changed' && e.Source === 'atm-ledger.test'),
    ).toBe(true);
    // Batches of at most 4 records, one PutEvents each.
    expect(calls.every((c) => c.entries.length <= 4)).toBe(true);
    expect(
      details<TestEvent>(received)
        .map((d) => d.id)
        .sort(),
    ).toEqual(ids.map((id) => `TX#${id}:INSERT`));
    eventbridge.destroy();
  });

  it('drops records the filter rejects before the enrichment sees them', async () => {
    // Prepare
    const seen: DynamoDBRecord[][] = [];
    const pipe = harness.pipe({
      ...spec(),
      filters: [ENTITY_FILTER],
      enrichment: (records, context) => {
        seen.push(records);
        return keyEnrichment(records, context);
      },
    });
    await pipe.start();

    // Act
    await putItems(harness.clients.dynamodb, table.tableName, [
      accountItem('a1'),
      txItem('t1'),
      accountItem('a2'),
      { pk: 'TX#t9', sk: 'ACCEPTED', entity: 'ACCEPTED' },
    ]);
    // A removal has no new image: the filter drops it too.
    await harness.clients.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'TX#t1' }, sk: { S: 'TX' } },
      }),
    );
    await waitFor(() => pipe.stats().recordsFiltered === 4, 'the four others are filtered out');
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, 2, 1_500);
    // Dropped records count as processed: the checkpoint moves past the last of them.
    await waitFor(() => {
      const shard = pipe.stats().source.shards[0];
      return shard !== undefined && shard.checkpoint === shard.lastReadSequenceNumber;
    }, 'the checkpoint passes the filtered records');

    // Assess
    expect(details<TestEvent>(received).map((d) => d.id)).toEqual(['TX#t1:INSERT']);
    expect(seen.flat().map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['TX#t1']);
    expect(pipe.stats()).toMatchObject({ recordsFiltered: 4, eventsDelivered: 1 });
    expect(pipe.stats().source.recordsDelivered).toBe(1);
  });

  it('filters before batching: a batch holds up to batchSize records that passed', async () => {
    // Prepare: everything is in the stream before the pipe first reads it.
    const seen: string[][] = [];
    await putItems(harness.clients.dynamodb, table.tableName, [
      accountItem('a1'),
      txItem('t1'),
      accountItem('a2'),
      txItem('t2'),
      accountItem('a3'),
      txItem('t3'),
      accountItem('a4'),
      txItem('t4'),
    ]);
    const pipe = harness.pipe({
      ...spec(),
      filters: [ENTITY_FILTER],
      source: { batchSize: 2 },
      enrichment: (records, context) => {
        seen.push(records.map((r) => r.dynamodb?.Keys?.pk?.S ?? '?'));
        return keyEnrichment(records, context);
      },
    });

    // Act
    await pipe.start();
    await receiveJson(harness.clients.sqs, bus.queueUrl, 4);

    // Assess: two full batches of transactions, not four half-empty ones of raw records.
    expect(seen).toEqual([
      ['TX#t1', 'TX#t2'],
      ['TX#t3', 'TX#t4'],
    ]);
  });

  it('retries a failing batch, then sends it to the DLQ and moves on', async () => {
    // Prepare
    const dlq = await createQueue(harness.clients.sqs, 'pipe-dlq');
    let attemptsOnPoison = 0;
    let poisonSequenceNumber: string | undefined;
    const pipe = harness.pipe({
      ...spec(),
      dlqArn: dlq.arn,
      source: { maximumRetryAttempts: 2, onPartialBatchItemFailure: 'AUTOMATIC_BISECT' },
      enrichment: (records, context) => {
        const poison = records.find((r) => r.dynamodb?.Keys?.pk?.S === 'TX#poison');
        if (poison !== undefined) {
          attemptsOnPoison++;
          poisonSequenceNumber = poison.dynamodb?.SequenceNumber;
          throw new Error('enrichment cannot handle this record');
        }
        return keyEnrichment(records, context);
      },
    });
    await pipe.start();

    // Act
    await putItems(harness.clients.dynamodb, table.tableName, [
      txItem('ok-1'),
      txItem('poison'),
      txItem('ok-2'),
    ]);
    const [failure] = (await receiveJson(
      harness.clients.sqs,
      dlq.url,
      1,
    )) as StreamOnFailureRecord[];
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, 2);

    // Assess
    expect(
      details<TestEvent>(received)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['TX#ok-1:INSERT', 'TX#ok-2:INSERT']);
    // Bisection isolates the record (splits use no retries); then the first try and 2 retries.
    expect(attemptsOnPoison).toBeGreaterThanOrEqual(3);
    expect(failure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: table.streamArn },
    });
    expect(failure?.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(3);
    const info = failure?.DDBStreamBatchInfo as {
      startSequenceNumber: string;
      endSequenceNumber: string;
    };
    expect(info).toMatchObject({
      startSequenceNumber: poisonSequenceNumber,
      endSequenceNumber: poisonSequenceNumber,
    });
    await waitFor(
      () => pipe.stats().source.discardedRecords === 1,
      'the poison record is discarded',
    );
  });

  it('resends only the entries PutEvents reported failed', async () => {
    // Prepare
    const eventbridge = eventBridgeClient();
    // The first call loses its second entry; every later call goes through.
    const calls = tapPutEvents(eventbridge, (call) => (call === 0 ? [1] : undefined));
    // Written before the pipe starts, so all three records are read into one batch.
    await putItems(harness.clients.dynamodb, table.tableName, [
      txItem('a'),
      txItem('b'),
      txItem('c'),
    ]);
    const pipe = harness.pipe({ ...spec(), eventbridge });

    // Act
    await pipe.start();
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, 3);
    // The bus delivers a call's entries before the call's answer is back to the pipe, which
    // counts them only then.
    await waitFor(
      () => pipe.stats().eventsDelivered === 3,
      'the pipe counts three events delivered',
    );

    // Assess
    const ids = (c: { entries: { Detail?: string }[] }) =>
      c.entries.map((e) => (JSON.parse(e.Detail ?? '{}') as TestEvent).id);
    expect(ids(calls[0] ?? { entries: [] })).toEqual(['TX#a:INSERT', 'TX#b:INSERT', 'TX#c:INSERT']);
    expect(ids(calls[1] ?? { entries: [] })).toEqual(['TX#b:INSERT']);
    expect(
      details<TestEvent>(received)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['TX#a:INSERT', 'TX#b:INSERT', 'TX#c:INSERT']);
    expect(pipe.stats()).toMatchObject({
      entriesRetried: 1,
      eventsDelivered: 3,
      enrichmentInvocations: 1,
    });
    eventbridge.destroy();
  });

  it('redelivers a failed batch whole, and the enrichment gives its events the same ids', async () => {
    // Prepare
    const eventbridge = eventBridgeClient();
    const calls = tapPutEvents(eventbridge, (call) => (call === 0 ? 'throw' : undefined));
    // Written before the pipe starts, so both records are read into one batch.
    await putItems(harness.clients.dynamodb, table.tableName, [txItem('a'), txItem('b')]);
    const pipe = harness.pipe({ ...spec(), eventbridge, local: { targetAttempts: 1 } });

    // Act
    await pipe.start();
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, 2);

    // Assess
    const [failed, redelivered] = calls.map((c) => c.entries.map((e) => e.Detail));
    expect(failed).toHaveLength(2);
    expect(redelivered).toEqual(failed);
    expect(pipe.stats()).toMatchObject({ enrichmentInvocations: 2 });
    expect(pipe.stats().source.retries).toBe(1);
    expect(received).toHaveLength(2);
  });

  it('resumes from its checkpoint after a restart, without replaying what it delivered', async () => {
    // Prepare
    const name = uniqueName('pipe');
    const first = harness.pipe({ ...spec(), name });
    await first.start();
    await putItems(harness.clients.dynamodb, table.tableName, [txItem('a'), txItem('b')]);
    expect(
      details<TestEvent>(await receiveJson(harness.clients.sqs, bus.queueUrl, 2)),
    ).toHaveLength(2);
    await first.stop();

    // Act: written while no pipe runs, then a new runner with the same pipe name.
    await putItems(harness.clients.dynamodb, table.tableName, [txItem('c')]);
    const second = harness.pipe({ ...spec(), name });
    await second.start();
    await putItems(harness.clients.dynamodb, table.tableName, [txItem('d')]);
    const received = await receiveJson(harness.clients.sqs, bus.queueUrl, 3, 2_000);

    // Assess
    expect(details<TestEvent>(received).map((d) => d.id)).toEqual(['TX#c:INSERT', 'TX#d:INSERT']);
    expect(second.stats().source.recordsDelivered).toBe(2);
  });
});
