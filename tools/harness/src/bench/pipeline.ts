/**
 * Benchmark of the walking skeleton on the local cloud. Prints:
 * - posted transactions per second,
 * - p50/p99 latency from POST to POSTED,
 * - p50/p99 latency from POST to notification delivered (the receipt),
 * - DynamoDB calls per posted transaction, by who makes them (ingest's
 *   acceptance marker, the ledger's posting) and by operation: in steady
 *   state (every account's lane warm), for redeliveries (duplicates), and for
 *   a cold lane (an account the consumer has not seen since it started).
 *
 * Latency uses one clock: the time the request was sent and the ledger's
 * `postedAt` are both read on this machine, so no polling interval inflates it.
 *
 *   npm run bench -- --transactions 2000 --accounts 50 --concurrency 16
 */

import { DynamoDbLedgerStore } from '@atm-ledger/ledger';
import { startLocalCloud } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const opts = new Command()
  .option('--transactions <n>', 'transactions to post', (v) => Number(v), 2_000)
  .option('--accounts <n>', 'accounts to spread them over', (v) => Number(v), 50)
  .option('--concurrency <n>', 'requests in flight', (v) => Number(v), 16)
  .option(
    '--rate <tx/s>',
    'open loop at this rate (0: as fast as the pipeline takes them)',
    (v) => Number(v),
    0,
  )
  .parse()
  .opts<{ transactions: number; accounts: number; concurrency: number; rate: number }>();

