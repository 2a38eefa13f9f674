/**
 * Authorization benchmark on the local cloud: `POST /v1/authorizations` at a
 * steady rate (open loop: each request leaves at its time, whatever the
 * answers take), measured on the client; and the DynamoDB calls the API
 * function makes per authorization, cold (the first on an account since the
 * function started: a read, then the write) and warm (the API remembers the
 * account: the write alone). A benchmark, not a test: it prints numbers and
 * the goal next to them, and asserts nothing.
 *
 *   npm run bench:auth -- --seconds 30 --rate 20 --accounts 50
 */

import { randomBytes } from 'node:crypto';
import type { AuthorizationRequest } from '@atm-ledger/contracts';
import { localEnv, silenceSdkNodeVersionWarning, startLocalCloud } from '@atm-ledger/local-cloud';
import type { SdkRequestHandlerDecorator } from '@atm-ledger/runtime';
import { Command } from 'commander';
import { positiveInteger, positiveNumber, seedArg } from '../shared/cli-args.js';
import { prepareAccounts } from '../traffic/accounts.js';
import { LedgerApiClient } from '../traffic/api.js';
import { Prng } from '../traffic/prng.js';
import { formatMs } from '../traffic/progress.js';
import { HttpSink } from '../traffic/sinks.js';
import { generateWorkload } from '../traffic/workload.js';
import { authorizationIdsIn, callsPer, type LatencyRow, latencyRow } from './auth-stats.js';

silenceSdkNodeVersionWarning();

const opts = new Command()
  .description(
    'POST /v1/authorizations at a steady rate on the local cloud: latency and DynamoDB calls per authorization',
  )
  .option('--seconds <n>', 'how long to drive authorizations', positiveNumber, 30)
  .option('--rate <n>', 'authorizations per second, evenly spaced', positiveNumber, 20)
  .option(
    '--accounts <n>',
    'accounts to spread them over (each one cold once)',
    positiveInteger,
    50,
  )
  .option('--seed <n>', 'seed of the accounts, amounts and order', seedArg, 1)
  .option(
    '--aws-endpoint <url>',
    'an already-running emulator (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .parse()
  .opts<{ seconds: number; rate: number; accounts: number; seed: number; awsEndpoint?: string }>();

// Counted at the functions' HTTP handler (the one the local cloud gives the functions it runs,
// never the clients playing AWS's own parts): every DynamoDB request, SDK retries included.
type HttpRequest = Parameters<ReturnType<SdkRequestHandlerDecorator>['handle']>[0];
const utf8 = new TextDecoder();
let counting = false;
const byAuthorization = new Map<string, string[]>();
const otherCalls = new Map<string, number>();
/** Round trips of the authorizations' own DynamoDB calls, as the function saw them. */
const dynamoDbMs: number[] = [];
const countCalls: SdkRequestHandlerDecorator = (inner) => ({
  metadata: inner.metadata,
  handle: (request: HttpRequest, options) => {
    const target =
      Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    if (counting && target.startsWith('DynamoDB_')) {
      const op = target.slice(target.indexOf('.') + 1);
      const body =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? utf8.decode(request.body)
            : '';
      const ids = authorizationIdsIn(body);
      for (const id of ids) byAuthorization.set(id, [...(byAuthorization.get(id) ?? []), op]);
      if (ids.length === 0) otherCalls.set(op, (otherCalls.get(op) ?? 0) + 1);
      if (ids.length > 0) {
        const started = performance.now();
        return inner.handle(request, options).finally(() => {
          dynamoDbMs.push(performance.now() - started);
        });
      }
    }
    return inner.handle(request, options);
  },
  destroy: () => inner.destroy(),
  updateHttpClientConfig: (key, value) =>
    inner.updateHttpClientConfig(key as never, value as never),
  httpHandlerConfigs: () => inner.httpHandlerConfigs(),
});

const log = (line: string) => console.error(line);
const runId = `bench-auth-${Date.now().toString(36)}`;
log('starting the local cloud…');
const cloud = await startLocalCloud({
  port: 0,
  prefix: runId,
  token: randomBytes(18).toString('base64url'),
  requestHandler: countCalls,
  discardNotificationsOnStop: true,
  ...(opts.awsEndpoint ? { awsEndpoint: opts.awsEndpoint } : {}),
});

/** Waits until `probe()` has not changed for `quietMs`, or `maxMs` passed. */
async function untilQuiet(probe: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = probe();
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 250));
    const now = probe();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

interface Sent {
  readonly request: AuthorizationRequest;
  readonly cold: boolean;
  readonly lateMs: number;
  readonly status: number;
  readonly decision: string | undefined;
  readonly ms: number;
}

