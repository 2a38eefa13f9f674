/**
 * Benchmark of the whole pipeline on the local cloud, open loop: transaction
 * i leaves at i/rate seconds whether or not the pipeline keeps up, so a
 * pipeline that falls behind shows it in its latencies instead of slowing the
 * offered rate. Prints:
 * - how many of the offered transactions were posted;
 * - p50/p99/max from POST to POSTED (the ledger's `decidedAt`) and from POST
 *   to the receipt (the notifier's `createdAt`): one clock, this machine's;
 * - the CPU of each emulator process and of this process (the runtime, the
 *   functions, and the benchmark's own client), as a share of one core;
 * - emulator calls per transaction, by service and action, counted by the
 *   emulators themselves, so every caller is included;
 * - DynamoDB calls per transaction by who makes them, in steady state, for
 *   redeliveries and for a cold lane.
 *
 *   npm run bench                                 50 tx/s for 60 s over 40 accounts
 *   npm run bench -- --rate 100 --seconds 30
 *   npm run bench -- --without-fix expression-cache --without-fix ast-walks
 *                                                 upstream's behaviour for those emulator fixes
 */

import { DynamoDbLedgerStore } from '@atm-ledger/ledger';
import { MOTO_FIXES, type MotoFix } from '@atm-ledger/local-aws';
import {
  type LocalCloud,
  silenceSdkNodeVersionWarning,
  startLocalCloud,
} from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command, Option } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { processCpuSeconds } from './proc.js';

silenceSdkNodeVersionWarning();

const opts = new Command()
  .option('--rate <tx/s>', 'transactions offered per second', Number, 50)
  .option('--seconds <s>', 'how long to offer them', Number, 60)
  .option('--accounts <n>', 'accounts to spread them over', Number, 40)
  .addOption(
    new Option(
      '--without-fix <name...>',
      "run these emulator fixes' upstream behaviour (repeatable)",
    ).choices(MOTO_FIXES),
  )
  .parse()
  .opts<{ rate: number; seconds: number; accounts: number; withoutFix?: MotoFix[] }>();
const total = Math.round(opts.rate * opts.seconds);

// Count every DynamoDB call the functions make, by who makes it. Bench-only instrumentation.
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

interface CpuSnapshot {
  readonly at: number;
  readonly runtime: number;
  readonly emulators: readonly number[];
}

function cpuSnapshot(cloud: LocalCloud): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    runtime: (usage.user + usage.system) / 1e6,
    emulators: cloud.emulators.map((e) => processCpuSeconds(e.pid)),
  };
}

async function requestCounts(cloud: LocalCloud): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const e of cloud.emulators) {
    for (const [key, n] of Object.entries(await e.requestCounts())) {
      counts[key] = (counts[key] ?? 0) + n;
    }
  }
  return counts;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = Date.now().toString(36);