// Count every DynamoDB call the handlers make, by table and operation. Bench-only instrumentation.
const calls = new Map<string, number>();
const tableOf = (input: Record<string, unknown>): string => {
  if (typeof input.TableName === 'string') return input.TableName;
  const items = input.TransactItems as Record<string, { TableName?: string }>[] | undefined;
  const first = items?.[0];
  if (first) return Object.values(first)[0]?.TableName ?? '?';
  const requests = input.RequestItems as Record<string, unknown> | undefined;
  return requests ? (Object.keys(requests)[0] ?? '?') : '?';
};
const originalSend = DynamoDBClient.prototype.send;
DynamoDBClient.prototype.send = function (
  this: DynamoDBClient,
  command: { constructor: { name: string }; input: Record<string, unknown> },
  ...rest: unknown[]
) {
  if (this === statusClient)
    return (originalSend as (...a: unknown[]) => unknown).call(this, command, ...rest);
  const input = command.input ?? {};
  const table = tableOf(input);
  const role = table.endsWith('-ledger')
    ? ledgerRole(command.constructor.name, input)
    : table.endsWith('-notifier-idempotency')
      ? 'notifier'
      : 'runtime';
  const key = `${role}:${command.constructor.name.replace(/Command$/, '')}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
  return (originalSend as (...a: unknown[]) => unknown).call(this, command, ...rest);
} as typeof DynamoDBClient.prototype.send;

/** Who made a call on the ledger table: ingest's door, the timer sweep, or the ledger's posting. */
function ledgerRole(command: string, input: Record<string, unknown>): string {
  const item = input.Item as { sk?: { S?: string } } | undefined;
  if (command === 'PutItemCommand' && item?.sk?.S === 'ACCEPTED') return 'ingest';
  const values = input.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
  if (command === 'QueryCommand' && values?.[':pk']?.S?.startsWith('TIMER#')) return 'sweep';
  return 'ledger';
}

// The benchmark reads outcomes with a client of its own, which is not counted.
let statusClient: DynamoDBClient | undefined;

const run = Date.now().toString(36);
const cloud = await startLocalCloud({ port: 0, prefix: `bench-${run}`, token: 'bench' });
const headers = { authorization: 'Bearer bench', 'content-type': 'application/json' };
const post = (path: string, body: unknown) =>
  fetch(`${cloud.apiUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

const transaction = (id: string, i: number, accountId: string) => ({
  transactionId: id,
  type: i % 3 === 0 ? 'DEPOSIT' : 'WITHDRAWAL',
  accountId,
  amount: 2_000,
  currency: 'USD',
  atmId: `atm-${i % 100}`,
  occurredAt: new Date().toISOString(),
});
const open = (accountId: string) =>
  post('/v1/accounts', { accountId, currency: 'USD', overdraftLimit: 1_000_000_000 });
const send = async (body: unknown) => {
  const response = await post('/v1/transactions', body);
  if (response.status !== 202)
    throw new Error(`POST answered ${response.status}: ${await response.text()}`);
};
/** Waits until the ledger's consumer has finished `count` more records than `from`. */
const consumed = async (from: number, count: number) => {
  const deadline = Date.now() + 120_000;
  while (cloud.ledgerConsumer.stats().recordsSucceeded < from + count) {
    if (Date.now() > deadline) throw new Error('the ledger did not consume the records in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};
/** Calls counted while `phase` ran, by role and operation, per transaction. */
async function measure(label: string, transactions: number, phase: () => Promise<void>) {
  const before = cloud.ledgerConsumer.stats().recordsSucceeded;
  calls.clear();
  await phase();
  await consumed(before, transactions);
  return { label, transactions, calls: new Map(calls) };
}

try {
  for (let a = 0; a < opts.accounts; a++) await open(`acct-${a}`);
  // Warm every lane once, as a consumer that has been running would be: steady state.
  const warmed = cloud.ledgerConsumer.stats().recordsSucceeded;
  for (let a = 0; a < opts.accounts; a++)
    await send(transaction(`warm-${run}-${a}`, a, `acct-${a}`));
  await consumed(warmed, opts.accounts);
  calls.clear();
  const sentAt = new Map<string, number>();
  const bodies = new Map<string, unknown>();
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    for (let i = next++; i < opts.transactions; i = next++) {
      // Open loop: transaction i leaves at i/rate seconds, whether or not the pipeline keeps up.
      if (opts.rate > 0) {
        const due = started + (i * 1000) / opts.rate;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const id = `bench-${run}-${i}`;
      const body = transaction(id, i, `acct-${i % opts.accounts}`);
      bodies.set(id, body);
      sentAt.set(id, Date.now());
      await send(body);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const acceptedIn = Date.now() - started;

  // Wait for the ledger to decide every transaction, reading outcomes straight from the table.
  statusClient = new DynamoDBClient(
    sdkClientOptions({ endpoint: cloud.awsEndpoint, region: 'us-east-1' }),
  );
  const status = new DynamoDbLedgerStore(statusClient, cloud.resources.names.ledgerTable);
  const postedAt = new Map<string, number>();
  const deadline = Date.now() + 120_000;
  const pending = new Set(sentAt.keys());
  while (pending.size > 0 && Date.now() < deadline) {
    for (const id of [...pending].slice(0, 200)) {
      const record = await status.getTransaction(id);
      if (record?.status === 'POSTED' && record.decidedAt) {
        postedAt.set(id, Date.parse(record.decidedAt));
        pending.delete(id);
      } else if (record?.status === 'REJECTED') pending.delete(id);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
  let last = 0;
  for (const [id, at] of postedAt) {
    histogram.recordValue(Math.max(1, at - (sentAt.get(id) ?? at)));
    last = Math.max(last, at);
  }
  const posted = postedAt.size;
  // Receipts, from the local notification channel: one per posted WITHDRAWAL/DEPOSIT.
  const notifiedAt = new Map<string, number>();
  const notifyDeadline = Date.now() + 60_000;
  while (notifiedAt.size < postedAt.size && Date.now() < notifyDeadline) {
    for (let a = 0; a < opts.accounts; a++) {
      const r = await fetch(`${cloud.apiUrl}/local/notifications?accountId=acct-${a}`, { headers });
      const body = (await r.json()) as {
        items?: { kind: string; transactionId: string; createdAt: string }[];
      };
      for (const n of body.items ?? []) {
        if (n.kind === 'RECEIPT' && sentAt.has(n.transactionId))
          notifiedAt.set(n.transactionId, Date.parse(n.createdAt));
      }
    }
    if (notifiedAt.size < postedAt.size) await new Promise((r) => setTimeout(r, 250));
  }
  const notifyHistogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const [id, at] of notifiedAt)
    notifyHistogram.recordValue(Math.max(1, at - (sentAt.get(id) ?? at)));
  const steady = new Map(calls);
  const seconds = (last - started) / 1000;

  // Redeliveries: the same transactions again, identical (an ATM's retry, a producer's).
  const sample = [...postedAt.keys()].slice(0, Math.min(200, postedAt.size));
  const duplicates = await measure('duplicates', sample.length, async () => {
    for (const id of sample) await send(bodies.get(id));
  });
  // Cold lanes: accounts the consumer has never seen, one transaction each.
  const cold = Math.min(50, opts.accounts);
  for (let a = 0; a < cold; a++) await open(`cold-${run}-${a}`);
  const coldLanes = await measure('cold lane', cold, async () => {
    for (let a = 0; a < cold; a++)
      await send(transaction(`cold-${run}-${a}`, a, `cold-${run}-${a}`));
  });

  const per = (counted: Map<string, number>, role: string) =>
    [...counted]
      .filter(([k]) => k.startsWith(`${role}:`))
      .map(([k, c]) => [k.slice(role.length + 1), c] as const);
  const share = (counted: Map<string, number>, role: string, n: number) => {
    const ops = per(counted, role);
    const total = ops.reduce((sum, [, c]) => sum + c, 0) / Math.max(1, n);
    return {
      total,
      text: `${total.toFixed(2)} (${ops.map(([op, c]) => `${op} ${(c / Math.max(1, n)).toFixed(2)}`).join(', ') || 'none'})`,
    };
  };
  const dynamoPer = (counted: Map<string, number>, n: number) => {
    const ingest = share(counted, 'ingest', n);
    const ledger = share(counted, 'ledger', n);
    return `${(ingest.total + ledger.total).toFixed(2)} = ingest ${ingest.text} + ledger ${ledger.text}`;
  };
  const perPosted = (role: string) => share(steady, role, posted).text;
  console.log(`
walking-skeleton benchmark (local cloud, ${opts.transactions} transactions, ${opts.accounts} accounts, ${opts.rate > 0 ? `open loop at ${opts.rate} tx/s` : `closed loop, concurrency ${opts.concurrency}`})

  accepted (202)            ${opts.transactions} in ${(acceptedIn / 1000).toFixed(2)} s  (${(opts.transactions / (acceptedIn / 1000)).toFixed(0)} req/s)
  posted                    ${posted}${pending.size > 0 ? `  (${pending.size} not decided in time)` : ''}
  posted tx/s               ${(posted / seconds).toFixed(1)}
  POST -> POSTED p50        ${histogram.getValueAtPercentile(50)} ms
  POST -> POSTED p99        ${histogram.getValueAtPercentile(99)} ms
  POST -> POSTED max        ${histogram.maxValue} ms
  POST -> receipt p50       ${notifyHistogram.getValueAtPercentile(50)} ms   (${notifiedAt.size} receipts)
  POST -> receipt p99       ${notifyHistogram.getValueAtPercentile(99)} ms
  DynamoDB calls / posted   ${dynamoPer(steady, posted)}   steady state, every lane warm
  DynamoDB calls / duplicate ${dynamoPer(duplicates.calls, duplicates.transactions)}   ${duplicates.transactions} identical redeliveries
  DynamoDB calls / cold     ${dynamoPer(coldLanes.calls, coldLanes.transactions)}   ${coldLanes.transactions} accounts the consumer had not seen
  notifier calls / posted   ${perPosted('notifier')}   idempotency records
  runtime calls / posted    ${perPosted('runtime')}   local checkpoints and leases (AWS keeps these itself)
  timer sweep               ${share(steady, 'sweep', 1).total} Query calls during the run (one per shard per second locally, not per posting)
`);
} finally {
  statusClient?.destroy();
  await cloud.stop();
}
