import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import {
  DynamoDbLedgerStore,
  emptyAccount,
  ledgerKeys,
  pkSkTableInput,
  postTransaction,
  TOTALS_SHARDS,
  totalsShard,
} from '@atm-ledger/ledger';
import { formatAuditReport } from '@atm-ledger/ops';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessCli } from '../support/cli.js';

const exec = promisify(execFile);
const cli = harnessCli;

/** `npm run local -- audit`, as an operator runs it, against the local cloud. */
async function runAudit(endpoint: string, table: string) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        cli,
        'audit',
        '--table',
        table,
        '--aws-endpoint',
        endpoint,
      ],
      { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('audit: the running totals against the journal', () => {
  const endpoint = inject('awsEndpoint');
  const client = new DynamoDBClient(sdkClientOptions({ endpoint, region: 'us-east-1' }));
  const table = `audit-${randomUUID().slice(0, 8)}`;
  const store = new DynamoDbLedgerStore(client, table);
  const at = '2026-11-27T10:00:00Z';
  const post = (tx: AtmTransaction) =>
    postTransaction(
      { store, clock: { now: () => new Date(at) } },
      { kind: 'PostTransaction', transaction: tx, payloadHash: payloadHash(tx) },
    );

  beforeAll(async () => {
    await client.send(new CreateTableCommand(pkSkTableInput(table)));
    for (const [id, currency] of [
      ['A', 'USD'],
      ['J', 'JPY'],
    ] as const) {
      await store.createAccount(
        emptyAccount({
          accountId: id,
          currency,
          overdraftLimit: 0,
          lowBalanceThreshold: 0,
          createdAt: at,
        }),
      );
    }
    const base = { atmId: 'atm-1', occurredAt: at } as const;
    await post({
      ...base,
      transactionId: 'd1',
      type: 'DEPOSIT',
      accountId: 'A',
      amount: 10_000,
      currency: 'USD',
    });
    await post({
      ...base,
      transactionId: 'w1',
      type: 'WITHDRAWAL',
      accountId: 'A',
      amount: 2_500,
      currency: 'USD',
    });
    await post({
      ...base,
      transactionId: 'd2',
      type: 'DEPOSIT',
      accountId: 'J',
      amount: 5_000,
      currency: 'JPY',
    });
  });
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  });

  it('finds no drift in a healthy ledger', async () => {
    const result = await runAudit(endpoint, table);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ currencies: 2, drift: [] });
    expect(result.stderr).toContain('2 currencies, no drift');
  });

  it('finds the drift planted by editing one total by hand, and exits 2', async () => {
    // Prepare: one shard's USD debits, one minor unit more than the journal says
    const shard = totalsShard('d1');
    expect(shard).toBeLessThan(TOTALS_SHARDS);
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall(ledgerKeys.totals(shard, 'USD')),
        UpdateExpression: 'ADD debits :one',
        ExpressionAttributeValues: marshall({ ':one': 1 }),
      }),
    );

    // Act
    const result = await runAudit(endpoint, table);

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      currencies: 2,
      drift: [
        {
          currency: 'USD',
          totals: { debits: 12_501, credits: 12_500 },
          journal: { debits: 12_500, credits: 12_500 },
        },
      ],
    });
    expect(result.stderr).toContain(
      'USD: totals 125.01 USD debits / 125.00 USD credits; the journal gives 125.00 USD / 125.00 USD',
    );
  });
});

describe('formatAuditReport', () => {
  it('writes amounts at the currency’s ISO 4217 exponent', () => {
    const text = formatAuditReport({
      currencies: 1,
      drift: [
        {
          currency: 'BHD',
          totals: { debits: 1_501n, credits: 1_500n },
          journal: { debits: 1_500n, credits: 1_500n },
        },
      ],
    });

    expect(text).toBe(
      '1 currency, 1 drifted:\n  BHD: totals 1.501 BHD debits / 1.500 BHD credits; the journal gives 1.500 BHD / 1.500 BHD',
    );
  });
});