const withoutFixes = opts.withoutFix ?? [];
const cloud = await startLocalCloud({
  port: 0,
  prefix: `bench-${run}`,
  token: 'bench',
  withoutFixes,
  discardNotificationsOnStop: true,
});
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
/** Waits until `done()` holds, or fails after `ms`. */
const until = async (what: string, done: () => boolean, ms = 180_000) => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time`);
    await pause(20);
  }
};
const consumed = () => cloud.ledgerConsumer.stats().recordsSucceeded;
const receiptsDeleted = () => cloud.notifiers.receipts.stats().messagesDeleted;
/** Calls counted while `phase` ran, by role and operation. */
async function measure(label: string, transactions: number, phase: () => Promise<void>) {
  const before = consumed();
  calls.clear();
  await phase();
  await until('the ledger consuming the records', () => consumed() >= before + transactions);
  return { label, transactions, calls: new Map(calls) };
}

const histogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
const percent = (cpuSeconds: number, wallMs: number) =>
  `${((cpuSeconds / (wallMs / 1000)) * 100).toFixed(0)}%`;

try {
  for (let a = 0; a < opts.accounts; a++) await open(`acct-${a}`);
  // Warm every lane once, as a consumer that has been running would be: steady state.
  const warmed = consumed();
  const warmedReceipts = receiptsDeleted();
  for (let a = 0; a < opts.accounts; a++)
    await send(transaction(`warm-${run}-${a}`, a, `acct-${a}`));
  await until('the warm-up', () => consumed() >= warmed + opts.accounts);
  await until('the warm-up receipts', () => receiptsDeleted() >= warmedReceipts + opts.accounts);

  calls.clear();
  const countsBefore = await requestCounts(cloud);
  const cpuBefore = cpuSnapshot(cloud);
  const consumedBefore = consumed();
  const receiptsBefore = receiptsDeleted();
  const sentAt = new Map<string, number>();
  const bodies = new Map<string, unknown>();
  const failures: string[] = [];
  const started = performance.now();
  const startedAt = Date.now();
  const sends: Promise<void>[] = [];
  // Where each stage stands, every 10 s: the stage that falls behind is the one to look at.
  const stagesAt = [
    consumed(),
    cloud.ledgerEventsPipe.stats().eventsDelivered,
    cloud.notifiers.receipts.stats().messagesDeleted,
  ];
  const progress = setInterval(() => {
    const accepted = sentAt.size - failures.length;
    const pipe = cloud.ledgerEventsPipe.stats().eventsDelivered - (stagesAt[1] ?? 0);
    const receipts = cloud.notifiers.receipts.stats().messagesDeleted - (stagesAt[2] ?? 0);
    console.error(
      `  ${((performance.now() - started) / 1000).toFixed(0)} s: sent ${accepted}, consumed ${consumed() - (stagesAt[0] ?? 0)}, published ${pipe}, receipts ${receipts}`,
    );
  }, 10_000);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await pause(wait);
    const id = `bench-${run}-${i}`;
    const body = transaction(id, i, `acct-${i % opts.accounts}`);
    bodies.set(id, body);
    sentAt.set(id, Date.now());
    sends.push(send(body).catch((error: Error) => void failures.push(`${id}: ${error.message}`)));
  }
  await Promise.all(sends);
  const offeredMs = performance.now() - started;
  const lag = Math.max(0, offeredMs - opts.seconds * 1000);

  // A POST the door refused (a 5xx when the machine is overloaded) put nothing on the
  // stream: the stages owe only the accepted ones. The refusals are reported and fail the run.
  const refused = failures.length;
  const accepted = total - refused;
  // Every receipt is a posted WITHDRAWAL or DEPOSIT: the last stage of the pipeline.
  await until(
    'the ledger consuming every accepted record',
    () => consumed() >= consumedBefore + accepted,
  );
  await until('every receipt', () => receiptsDeleted() >= receiptsBefore + accepted).catch(
    (error: Error) => void failures.push(error.message),
  );
  clearInterval(progress);
  const cpuAfter = cpuSnapshot(cloud);
  const countsAfter = await requestCounts(cloud);
  const steady = new Map(calls);

  // Outcomes, read straight from the table with an uncounted client.
  statusClient = new DynamoDBClient(
    sdkClientOptions({ endpoint: cloud.endpoint, region: 'us-east-1' }, { service: 'dynamodb' }),
  );
  const status = new DynamoDbLedgerStore(statusClient, cloud.resources.names.ledgerTable);
  const posted = histogram();
  let postedCount = 0;
  let lastPostedAt = 0;
  const notPosted: string[] = [];
  for (const id of sentAt.keys()) {
    const record = await status.getTransaction(id);
    if (record?.status === 'POSTED' && record.decidedAt) {
      const at = Date.parse(record.decidedAt);
      posted.recordValue(Math.max(1, at - (sentAt.get(id) ?? at)));
      lastPostedAt = Math.max(lastPostedAt, at);
      postedCount++;
    } else notPosted.push(`${id}: ${record?.status ?? 'absent'}`);
  }
  const receipts = histogram();
  let receiptCount = 0;
  for (let a = 0; a < opts.accounts; a++) {
    const r = await fetch(`${cloud.apiUrl}/local/notifications?accountId=acct-${a}`, { headers });
    const body = (await r.json()) as {
      items?: { kind: string; transactionId: string; createdAt: string }[];
    };
    for (const n of body.items ?? []) {
      const sent = sentAt.get(n.transactionId);
      if (n.kind !== 'RECEIPT' || sent === undefined) continue;
      receipts.recordValue(Math.max(1, Date.parse(n.createdAt) - sent));
      receiptCount++;
    }
  }

  // Redeliveries: the same transactions again, identical (an ATM's retry, a producer's).
  const sample = [...sentAt.keys()].slice(0, Math.min(200, total));
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

  const wallMs = cpuAfter.at - cpuBefore.at;
  const emulatorCpu = cloud.emulators
    .map((e, i) => {
      const used = (cpuAfter.emulators[i] ?? 0) - (cpuBefore.emulators[i] ?? 0);
      return `${e.group} ${percent(used, wallMs)}`;
    })
    .join(', ');
  const emulatorTotal = cloud.emulators.reduce(
    (sum, _, i) => sum + (cpuAfter.emulators[i] ?? 0) - (cpuBefore.emulators[i] ?? 0),
    0,
  );
  const byService = new Map<string, Map<string, number>>();
  for (const [key, after] of Object.entries(countsAfter)) {
    const n = after - (countsBefore[key] ?? 0);
    if (n <= 0) continue;
    const [service = '?', action = '?'] = key.split('.');
    const actions = byService.get(service) ?? new Map<string, number>();
    actions.set(action, n);
    byService.set(service, actions);
  }
  const perTx = (n: number) => (n / total).toFixed(2);
  const serviceLines = [...byService]
    .map(([service, actions]) => {
      const sum = [...actions.values()].reduce((a, b) => a + b, 0);
      const detail = [...actions]
        .sort((a, b) => b[1] - a[1])
        .map(([action, n]) => `${action} ${perTx(n)}`)
        .join(', ');
      return { sum, line: `    ${service.padEnd(16)} ${perTx(sum).padStart(6)}  (${detail})` };
    })
    .sort((a, b) => b.sum - a.sum);
  const allCalls = serviceLines.reduce((a, b) => a + b.sum, 0);

  const per = (counted: Map<string, number>, role: string) =>
    [...counted]
      .filter(([k]) => k.startsWith(`${role}:`))
      .map(([k, c]) => [k.slice(role.length + 1), c] as const);
  const share = (counted: Map<string, number>, role: string, n: number) => {
    const ops = per(counted, role);
    const sum = ops.reduce((s, [, c]) => s + c, 0) / Math.max(1, n);
    return {
      total: sum,
      text: `${sum.toFixed(2)} (${ops.map(([op, c]) => `${op} ${(c / Math.max(1, n)).toFixed(2)}`).join(', ') || 'none'})`,
    };
  };
  const dynamoPer = (counted: Map<string, number>, n: number) => {
    const ingest = share(counted, 'ingest', n);
    const ledger = share(counted, 'ledger', n);
    return `${(ingest.total + ledger.total).toFixed(2)} = ingest ${ingest.text} + ledger ${ledger.text}`;
  };
  const ms = (h: hdr.Histogram, p: number) => `${h.getValueAtPercentile(p)} ms`;
  console.log(`
