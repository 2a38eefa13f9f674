import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createStream,
  esmHarness,
  putRecords,
  recordingHandler,
  uniqueName,
  waitFor,
} from '../../src/testing/esm.js';

describe('KinesisEventSourceMapping while idle', () => {
  let h: ReturnType<typeof esmHarness>;
  let table: string;
  let reads: number;

  beforeEach(() => {
    h = esmHarness();
    table = uniqueName('esm-idle');
    reads = 0;
    const send = h.clients.kinesis.send.bind(h.clients.kinesis);
    h.clients.kinesis.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name === 'GetRecordsCommand') reads++;
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof h.clients.kinesis.send;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('backs off to idlePollIntervalMs on an empty shard, and wake() reads a new record at once', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { pollIntervalMs: 20, idlePollIntervalMs: 2_000 },
    });
    await esm.start();

    // Act: three idle seconds, then a record and a wake-up.
    await new Promise((r) => setTimeout(r, 3_000));
    const idleReads = reads;
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'a', data: '{"n":1}' }]);
    const putAt = performance.now();
    esm.wake();
    await waitFor(() => invocations.length === 1, 'the record is delivered');
    const deliveredIn = performance.now() - putAt;

    // Assess: 20, 40, ... 1280, 2000 ms apart is about 8 reads in 3 s, not 150 at a fixed 20 ms.
    expect(idleReads).toBeLessThanOrEqual(12);
    // Its sleep then had up to 2 s to run; the wake-up cut it short.
    expect(deliveredIn).toBeLessThan(1_000);
  });

  it('reads at pollIntervalMs again as soon as records flow', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { pollIntervalMs: 20, idlePollIntervalMs: 1_500 },
    });
    await esm.start();
    await new Promise((r) => setTimeout(r, 2_500));

    // Act: no wake-up; the idle sleep ends by itself, then the next record comes fast.
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'a', data: '{"n":1}' }]);
    await waitFor(() => invocations.length === 1, 'the first record is delivered');
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'a', data: '{"n":2}' }]);
    const putAt = performance.now();
    await waitFor(() => invocations.length === 2, 'the second record is delivered');

    // Assess: records reset the backoff, so the second waits one short sleep or two.
    expect(performance.now() - putAt).toBeLessThan(600);
  });
});
