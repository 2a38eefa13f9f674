/**
 * TransactWriteItems throughput on moto, upstream vs our "transact" fix, as
 * the table grows. Upstream deep-copies each touched table per transaction,
 * so its rate falls with the table size; ours should stay flat.
 *
 *   node local/dist/bench/moto-transact.js [--items 0,1000,6000] [--seconds 3]
 *
 * Both servers keep the other fixes, so only TransactWriteItems differs. The
 * transactions run one at a time: this measures the cost of one transaction,
 * not the server's concurrency.
 */
import { parseArgs } from 'node:util';
import { ensureMotoInstalled, type MotoFix, startMoto } from '@atm-ledger/local-aws';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';

interface Side {
  readonly label: string;
  readonly withoutFixes: readonly MotoFix[];
}

const SIDES: readonly Side[] = [
  { label: 'upstream', withoutFixes: ['transact'] },
  { label: 'fixed', withoutFixes: [] },
];

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '0,1000,3000,6000' },
    seconds: { type: 'string', default: '3' },
    'min-transactions': { type: 'string', default: '3' },
  },
});
const sizes = values.items.split(',').map((s) => Number.parseInt(s.trim(), 10));
const seconds = Number(values.seconds);
const minTransactions = Number.parseInt(values['min-transactions'], 10);
if (sizes.some((n) => !Number.isFinite(n) || n < 0) || !(seconds > 0)) {
  throw new Error('usage: moto-transact [--items 0,1000,6000] [--seconds 3]');
}

async function fill(ddb: DynamoDBClient, TableName: string, from: number, to: number) {
  for (let start = from; start < to; start += 25) {
    const batch = Array.from({ length: Math.min(25, to - start) }, (_, i) => ({
      PutRequest: {
        Item: {
          pk: { S: `filler#${start + i}` },
          amount: { N: String(start + i) },
          note: { S: 'a posting of some earlier day' },
        },
      },
    }));
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: batch } }));
  }
}

/** One posting as the ledger writes it: debit an account, record the posting, bump a counter. */
function posting(TableName: string, n: number) {
  return new TransactWriteItemsCommand({
    TransactItems: [
      {
        Update: {
          TableName,
          Key: { pk: { S: 'account#1' } },
          UpdateExpression: 'ADD balance :minus',
          ExpressionAttributeValues: { ':minus': { N: '-1' } },
        },
      },
      {
        Put: {
          TableName,
          Item: { pk: { S: `posting#${n}` }, amount: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName,
          Key: { pk: { S: 'atm#1' } },
          UpdateExpression: 'ADD dispensed :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
    ],
  });
}

async function measure(side: Side): Promise<Map<number, number>> {
  const moto = await startMoto({ withoutFixes: side.withoutFixes, readyTimeoutMs: 60_000 });
  const ddb = new DynamoDBClient(
    sdkClientOptions({ endpoint: moto.endpoint, region: 'us-east-1' }),
  );
  const rates = new Map<number, number>();
  try {
    const TableName = 'bench-postings';
    await ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    let fillers = 0;
    let n = 0;
    // The first requests import moto's DynamoDB modules; keep that out of the numbers.
    for (; n < 10; n++) await ddb.send(posting(TableName, n));
    for (const size of [...sizes].sort((a, b) => a - b)) {
      // Postings written while measuring count towards the next size.
      const present = fillers + n;
      if (size > present) {
        await fill(ddb, TableName, fillers, fillers + size - present);
        fillers += size - present;
      }
      const started = performance.now();
      let done = 0;
      while (done < minTransactions || performance.now() - started < seconds * 1000) {
        await ddb.send(posting(TableName, n++));
        done++;
      }
      const rate = done / ((performance.now() - started) / 1000);
      rates.set(size, rate);
      process.stderr.write(`  ${side.label}: ${size} items -> ${rate.toFixed(1)} tx/s\n`);
    }
  } finally {
    ddb.destroy();
    await moto.stop();
  }
  return rates;
}

await ensureMotoInstalled();
const results = new Map<string, Map<number, number>>();
for (const side of SIDES) {
  process.stderr.write(`measuring ${side.label} TransactWriteItems...\n`);
  results.set(side.label, await measure(side));
}

const rows = [...sizes]
  .sort((a, b) => a - b)
  .map((size) => {
    const upstream = results.get('upstream')?.get(size) ?? Number.NaN;
    const fixed = results.get('fixed')?.get(size) ?? Number.NaN;
    return [
      String(size),
      upstream.toFixed(1),
      fixed.toFixed(1),
      `${(fixed / upstream).toFixed(1)}x`,
    ];
  });
const header = ['items in table', 'upstream tx/s', 'fixed tx/s', 'fixed / upstream'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: readonly string[]) =>
  cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
console.log('3-item TransactWriteItems on moto, one at a time');
console.log(line(header));
for (const row of rows) console.log(line(row));
