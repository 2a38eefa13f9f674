/**
 * Ledger benchmark on the local cloud's DynamoDB (the emulator, over the wire):
 *
 * 1. Per transaction type: DynamoDB calls and capacity units (write units from
 *    item sizes by DynamoDB's published rules; transactional items count twice).
 * 2. Hot ATM: posting throughput with all traffic at one ATM against traffic
 *    spread over 100 ATMs, measured side by side, alternating, and their ratio.
 *
 *   npm run bench:ledger -- --transactions 600 --concurrency 8
 */

import { randomUUID } from 'node:crypto';
import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import {
  AccountCache,
  DynamoDbLedgerStore,
  emptyAccount,
  pkSkTableInput,
  postTransaction,
  sweepTimers,
} from '@atm-ledger/ledger';
import { recordToItem } from '@atm-ledger/ledger/items';
import { startMoto } from '@atm-ledger/local-aws';
import { localEnv, silenceSdkNodeVersionWarning } from '@atm-ledger/local-cloud';
import { createLogger, sdkClientOptions, systemClock } from '@atm-ledger/runtime';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Command } from 'commander';
import { itemSize, readUnits, writeUnits } from './capacity.js';

silenceSdkNodeVersionWarning();

const opts = new Command()
  .option('--transactions <n>', 'transactions per throughput run', (v) => Number(v), 600)
  .option(
    '--concurrency <n>',
    'postings in flight (parallel shards/invocations)',
    (v) => Number(v),
    8,
  )
  .option('--rounds <n>', 'alternating hot/spread rounds', (v) => Number(v), 2)
  .option('--aws-endpoint <url>', 'an already-running emulator', localEnv().LEDGER_AWS_ENDPOINT)
  .parse()
  .opts<{ transactions: number; concurrency: number; rounds: number; awsEndpoint?: string }>();

const moto = opts.awsEndpoint ? undefined : await startMoto({ port: 0 });
const endpoint = opts.awsEndpoint ?? moto?.endpoint ?? '';
const client = new DynamoDBClient(sdkClientOptions({ endpoint, region: 'us-east-1' }));

interface Call {
  readonly op: string;
  readonly wcu: number;
  readonly rcu: number;
}
let calls: Call[] = [];
client.middlewareStack.add(
  (next, context) => async (args) => {
    const input = (args as { input: Record<string, unknown> }).input;
    const op = String(context.commandName).replace(/Command$/, '');
    // Counted whether it succeeds or not: a write whose condition fails is a call, and is billed.
    try {
      return await next(args);
    } finally {
      calls.push({ op, ...capacityOf(op, input) });
    }
  },
  { step: 'initialize', name: 'countCalls' },
);

/** Capacity a successful call consumes, estimated from what it writes and reads. */
function capacityOf(op: string, input: Record<string, unknown>): { wcu: number; rcu: number } {
  switch (op) {
    case 'PutItem':
      return { wcu: writeUnits(itemSize(input.Item as never)), rcu: 0 };
    case 'UpdateItem':
      return { wcu: 1, rcu: 0 };
    case 'TransactWriteItems': {
      let wcu = 0;
      for (const item of input.TransactItems as TransactWriteItem[]) {
        const size = item.Put?.Item ? itemSize(item.Put.Item) : 1024;
        wcu += 2 * writeUnits(size);
      }
      return { wcu, rcu: 0 };
    }
    case 'BatchGetItem': {
      const requests = Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>);
      return { wcu: 0, rcu: requests.reduce((n, r) => n + r.Keys.length * readUnits(1024), 0) };
    }
    case 'GetItem':
      return { wcu: 0, rcu: 1 };
    case 'DeleteItem':
      return { wcu: 1, rcu: 0 };
    // Strongly consistent, at most 4 KB read: one unit (an empty shard costs the same).
    case 'Query':
      return { wcu: 0, rcu: 1 };
    default:
      return { wcu: 0, rcu: 0 };
  }
}

