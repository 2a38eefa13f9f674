/**
 * Benchmark of the walking skeleton on the local cloud. Prints:
 * - posted transactions per second,
 * - p50/p99 latency from POST to POSTED,
 * - p50/p99 latency from POST to notification delivered (the receipt),
 * - DynamoDB calls per posted transaction (by operation).
 *
 * Latency uses one clock: the time the request was sent and the ledger's
 * `postedAt` are both read on this machine, so no polling interval inflates it.
 *
 *   npm run bench -- --transactions 2000 --accounts 50 --concurrency 16
 */

import { DynamoDbLedgerStore } from '@atm-ledger/ledger';
import { sdkClientOptions, sleep } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { startLocalCloud } from '../cloud.js';
import { forEachLimited } from '../traffic/accounts.js';

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
  const table = tableOf(command.input ?? {});
  const role = table.endsWith('-ledger')
    ? 'ledger'
    : table.endsWith('-notifier-idempotency')
      ? 'notifier'
      : 'runtime';
  const key = `${role}:${command.constructor.name.replace(/Command$/, '')}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
  return (originalSend as (...a: unknown[]) => unknown).call(this, command, ...rest);
} as typeof DynamoDBClient.prototype.send;

// The benchmark reads outcomes with a client of its own, which is not counted.
let statusClient: DynamoDBClient | undefined;

const run = Date.now().toString(36);
const cloud = await startLocalCloud({ port: 0, prefix: `bench-${run}`, token: 'bench' });
const headers = { authorization: 'Bearer bench', 'content-type': 'application/json' };
const post = (path: string, body: unknown) =>
  fetch(`${cloud.apiUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

try {
  for (let a = 0; a < opts.accounts; a++) {
    await post('/v1/accounts', {
      accountId: `acct-${a}`,
      currency: 'USD',
      overdraftLimit: 1_000_000_000,
    });
  }
  calls.clear();
  const sentAt = new Map<string, number>();
  const started = Date.now();
  const indices = Array.from({ length: opts.transactions }, (_, i) => i);
  await forEachLimited(indices, opts.concurrency, async (i) => {
    // Open loop: transaction i leaves at i/rate seconds, whether or not the pipeline keeps up.
    if (opts.rate > 0) {
      const due = started + (i * 1000) / opts.rate;
      await sleep(due - Date.now());
    }
    const id = `bench-${run}-${i}`;
    sentAt.set(id, Date.now());
    const response = await post('/v1/transactions', {
      transactionId: id,
      type: i % 3 === 0 ? 'DEPOSIT' : 'WITHDRAWAL',
      accountId: `acct-${i % opts.accounts}`,
      amount: 2_000,
      currency: 'USD',
      atmId: `atm-${i % 100}`,
      occurredAt: new Date().toISOString(),
    });
    if (response.status !== 202)
      throw new Error(`POST answered ${response.status}: ${await response.text()}`);
  });
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
  const seconds = (last - started) / 1000;
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
  const per = (role: string) =>
    [...calls]
      .filter(([k]) => k.startsWith(`${role}:`))
      .map(([k, c]) => [k.slice(role.length + 1), c] as const);
  const perPosted = (role: string) => {
    const ops = per(role);
    const total = ops.reduce((n, [, c]) => n + c, 0) / Math.max(1, posted);
    return `${total.toFixed(2)}  (${ops.map(([op, c]) => `${op} ${(c / Math.max(1, posted)).toFixed(2)}`).join(', ')})`;
  };
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
  DynamoDB calls / posted   ${perPosted('ledger')}   ingest + ledger, on the ledger table
  notifier calls / posted   ${perPosted('notifier')}   idempotency records
  runtime calls / posted    ${perPosted('runtime')}   local checkpoints and leases (AWS keeps these itself)
`);
} finally {
  statusClient?.destroy();
  await cloud.stop();
}