try {
  // A long timeout: when the emulator falls behind, the answer's delay is the measurement.
  const api = new LedgerApiClient(
    cloud.apiUrl,
    { kind: 'bearer', token: cloud.token },
    { timeoutMs: 300_000 },
  );
  // The generator's accounts and funding deposits (1,000 to 5,000 USD each): posted and
  // settled before the clock starts, so the authorizations meet funded accounts.
  const setup = generateWorkload({
    seed: opts.seed,
    accounts: opts.accounts,
    transactions: 0,
    idPrefix: runId,
    startAt: Date.now(),
  });
  log(`opening and funding ${setup.accounts.length} accounts…`);
  await prepareAccounts(api, new HttpSink(api), setup, { timeoutMs: 120_000 });
  // The deposits' events and receipts are still on their way through the pipe and the
  // notifiers, on the same emulator: let them finish, so the run measures authorizations.
  await untilQuiet(
    () =>
      cloud.ledgerEventsPipe.stats().eventsDelivered +
      Object.values(cloud.notifiers).reduce((n, m) => n + m.stats().messagesDeleted, 0),
    2_000,
    60_000,
  );

  const total = Math.round(opts.seconds * opts.rate);
  const gapMs = 1000 / opts.rate;
  const rng = new Prng(opts.seed);
  const seen = new Set<string>();
  const plan = Array.from({ length: total }, (_, i) => {
    const account = setup.accounts[rng.int(0, setup.accounts.length - 1)];
    if (account === undefined) throw new Error('no accounts');
    const cold = !seen.has(account.accountId);
    seen.add(account.accountId);
    return {
      cold,
      request: {
        authorizationId: `${runId}-a${String(i).padStart(6, '0')}`,
        accountId: account.accountId,
        // Cash amounts, 20 to 200 USD: a day's worth of withdrawals fits the deposits.
        amount: rng.pick([20, 40, 60, 100, 200]) * 100,
        currency: 'USD',
        atmId: `${runId}-atm-${rng.int(0, 19)}`,
        occurredAt: '',
      } satisfies AuthorizationRequest,
    };
  });

  log(`authorizing: ${total} at ${opts.rate}/s for ${opts.seconds} s…`);
  counting = true;
  const startAt = performance.now() + 200;
  const sent: Promise<Sent>[] = [];
  for (const [i, { cold, request }] of plan.entries()) {
    const due = startAt + i * gapMs;
    for (let ahead = due - performance.now(); ahead > 0; ahead = due - performance.now())
      await new Promise((r) => setTimeout(r, ahead));
    const lateMs = performance.now() - due;
    const body = { ...request, occurredAt: new Date().toISOString() };
    sent.push(
      api.postAuthorization(body).then((r) => ({
        request: body,
        cold,
        lateMs,
        status: r.status,
        decision: (r.body as { status?: string } | undefined)?.status,
        ms: r.ms,
      })),
    );
  }
  const lastSentS = (performance.now() - startAt) / 1000;
  const results = await Promise.all(sent);
  counting = false;
  const elapsedS = (performance.now() - startAt) / 1000;

  const ok = results.filter((r) => r.status === 201);
  const cold = ok.filter((r) => r.cold);
  const warm = ok.filter((r) => !r.cold);
  const ids = (rs: readonly Sent[]) => rs.map((r) => r.request.authorizationId);
  const callsCold = callsPer(ids(cold), byAuthorization);
  const callsWarm = callsPer(ids(warm), byAuthorization);
  const callsAll = callsPer(ids(ok), byAuthorization);
  const decisions: Record<string, number> = {};
  for (const r of results) {
    const k = r.status === 201 ? (r.decision ?? '?') : `HTTP ${r.status}`;
    decisions[k] = (decisions[k] ?? 0) + 1;
  }

  const ms = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
  const row = (name: string, l: LatencyRow, calls: ReturnType<typeof callsPer>) =>
    `  ${name.padEnd(24)}${String(l.count).padStart(6)}${ms(l.p50).padStart(9)}${ms(l.p99).padStart(9)}${ms(l.max).padStart(9)}` +
    `${calls.perAuthorization.toFixed(2).padStart(9)}   ${Object.entries(calls.byOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`;
  const latencies = (rs: readonly Sent[]) => rs.map((r) => r.ms);
  const all = latencyRow(latencies(ok));
  const lines = [
    '',
    `bench:auth: POST /v1/authorizations, ${results.length} at ${opts.rate}/s, sent over ${lastSentS.toFixed(1)} s, all answered after ${elapsedS.toFixed(1)} s (${(results.length / elapsedS).toFixed(1)}/s); ${setup.accounts.length} accounts; local cloud (moto)`,
    `  decisions: ${Object.entries(decisions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; sent late by ${formatMs(Math.max(...results.map((r) => r.lateMs)))} at worst`,
    '',
    `  ${'latency, ms (client)'.padEnd(24)}${'count'.padStart(6)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}${'calls/auth'.padStart(12)}  DynamoDB calls by operation`,
    row('all', all, callsAll),
    row('cold (first on account)', latencyRow(latencies(cold)), callsCold),
    row('warm', latencyRow(latencies(warm)), callsWarm),
    row(
      'first half (by send)',
      latencyRow(latencies(ok.slice(0, Math.floor(ok.length / 2)))),
      callsPer(ids(ok.slice(0, Math.floor(ok.length / 2))), byAuthorization),
    ),
    row(
      'second half',
      latencyRow(latencies(ok.slice(Math.floor(ok.length / 2)))),
      callsPer(ids(ok.slice(Math.floor(ok.length / 2))), byAuthorization),
    ),
    '',
    `  the authorizations' DynamoDB calls, round trip to the emulator: ${(() => {
      const l = latencyRow(dynamoDbMs);
      return `${l.count} calls, p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms`;
    })()}`,
    `  warm authorizations over one call: ${callsWarm.overOne} (lost races, SDK retries)`,
    `  other DynamoDB calls by the functions meanwhile (timer sweeps, notifiers): ${
      [...otherCalls].map(([op, n]) => `${op} ${n}`).join(', ') || 'none'
    }`,
    `  goal (issue 13): p99 <= 50 ms, 1 call per authorization; measured p99 ${ms(all.p99)} ms, warm ${callsWarm.perAuthorization.toFixed(2)} calls, cold ${callsCold.perAuthorization.toFixed(2)}`,
    '',
  ];
  console.log(lines.join('\n'));
} finally {
  await cloud.stop();
}
