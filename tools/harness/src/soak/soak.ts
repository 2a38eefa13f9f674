import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  NOTIFIER_KINDS,
  type NotificationKind,
  type NotifierChannel,
  notifierKindsSetting,
} from '@atm-ledger/contracts';
import { findRepoRoot, type MotoServer, startMoto } from '@atm-ledger/local-aws';
import {
  LOCAL_REGION,
  type LocalResources,
  readNotifications,
  resourceNames,
} from '@atm-ledger/local-cloud';
import { readNotifierConfig } from '@atm-ledger/notifier';
import { sdkClientOptions, sleep } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  FAULT_CLASSES,
  type FaultClass,
  parseFaultSpec,
  readFaultJournal,
} from '../faults/index.js';
import { scanTable } from '../shared/dynamodb.js';
import { forEachLimited, prepareAccounts } from '../traffic/accounts.js';
import { Prng } from '../traffic/prng.js';
import { HttpSink } from '../traffic/sinks.js';
import {
  DEFAULT_WORKLOAD,
  expectedStatus,
  generateWorkload,
  type TrafficRequest,
} from '../traffic/workload.js';
import {
  type AccountViewLike,
  type AuthorizationViewLike,
  type Check,
  checkDeadLetters,
  checkExactlyOnce,
  checkHolds,
  checkNotifications,
  checkRebuild,
  checkTrialBalance,
  deadLetterQueues,
  ledgerSnapshot,
  type SentAuthorization,
} from './checks.js';
import { type RuntimeBuild, RuntimeSupervisor } from './supervisor.js';
import { type InjectedPoison, injectPoison, RetryingApiClient, sendTraffic } from './traffic.js';

/**
 * The notifier queues' visibility timeout during a soak. Infra's (six
 * notifier timeouts, 180 s) would outlast a short soak's drain after every
 * killed notifier; a few seconds keeps the redelivery, and the duplicate it
 * may send, inside the run. A local-only difference (docs/local-cloud.md).
 */
const SOAK_NOTIFIER_VISIBILITY_TIMEOUT_SECONDS = 5;

/** Every fault class at a rate that makes each fire several times in five minutes at the default traffic. */
export const DEFAULT_SOAK_FAULTS =
  'throttle=0.03,server-error=0.03,timeout-after-write=0.01,kill-after-write=0.0007,' +
  'kill-before-checkpoint=0.004,kill-in-pipe=0.015,kill-in-notifier=0.004,' +
  'transaction-throttled=0.02,partial-batch=0.02';

export interface SoakOptions {
  readonly minutes: number;
  /** Mean transactions per second of the traffic phase. */
  readonly rate: number;
  readonly accounts: number;
  readonly atms: number;
  /** Fault spec of the traffic phase (docs/faults.md); the drain phase runs without faults. */
  readonly faults: string;
  /** Seconds between poison records put straight on the stream; 0 for none. */
  readonly poisonEverySeconds: number;
  readonly seed: number;
  /** How long the fault-free drain may take before the checks run anyway. */
  readonly drainTimeoutSeconds: number;
  /**
   * LEDGER_HOLD_TTL_SECONDS of the runtime (default 20): short, so the holds the
   * ATMs abandon expire during the run and the checks see them ended.
   */
  readonly holdTtlSeconds?: number;
  /** How many runtime processes get the faults; the restarts after them run clean. Every one when absent. */
  readonly maxFaultyRuntimes?: number;
  /** The runtime the soak starts and restarts: from source (the default) or the compiled CLI. */
  readonly runtimeBuild?: RuntimeBuild;
  /** An emulator that is already running; otherwise one is started for the soak. */
  readonly awsEndpoint?: string | undefined;
  readonly log: (line: string) => void;
}

