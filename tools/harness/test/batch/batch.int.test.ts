import { randomUUID } from 'node:crypto';
import { DynamoDbLedgerStore, openAccount } from '@atm-ledger/ledger';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBatchJob } from '../../src/batch/job.js';
import { BatchLanding } from '../../src/batch/landing.js';
import { type BatchTableNames, ensureBatchTables } from '../../src/batch/resources.js';

/** A clock the test moves, so arrival times (and windows) are exact. */
const manualClock = (start: string) => {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso: string) => (t = Date.parse(iso)) };
};

const tx = (id: string, type: 'DEPOSIT' | 'WITHDRAWAL', amount: number, accountId = 'acct-1') => ({
  transactionId: id,
  type,
  accountId,
  atmId: 'atm-1',
  amount,
  currency: 'USD',
  occurredAt: '2026-11-27T10:59:00.000Z',
  pan: '4111111111111111',
});

describe('batch baseline: landing store and job', () => {
  let client: DynamoDBClient;
  let tables: BatchTableNames;

  beforeAll(async () => {
    client = new DynamoDBClient(
      sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
    );
    tables = await ensureBatchTables(client, `batch-${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    for (const t of Object.values(tables))
      await client.send(new DeleteTableCommand({ TableName: t }));
    client.destroy();
  });

  it('refuses a request that breaks the contract, with the field, and writes nothing', async () => {
    // Prepare
    const landing = new BatchLanding(client, tables.landing);

    // Act
    const result = await landing.land({ ...tx('bad-1', 'DEPOSIT', 100), currency: 'usd' });

    // Assess
    expect(result).toMatchObject({ status: 400, issues: [expect.stringContaining('currency')] });
    const scan = await client.send(new ScanCommand({ TableName: tables.landing }));
    expect(scan.Items?.some((i) => i.sk?.S?.includes('bad-1'))).toBeFalsy();
  });

  it('reads back one window in arrival order, across an hour boundary, without its neighbours', async () => {
    // Prepare
    const clock = manualClock('2026-11-27T10:59:50.000Z');
    const landing = new BatchLanding(client, tables.landing, { clock });
    const arrivals = [
      ['w-before', '2026-11-27T10:59:49.999Z'],
      ['w-1', '2026-11-27T10:59:50.000Z'],
      ['w-2', '2026-11-27T10:59:59.999Z'],
      ['w-3', '2026-11-27T11:00:00.000Z'],
      ['w-4', '2026-11-27T11:00:00.000Z'],
      ['w-after', '2026-11-27T11:00:10.000Z'],
    ] as const;
    for (const [id, at] of arrivals) {
      clock.set(at);
      expect((await landing.land(tx(id, 'DEPOSIT', 2_000))).status).toBe(202);
    }

    // Act
    const window = await landing.readWindow(
      new Date('2026-11-27T10:59:50.000Z'),
      new Date('2026-11-27T11:00:10.000Z'),
    );

    // Assess
    expect(window.map((w) => w.transaction.transactionId)).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
    expect(window[0]?.transaction.panLast4).toBe('1111');
    expect(JSON.stringify(window)).not.toContain('4111111111111111');
  });

  it('posts a window in arrival order with the ledger code, and a rerun changes nothing', async () => {
    // Prepare: a withdrawal that only succeeds if the deposit before it was posted first.
    const clock = manualClock('2026-11-27T12:00:01.000Z');
    const landing = new BatchLanding(client, tables.landing, { clock });
    const store = new DynamoDbLedgerStore(client, tables.ledger);
    await openAccount(
      { store, clock },
      { accountId: 'acct-1', currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 0 },
    );
    await landing.land(tx('j-dep', 'DEPOSIT', 10_000));
    clock.set('2026-11-27T12:00:02.000Z');
    await landing.land(tx('j-wd', 'WITHDRAWAL', 6_000));
    clock.set('2026-11-27T12:00:03.000Z');
    await landing.land(tx('j-wd2', 'WITHDRAWAL', 6_000));
    const window = {
      from: new Date('2026-11-27T12:00:00.000Z'),
      to: new Date('2026-11-27T12:00:20.000Z'),
    };

    // Act
    const first = await runBatchJob({ landing, store, clock }, window);
    const rerun = await runBatchJob({ landing, store, clock }, window);

    // Assess
    expect(first).toMatchObject({
      landed: 3,
      outcomes: { POSTED: 2, REJECTED: 1, DUPLICATE: 0 },
      failed: [],
    });
    expect((await store.getTransaction('j-wd2'))?.reason).toBe('INSUFFICIENT_FUNDS');
    expect((await store.getAccount('acct-1'))?.balance).toBe(4_000);
    expect(rerun.outcomes).toMatchObject({ POSTED: 0, DUPLICATE: 3 });
    expect((await store.getAccount('acct-1'))?.balance).toBe(4_000);
  });
});