async function freshStore() {
  const tableName = `bench-ledger-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand(pkSkTableInput(tableName)));
  return {
    store: new DynamoDbLedgerStore(client, tableName),
    drop: () => client.send(new DeleteTableCommand({ TableName: tableName })),
  };
}

const at = new Date().toISOString();
const clock = systemClock;
const post = (store: DynamoDbLedgerStore, tx: AtmTransaction, cache?: AccountCache) =>
  postTransaction(
    { store, clock, ...(cache === undefined ? {} : { cache }) },
    { kind: 'PostTransaction', transaction: tx, payloadHash: payloadHash(tx) },
  );
const open = (store: DynamoDbLedgerStore, id: string, overdraft = 0) =>
  store.createAccount(
    emptyAccount({
      accountId: id,
      currency: 'USD',
      overdraftLimit: overdraft,
      lowBalanceThreshold: 10_000,
      createdAt: at,
    }),
  );
const tx = (
  id: string,
  fields: Partial<AtmTransaction> & Pick<AtmTransaction, 'type'>,
): AtmTransaction => ({
  transactionId: id,
  accountId: 'A',
  atmId: 'atm-1',
  occurredAt: at,
  ...fields,
});

try {
  // 1. Calls and capacity per transaction type.
  const { store, drop } = await freshStore();
  await open(store, 'A');
  await open(store, 'B');
  await post(store, tx('seed', { type: 'DEPOSIT', amount: 50_000, currency: 'USD' }));
  const cases: [string, AtmTransaction][] = [
    ['DEPOSIT', tx('d1', { type: 'DEPOSIT', amount: 10_000, currency: 'USD', panLast4: '1111' })],
    [
      'WITHDRAWAL',
      tx('w1', { type: 'WITHDRAWAL', amount: 6_000, currency: 'USD', panLast4: '1111' }),
    ],
    ['TRANSFER', tx('t1', { type: 'TRANSFER', amount: 2_000, currency: 'USD', toAccountId: 'B' })],
    ['BALANCE_INQUIRY', tx('b1', { type: 'BALANCE_INQUIRY' })],
    [
      'REVERSAL (partial)',
      tx('r1', { type: 'REVERSAL', originalTransactionId: 'w1', dispensedAmount: 2_000 }),
    ],
    ['REVERSAL of a TRANSFER', tx('r2', { type: 'REVERSAL', originalTransactionId: 't1' })],
    ['REVERSAL before original', tx('r3', { type: 'REVERSAL', originalTransactionId: 'w-late' })],
    [
      'WITHDRAWAL + waiting reversal',
      tx('w-late', { type: 'WITHDRAWAL', amount: 1_000, currency: 'USD' }),
    ],
    ['WITHDRAWAL', tx('w4', { type: 'WITHDRAWAL', amount: 1_000, currency: 'USD' })],
    [
      'REVERSAL, all dispensed',
      tx('r4', { type: 'REVERSAL', originalTransactionId: 'w4', dispensedAmount: 1_000 }),
    ],
    ['DEPOSIT', tx('d2', { type: 'DEPOSIT', amount: 3_000, currency: 'USD' })],
    ['REVERSAL of a DEPOSIT', tx('r5', { type: 'REVERSAL', originalTransactionId: 'd2' })],
    [
      'rejected INSUFFICIENT_FUNDS',
      tx('w2', { type: 'WITHDRAWAL', amount: 9_000_000, currency: 'USD' }),
    ],
    [
      'rejected ACCOUNT_NOT_FOUND',
      tx('w3', { type: 'WITHDRAWAL', accountId: 'nobody', amount: 1, currency: 'USD' }),
    ],
    [
      'duplicate (redelivery)',
      tx('w1', { type: 'WITHDRAWAL', amount: 6_000, currency: 'USD', panLast4: '1111' }),
    ],
    [
      'conflict (same id, other amount)',
      tx('w1', { type: 'WITHDRAWAL', amount: 6_001, currency: 'USD', panLast4: '1111' }),
    ],
  ];
  console.log(
    '\nDynamoDB calls and capacity per transaction, the lane warm (ledger consumer only; a cold lane adds 1 BatchGetItem; ingest adds 1 PutRecords + 1 PutItem of 1 WCU)\n',
  );
  console.log(
    '| transaction | outcome | calls | operations | write units | read units | tx item bytes |',
  );
  console.log('|---|---|---:|---|---:|---:|---:|');
  for (const [label, t] of cases) {
    // The consumer's lane knows the accounts it posted to last (AccountCache): warm it, uncounted.
    const cache = new AccountCache();
    cache.remember((await store.load(t)).accounts);
    calls = [];
    const outcome = await post(store, t, cache);
    const measured = [...calls];
    const record = await store.getTransaction(t.transactionId);
    calls = measured;
    const bytes = record
      ? itemSize(
          marshall(recordToItem(record), {
            removeUndefinedValues: true,
            convertClassInstanceToMap: true,
          }),
        )
      : 0;
    const ops = new Map<string, number>();
    for (const c of calls) ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
    const resumed = outcome.resumed?.length ? ` (+${outcome.resumed.length} resumed)` : '';
    console.log(
      `| ${label} | ${outcome.outcome}${resumed} | ${calls.length} | ${[...ops].map(([o, n]) => `${o}×${n}`).join(', ')} | ${calls.reduce((n, c) => n + c.wcu, 0)} | ${calls.reduce((n, c) => n + c.rcu, 0)} | ${bytes} |`,
    );
  }
  // An early reversal whose original never comes, ended by the timer sweep once its wait is over
  // (the sweep also finds the timer of the early reversal above, resumed since, and only deletes it).
  await post(store, tx('r-orphan', { type: 'REVERSAL', originalTransactionId: 'never' }));
  calls = [];
  const later = new Date(Date.now() + 2 * 86_400_000);
  const silent = createLogger('bench');
  silent.setLogLevel('SILENT');
  const sweep = await sweepTimers({ store, clock: { now: () => later }, logger: silent });
  const sweepOps = new Map<string, number>();
  for (const c of calls) sweepOps.set(c.op, (sweepOps.get(c.op) ?? 0) + 1);
  console.log(
    `| the timer sweep a window later (${store.timerShards} shards read; ${sweep.fired} timers due: ${sweep.expired} orphan expired, ${sweep.alreadyDecided} already resumed) | REJECTED ORIGINAL_NOT_FOUND | ${calls.length} | ${[...sweepOps].map(([o, n]) => `${o}×${n}`).join(', ')} | ${calls.reduce((n, c) => n + c.wcu, 0)} | ${calls.reduce((n, c) => n + c.rcu, 0)} | |`,
  );
  await drop();

  // 2. Hot ATM vs spread.
  const throughput = async (mode: 'hot' | 'spread') => {
    const { store, drop } = await freshStore();
    const accounts = 100;
    for (let a = 0; a < accounts; a++) await open(store, `acct-${a}`, 10_000_000);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        for (let i = next++; i < opts.transactions; i = next++) {
          await post(store, {
            transactionId: `${mode}-${i}`,
            type: i % 4 === 0 ? 'DEPOSIT' : 'WITHDRAWAL',
            accountId: `acct-${i % accounts}`,
            atmId: mode === 'hot' ? 'atm-hot' : `atm-${i % 100}`,
            occurredAt: at,
            amount: 2_000,
            currency: 'USD',
          });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await drop();
    return opts.transactions / seconds;
  };
  const hot: number[] = [];
  const spread: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    spread.push(await throughput('spread'));
    hot.push(await throughput('hot'));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`
Hot ATM (${opts.transactions} postings × ${opts.rounds} rounds each, ${opts.concurrency} in flight, 100 accounts, alternating)

  all traffic at one ATM     ${hot.map((x) => x.toFixed(1)).join(', ')} tx/s   (mean ${mean(hot).toFixed(1)})
  spread over 100 ATMs       ${spread.map((x) => x.toFixed(1)).join(', ')} tx/s   (mean ${mean(spread).toFixed(1)})
  ratio hot / spread         ${(mean(hot) / mean(spread)).toFixed(2)}   (goal >= 0.8)
`);
} finally {
  client.destroy();
  await moto?.stop();
}