export interface SoakReport {
  readonly runId: string;
  readonly directory: string;
  readonly trafficSeconds: number;
  readonly drainSeconds: number;
  readonly requests: Readonly<Record<string, number>>;
  readonly accepted: number;
  readonly holdTtlSeconds: number;
  readonly atmRetries: number;
  /** Batches a mapping invoked again, and notifier invocations that left messages to redeliver. */
  readonly platformRetries: {
    readonly ledger: number;
    readonly pipe: number;
    readonly notifier: number;
  };
  readonly faults: Readonly<Record<FaultClass, number>>;
  readonly crashes: number;
  readonly restarts: number;
  readonly runtimeDownSeconds: number;
  readonly poisonInjected: number;
  /** Notifications sent twice because a process died between sending and recording them. */
  readonly crashDuplicates: number;
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly checks: readonly Check[];
  readonly passed: boolean;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/**
 * Generated traffic against the whole pipeline while faults are injected,
 * then a fault-free drain, then the checks that matter to a bank: every
 * accepted transaction decided exactly once, the books balanced, the
 * accounts equal to the fold of their entries, every notification sent once,
 * and every dead letter accounted for. The runtime runs in a child process
 * so process kills are real; the emulator outlives it and holds every
 * checkpoint it resumes from.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log;
  const faultSpec = parseFaultSpec(options.faults);
  const rootDir = findRepoRoot();
  // Unique even for soaks started in the same millisecond on one emulator (the tests run several at once).
  const runId = `soak-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const holdTtlSeconds = options.holdTtlSeconds ?? 20;
  const directory = join(rootDir, '.local-cloud', runId);
  mkdirSync(directory, { recursive: true });
  const journalPath = join(directory, 'faults.jsonl');

  let moto: MotoServer | undefined;
  let endpoint = options.awsEndpoint;
  if (endpoint === undefined) {
    moto = await startMoto({ port: 0, rootDir, logFile: join(directory, 'moto.log'), log });
    endpoint = moto.endpoint;
  }
  const token = randomBytes(18).toString('base64url');
  const port = await freePort();
  const supervisor = await startedOrStopped(
    moto,
    () =>
      new RuntimeSupervisor({
        rootDir,
        awsEndpoint: endpoint,
        port,
        token,
        prefix: runId,
        workerId: `${runId}-worker`,
        logFile: join(directory, 'runtime.log'),
        faultJournal: journalPath,
        holdTtlSeconds,
        notifierVisibilityTimeoutSeconds: SOAK_NOTIFIER_VISIBILITY_TIMEOUT_SECONDS,
        maxFaultyRuntimes: options.maxFaultyRuntimes,
        runtimeBuild: options.runtimeBuild,
        log,
      }),
  );
  const clientOptions = sdkClientOptions({ endpoint, region: LOCAL_REGION });
  const dynamodb = new DynamoDBClient(clientOptions);
  const sqs = new SQSClient(clientOptions);
  const kinesis = new KinesisClient(clientOptions);
  try {
    log(`${runId}: starting the runtime with faults ${options.faults || 'none'}`);
    await supervisor.start(options.faults);
    const names = resourceNames(runId);
    const api = new RetryingApiClient(supervisor.apiUrl, { kind: 'bearer', token });
    const trafficSeconds = options.minutes * 60;
    const workload = generateWorkload({
      ...DEFAULT_WORKLOAD,
      seed: options.seed,
      rate: options.rate,
      transactions: Math.max(20, Math.round(options.rate * trafficSeconds)),
      accounts: options.accounts,
      atms: options.atms,
      // Every way a hold ends: completed in full or in part, released, and abandoned to expire.
      settlementMix: { FULL: 70, PARTIAL: 8, RELEASE: 12, ABANDON: 10 },
      idPrefix: runId,
      startAt: Date.now(),
    });
    log(`opening and funding ${workload.accounts.length} accounts`);
    await prepareAccounts(api, new HttpSink(api), workload, { timeoutMs: 300_000 });

    const startAt = Date.now();
    const until = startAt + trafficSeconds * 1000;
    log(`traffic: ~${options.rate} tx/s for ${trafficSeconds} s`);
    const poison: InjectedPoison[] = [];
    const poisonLoop = (async () => {
      if (options.poisonEverySeconds <= 0) return;
      const prng = new Prng(options.seed + 7);
      while (Date.now() + options.poisonEverySeconds * 1000 < until) {
        await sleep(options.poisonEverySeconds * 1000);
        const account = workload.accounts[prng.int(0, workload.accounts.length - 1)];
        poison.push(
          await injectPoison(kinesis, names.stream, account?.accountId ?? 'x', prng, poison.length),
        );
      }
    })();
    const progress = setInterval(() => {
      const journal = readFaultJournal(journalPath);
      log(
        `  ${Math.round((Date.now() - startAt) / 1000)} s: faults ${journal.length}, restarts ${supervisor.restarts}, ATM retries ${api.retries}`,
      );
    }, 30_000);
    let outcomes: Awaited<ReturnType<typeof sendTraffic>>;
    try {
      outcomes = await sendTraffic(api, workload.requests, {
        startAt,
        untilMs: until,
        concurrency: 32,
      });
      await poisonLoop;
    } finally {
      clearInterval(progress);
    }

    log('traffic done; restarting the runtime without faults to drain');
    await supervisor.settled();
    await supervisor.stop();
    await supervisor.start(undefined);
    const drainStarted = Date.now();
    const drainDeadline = drainStarted + options.drainTimeoutSeconds * 1000;

    const accepted = new Set<string>(workload.fundings.map((f) => f.transactionId));
    const requests: Record<string, number> = { sent: outcomes.length, unexpectedStatus: 0 };
    const unexpectedAnswers: string[] = [];
    for (const { request, status } of outcomes) {
      if (status === undefined) {
        // A completion or release of a declined authorization: the ATM sent nothing.
        requests.notSentAfterDecline = (requests.notSentAfterDecline ?? 0) + 1;
        continue;
      }
      requests[request.kind] = (requests[request.kind] ?? 0) + 1;
      // An ATM that lost an authorization's answer asks again and is told the decision on file.
      const retried = request.kind === 'authorize' && status === 200;
      if (status !== expectedStatus(request) && !retried) {
        requests.unexpectedStatus = (requests.unexpectedStatus ?? 0) + 1;
        if (unexpectedAnswers.length < 5)
          unexpectedAnswers.push(
            `#${request.seq} ${request.kind} ${JSON.stringify(request.body).slice(0, 120)}: ${status}, expected ${expectedStatus(request)}`,
          );
      }
      if (status === 202 && 'transactionId' in request.body)
        accepted.add(request.body.transactionId as string);
    }

    const notifierConfig = readNotifierConfig({
      AWS_REGION: LOCAL_REGION,
      NOTIFIER_TABLE_NAME: names.notifierTable,
      NOTIFIER_CHANNEL: 'jsonl',
      NOTIFIER_JSONL_PATH: 'unused',
      NOTIFIER_KINDS: notifierKindsSetting('receipts'),
    });
    const kinds: Record<NotifierChannel, ReadonlySet<NotificationKind>> = {
      receipts: new Set(NOTIFIER_KINDS.receipts),
      alerts: new Set(NOTIFIER_KINDS.alerts),
    };
    const notificationsPath = join(rootDir, '.local-cloud', `${runId}-notifications.jsonl`);
    const notifierQueues = await Promise.all(
      (['receipts', 'alerts'] as const).map(async (channel) => {
        const out = await sqs.send(
          new GetQueueUrlCommand({ QueueName: `${runId}-notifier-${channel}` }),
        );
        return out.QueueUrl ?? '';
      }),
    );
    const queuesEmpty = async () => {
      for (const url of notifierQueues) {
        const out = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
            ],
          }),
        );
        const a = out.Attributes ?? {};
        if (
          Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) >
          0
        )
          return false;
      }
      return true;
    };

    // The drain runs without faults, so the journal is complete now.
    const journal = readFaultJournal(journalPath);
    const crashWindow = {
      crashes: journal.filter((r) => r.fault.startsWith('kill')).map((r) => Date.parse(r.at)),
      claimMs: 2 * SOAK_NOTIFIER_VISIBILITY_TIMEOUT_SECONDS * 1000,
    };
    const settings = { kinds, largeWithdrawalThreshold: notifierConfig.largeWithdrawalThreshold };

    // Drain: every accepted transaction decided, every notification out, the queues empty and
    // quiet for longer than a redelivery takes (so a late duplicate would be seen).
    let snapshot = ledgerSnapshot(await scanTable(dynamodb, names.ledgerTable));
    let quietSince: number | undefined;
    for (;;) {
      snapshot = ledgerSnapshot(await scanTable(dynamodb, names.ledgerTable));
      const exactly = checkExactlyOnce(snapshot, accepted);
      const notified = checkNotifications(
        snapshot,
        await readNotifications(notificationsPath),
        settings,
        crashWindow,
      );
      // Abandoned holds end by expiry: the sweep must have run past the last one's expiresAt.
      const approved = [...snapshot.authorizations.values()].filter(
        (i) => i.status?.S === 'APPROVED',
      ).length;
      const settled = exactly.ok && notified.ok && approved === 0 && (await queuesEmpty());
      if (settled) quietSince ??= Date.now();
      else quietSince = undefined;
      if (quietSince !== undefined && Date.now() - quietSince > 12_000) break;
      if (Date.now() > drainDeadline) {
        log(`drain did not settle within ${options.drainTimeoutSeconds} s; checking anyway`);
        break;
      }
      await sleep(2_000);
    }
    const drainSeconds = (Date.now() - drainStarted) / 1000;

    snapshot = ledgerSnapshot(await scanTable(dynamodb, names.ledgerTable));
    const onFailureUrl =
      (await sqs.send(new GetQueueUrlCommand({ QueueName: names.ledgerOnFailureQueue })))
        .QueueUrl ?? '';
    const resources = await localResourceUrls(sqs, runId);
    const received = await readNotifications(notificationsPath);
    const notified = checkNotifications(snapshot, received, settings, crashWindow);
    const deadLetters = await checkDeadLetters(
      sqs,
      deadLetterQueues(resources, onFailureUrl),
      poison,
      { received, settings, crashes: crashWindow.crashes.length },
    );
    const holds = await readHolds(api, workload, outcomes);
    const faults = Object.fromEntries(FAULT_CLASSES.map((c) => [c, 0])) as Record<
      FaultClass,
      number
    >;
    const retries = { ledger: 0, pipe: 0, notifier: 0 };
    for (const r of journal) {
      if (r.fault === 'retry') {
        if (r.detail.startsWith('ledger')) retries.ledger++;
        else if (r.detail.startsWith('events-pipe')) retries.pipe++;
        else retries.notifier++;
      } else if (r.fault !== 'restart') faults[r.fault]++;
    }
    const configured = FAULT_CLASSES.filter((c) => faultSpec.triggers[c] !== undefined);
    const silent = configured.filter((c) => faults[c] === 0);
    const checks: Check[] = [
      {
        name: 'every request answered as the contract says',
        ok: requests.unexpectedStatus === 0,
        detail: `${outcomes.length} requests (${['new', 'authorize', 'duplicate', 'invalid', 'notSentAfterDecline'].map((k) => `${requests[k] ?? 0} ${k}`).join(', ')}); ${requests.unexpectedStatus} answered otherwise${unexpectedAnswers.map((l) => `\n      ${l}`).join('')}`,
      },
      checkExactlyOnce(snapshot, accepted),
      checkHolds(holds.sent, holds.views, holds.accounts, snapshot),
      await checkTrialBalance(snapshot, api),
      await checkRebuild(dynamodb, names.ledgerTable),
      notified,
      deadLetters.check,
      {
        name: 'every configured fault fired',
        ok: silent.length === 0 && supervisor.fatal === undefined,
        detail:
          configured.map((c) => `${c} ${faults[c]}`).join(', ') +
          (silent.length > 0 ? `; never fired: ${silent.join(', ')}` : '') +
          (supervisor.fatal === undefined ? '' : `; runtime lost: ${String(supervisor.fatal)}`),
      },
    ];
    return {
      runId,
      directory,
      trafficSeconds,
      drainSeconds,
      requests,
      accepted: accepted.size,
      holdTtlSeconds,
      atmRetries: api.retries,
      platformRetries: retries,
      faults,
      crashes: supervisor.crashes.length,
      restarts: supervisor.restarts,
      runtimeDownSeconds: supervisor.downMs / 1000,
      poisonInjected: poison.length,
      crashDuplicates: notified.crashDuplicates,
      deadLetters: deadLetters.counts,
      checks,
      passed: checks.every((c) => c.ok),
    };
  } finally {
    await supervisor.close();
    for (const c of [dynamodb, sqs, kinesis]) c.destroy();
    await moto?.stop();
  }
}

/**
 * Builds what comes next, or stops the emulator this soak started when that
 * throws (a missing `dist`, say): the caller's `finally` is not entered yet.
 */
export async function startedOrStopped<T>(
  moto: MotoServer | undefined,
  build: () => T,
): Promise<T> {
  try {
    return build();
  } catch (error) {
    await moto?.stop();
    throw error;
  }
}

/**
 * What the ATMs did with each authorization (from the workload and the answers),
 * and what the API says now of every authorization and account.
 */
async function readHolds(
  api: RetryingApiClient,
  workload: ReturnType<typeof generateWorkload>,
  outcomes: readonly { request: TrafficRequest; decision?: 'APPROVED' | 'DECLINED' }[],
): Promise<{
  sent: SentAuthorization[];
  views: Map<string, AuthorizationViewLike | undefined>;
  accounts: AccountViewLike[];
}> {
  const completed = new Map<number, number>();
  for (const r of workload.requests)
    if (r.kind === 'new' && r.settles && r.body.type === 'WITHDRAWAL')
      completed.set(r.settles.authorizationSeq, r.body.amount);
  const sent: SentAuthorization[] = [];
  for (const { request, decision } of outcomes) {
    if (request.kind !== 'authorize' || decision === undefined) continue;
    const amount = completed.get(request.seq);
    sent.push({
      authorizationId: request.body.authorizationId,
      accountId: request.body.accountId,
      amount: request.body.amount,
      settlement: request.settlement,
      decision,
      ...(amount === undefined ? {} : { completedAmount: amount }),
    });
  }
  const views = new Map<string, AuthorizationViewLike | undefined>();
  await forEachLimited(sent, 8, async (a) => {
    const r = await api.getAuthorization(a.authorizationId);
    views.set(a.authorizationId, r.status === 200 ? (r.body as AuthorizationViewLike) : undefined);
  });
  const accounts: AccountViewLike[] = [];
  await forEachLimited(workload.accounts, 8, async (a) => {
    const r = await api.getAccount(a.accountId);
    if (r.status !== 200)
      throw new Error(
        `GET /v1/accounts/${a.accountId} answered ${r.status}: ${JSON.stringify(r.body)}`,
      );
    accounts.push(r.body as AccountViewLike);
  });
  return { sent, views, accounts };
}

/** The queue URLs the checks read, found by the names the runtime created them under. */
async function localResourceUrls(sqs: SQSClient, prefix: string): Promise<LocalResources> {
  const names = resourceNames(prefix);
  const url = async (name: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
  return {
    poisonQueueUrl: await url(names.poisonQueue),
    pipeDlq: { url: await url(names.publication.pipeDlq), arn: '' },
    notifierQueues: {
      receipts: { dlq: { url: await url(names.publication.notifierDlq('receipts')), arn: '' } },
      alerts: { dlq: { url: await url(names.publication.notifierDlq('alerts')), arn: '' } },
    },
  } as unknown as LocalResources;
}

export function formatSoakReport(r: SoakReport): string {
  const lines = [
    '',
    `soak ${r.runId}: ${r.passed ? 'PASSED' : 'FAILED'}`,
    `  traffic       ${r.trafficSeconds} s, drain ${r.drainSeconds.toFixed(0)} s`,
    `  requests      ${Object.entries(r.requests)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  accepted      ${r.accepted} transactions (fundings included); hold TTL ${r.holdTtlSeconds} s`,
    `  faults        ${Object.entries(r.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  runtime       ${r.crashes} crashes, ${r.restarts} restarts, ${r.runtimeDownSeconds.toFixed(1)} s down`,
    `  retries       SDK ${r.faults.throttle + r.faults['server-error'] + r.faults['timeout-after-write']} (one per injected throttle, 5xx, timeout); ` +
      `our code ${r.faults['transaction-throttled'] + r.faults['partial-batch']} (the ledger after a throttled transaction, ingest after refused records); ` +
      `mappings: ledger batches ${r.platformRetries.ledger}, pipe batches ${r.platformRetries.pipe}, notifier invocations ${r.platformRetries.notifier}; ` +
      `ATMs ${r.atmRetries} (no answer or 5xx)`,
    `  poison        ${r.poisonInjected} records put on the stream`,
    `  notifications ${r.crashDuplicates} re-sent after a crash between send and record (the at-least-once window)`,
    `  dead letters  ${Object.entries(r.deadLetters)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}\n        ${c.detail}`),
    '',
    `  files: ${r.directory} (runtime.log, faults.jsonl, moto.log)`,
  ];
  return lines.join('\n');
}