pipeline benchmark: open loop, ${opts.rate} tx/s for ${opts.seconds} s over ${opts.accounts} accounts (${total} transactions)
  local cloud, ${cloud.emulators.length} emulator processes${withoutFixes.length > 0 ? ` without fixes ${withoutFixes.join(', ')}` : ''}; ${new Date(startedAt).toISOString()}

  offered                   ${total} in ${(offeredMs / 1000).toFixed(1)} s${lag > 500 ? `  (the sender fell ${(lag / 1000).toFixed(1)} s behind)` : ''}
  accepted (202)            ${accepted} of ${total}${refused > 0 ? `  (${refused} refused)` : ''}
  posted                    ${postedCount} of ${total}${notPosted.length > 0 ? `  (not posted: ${notPosted.slice(0, 3).join('; ')}${notPosted.length > 3 ? ', ...' : ''})` : ''}
  posted tx/s               ${(postedCount / ((lastPostedAt - startedAt) / 1000)).toFixed(1)}
  POST -> POSTED            p50 ${ms(posted, 50)}, p99 ${ms(posted, 99)}, max ${posted.maxValue} ms
  POST -> receipt           p50 ${ms(receipts, 50)}, p99 ${ms(receipts, 99)}, max ${receipts.maxValue} ms  (${receiptCount} receipts)
  CPU, share of one core    emulators ${percent(emulatorTotal, wallMs)} (${emulatorCpu}); runtime ${percent(cpuAfter.runtime - cpuBefore.runtime, wallMs)} (functions, local runtime and this benchmark's client)
  emulator calls / tx       ${perTx(allCalls)}, by service:
${serviceLines.map((l) => l.line).join('\n')}
  DynamoDB calls / tx       ${dynamoPer(steady, total)}   steady state, every lane warm
  DynamoDB calls / duplicate ${dynamoPer(duplicates.calls, duplicates.transactions)}   ${duplicates.transactions} identical redeliveries
  DynamoDB calls / cold     ${dynamoPer(coldLanes.calls, coldLanes.transactions)}   ${coldLanes.transactions} accounts the consumer had not seen
  notifier calls / tx       ${share(steady, 'notifier', total).text}   idempotency records
  runtime calls / tx        ${share(steady, 'runtime', total).text}   local checkpoints and leases (AWS keeps these itself)
${failures.length > 0 ? `\n  FAILURES (${failures.length}): ${failures.slice(0, 5).join('; ')}\n` : ''}`);
  if (failures.length > 0 || notPosted.length > 0) process.exitCode = 1;
} finally {
  statusClient?.destroy();
  await cloud.stop();
}
