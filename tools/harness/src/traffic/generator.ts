import { localEnv } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type PreparedAccounts, prepareAccounts } from './accounts.js';
import { type ApiAuth, LedgerApiClient } from './api.js';
import { formatMs, trafficProgress } from './progress.js';
import { runSchedule, type SendStats } from './schedule.js';
import { sigV4Signer } from './sigv4.js';
import { HttpSink, KinesisSink, type TrafficSink } from './sinks.js';
import {
  DEFAULT_WORKLOAD,
  generateWorkload,
  type Workload,
  type WorkloadOptions,
} from './workload.js';

export type GeneratorTarget = 'http' | 'kinesis' | 'sigv4';

export interface GeneratorOptions extends Partial<Omit<WorkloadOptions, 'startAt'>> {
  /** `http`: the local API with a bearer token; `sigv4`: a deployed API (IAM); `kinesis`: PutRecords straight onto the stream. */
  readonly target: GeneratorTarget;
  /** The API: where requests go (http, sigv4) and where accounts are opened (all targets). */
  readonly apiUrl?: string | undefined;
  readonly token?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly streamName?: string | undefined;
  /** The local cloud's emulator, for the kinesis target; absent for AWS. */
  readonly awsEndpoint?: string | undefined;
  /** `occurredAt` of offset 0; when sending, the schedule starts at the later of this and now. */
  readonly startAt?: number | undefined;
  /** Open and fund the accounts first (default true). */
  readonly openAccounts?: boolean | undefined;
  readonly concurrency?: number | undefined;
  readonly progress?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface GeneratorResult {
  readonly workload: Workload;
  readonly prepared: PreparedAccounts | undefined;
  readonly stats: SendStats;
  readonly durationMs: number;
  /** Requests answered per second, first send to last answer. */
  readonly achievedRate: number;
}

/** The API client a target needs, with its authorisation. */
export function apiClientFor(options: GeneratorOptions): LedgerApiClient {
  const apiUrl = options.apiUrl ?? `http://127.0.0.1:${localEnv().LEDGER_PORT}`;
  let auth: ApiAuth;
  // The kinesis target opens accounts through the API too: signed when the stream is AWS's.
  const signed =
    options.target === 'sigv4' ||
    (options.target === 'kinesis' && options.awsEndpoint === undefined);
  if (signed) {
    auth = {
      kind: 'sigv4',
      signer: sigV4Signer({ region: options.region ?? 'us-east-1', profile: options.profile }),
    };
  } else {
    if (!options.token)
      throw new Error(
        'the local API needs its bearer token: --token or LEDGER_API_TOKEN (printed by npm start)',
      );
    auth = { kind: 'bearer', token: options.token };
  }
  return new LedgerApiClient(apiUrl, auth);
}

function sinkFor(
  options: GeneratorOptions,
  api: LedgerApiClient,
): { sink: TrafficSink; close(): void } {
  if (options.target !== 'kinesis') return { sink: new HttpSink(api), close() {} };
  if (!options.streamName) throw new Error('the kinesis target needs --stream');
  const client = new KinesisClient({
    ...sdkClientOptions({ endpoint: options.awsEndpoint, region: options.region ?? 'us-east-1' }),
    ...(options.awsEndpoint === undefined && options.profile !== undefined
      ? { credentials: defaultProvider({ profile: options.profile }) }
      : {}),
  });
  return { sink: new KinesisSink(client, options.streamName, api), close: () => client.destroy() };
}

/**
 * Generates a seeded workload and sends it: opens and funds the accounts,
 * then sends the traffic at its planned rate, with live counts on a
 * progress bar. The same seed, id prefix and start time give the same
 * requests (see `generateWorkload`).
 */
export async function runGenerator(options: GeneratorOptions): Promise<GeneratorResult> {
  const log = options.log ?? (() => {});
  const workloadOptions = Object.fromEntries(
    Object.entries(options).filter(([k, v]) => k in DEFAULT_WORKLOAD && v !== undefined),
  ) as Partial<WorkloadOptions>;
  const api = apiClientFor(options);
  const { sink, close } = sinkFor(options, api);
  try {
    let prepared: PreparedAccounts | undefined;
    if (options.openAccounts ?? true) {
      const setup = generateWorkload({
        ...workloadOptions,
        startAt: options.startAt ?? Date.now(),
      });
      log(`opening and funding ${setup.accounts.length} accounts…`);
      prepared = await prepareAccounts(api, sink, setup);
      log(
        `accounts ready in ${formatMs(prepared.ms)} (${prepared.opened} opened, ${prepared.existing} already there)`,
      );
    }
    const startAt = options.startAt ?? Date.now() + 200;
    const workload = generateWorkload({ ...workloadOptions, startAt });
    const o = workload.options;
    log(
      `sending ${o.transactions} requests to ${options.target === 'kinesis' ? `stream ${options.streamName}` : api.apiUrl}: ` +
        `${o.rate} tx/s, payday peak ×${o.burstMultiplier} from ${formatMs(workload.peak.fromMs)} to ${formatMs(workload.peak.toMs)}, ` +
        `planned ${formatMs(workload.plannedDurationMs)}, seed ${o.seed}, ids ${o.idPrefix}-…`,
    );
    const progress = trafficProgress(
      [{ name: options.target, total: workload.requests.length }],
      options.progress ?? true,
    );
    const started = Date.now();
    const { stats } = await runSchedule(workload.requests, sink, {
      startAt: Math.max(startAt, Date.now()),
      concurrency: options.concurrency ?? 32,
      onSent: (_sent, s) => progress.update(options.target, s),
    });
    progress.stop();
    const durationMs = (stats.lastAnsweredAt ?? Date.now()) - (stats.firstSentAt ?? started);
    return {
      workload,
      prepared,
      stats,
      durationMs,
      achievedRate: durationMs > 0 ? (stats.sent / durationMs) * 1000 : 0,
    };
  } finally {
    close();
  }
}

export { fraction, positiveInteger, positiveNumber, seedArg } from '../shared/cli-args.js';

import { fraction, positiveInteger, positiveNumber, seedArg } from '../shared/cli-args.js';

const isoTime = (value: string): number => {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected an ISO-8601 date-time');
  return t;
};

/** The workload options shared by `post` and `loadtest`. */
export function addWorkloadOptions(
  command: Command,
  defaults: Partial<WorkloadOptions> = {},
): Command {
  const d = { ...DEFAULT_WORKLOAD, ...defaults };
  return command
    .option('--seed <n>', 'PRNG seed: the same seed gives the same traffic', seedArg, d.seed)
    .option(
      '--transactions <n>',
      'requests to send (duplicates and invalid ones included)',
      positiveInteger,
      d.transactions,
    )
    .option('--rate <tx/s>', 'off-peak arrival rate (Poisson)', positiveNumber, d.rate)
    .option('--accounts <n>', 'customer accounts', positiveInteger, d.accounts)
    .option('--atms <n>', 'ATMs', positiveInteger, d.atms)
    .option(
      '--duplicate-rate <p>',
      'share of producer retries (same body again)',
      fraction,
      d.duplicateRate,
    )
    .option(
      '--invalid-rate <p>',
      'share of invalid messages (must get 400)',
      fraction,
      d.invalidRate,
    )
    .option(
      '--peak <multiplier>',
      'payday peak rate as a multiple of --rate (1: no peak)',
      positiveNumber,
      d.burstMultiplier,
    )
    .option(
      '--peak-start <p>',
      'when the peak starts, as a fraction of the run',
      fraction,
      d.burstStart,
    )
    .option(
      '--peak-share <p>',
      'how long the peak lasts, as a fraction of the run',
      fraction,
      d.burstShare,
    );
}

interface WorkloadFlags {
  seed: number;
  transactions: number;
  rate: number;
  accounts: number;
  atms: number;
  duplicateRate: number;
  invalidRate: number;
  peak: number;
  peakStart: number;
  peakShare: number;
}

export const workloadOptionsFrom = (f: WorkloadFlags): Partial<WorkloadOptions> => ({
  seed: f.seed,
  transactions: f.transactions,
  rate: f.rate,
  accounts: f.accounts,
  atms: f.atms,
  duplicateRate: f.duplicateRate,
  invalidRate: f.invalidRate,
  burstMultiplier: f.peak,
  burstStart: f.peakStart,
  burstShare: f.peakShare,
});

/** `post`: synthetic ATM traffic against the local API, a deployed API, or the stream. */
export function postCommand(): Command {
  const command = new Command('post').description(
    'Send seeded synthetic ATM traffic: accounts opened and funded first, then a withdrawal-heavy mix at a controlled rate',
  );
  addWorkloadOptions(command, { rate: 10, transactions: 300 })
    .addOption(
      new Option(
        '--target <target>',
        'http: local API (bearer token); sigv4: deployed API (IAM); kinesis: PutRecords',
      )
        .choices(['http', 'sigv4', 'kinesis'])
        .default('http'),
    )
    .option('--api-url <url>', 'the API (env LEDGER_API_URL)', localEnv().LEDGER_API_URL)
    .option(
      '--token <token>',
      'bearer token of the local API (env LEDGER_API_TOKEN)',
      localEnv().LEDGER_API_TOKEN,
    )
    .option(
      '--region <region>',
      'AWS region (sigv4, kinesis; env AWS_REGION)',
      localEnv().AWS_REGION,
    )
    .option(
      '--profile <profile>',
      'AWS profile for credentials (env AWS_PROFILE)',
      localEnv().AWS_PROFILE,
    )
    .option(
      '--stream <name>',
      'Kinesis stream (kinesis target)',
      localEnv().LEDGER_STREAM_NAME ?? 'atm-ledger-local-transactions',
    )
    .option(
      '--aws-endpoint <url>',
      'the local emulator, for the kinesis target (env LEDGER_AWS_ENDPOINT)',
      localEnv().LEDGER_AWS_ENDPOINT,
    )
    .option(
      '--id-prefix <prefix>',
      'prefix of every id (default s<seed>-<time>, so reruns do not collide)',
    )
    .option(
      '--start-at <iso>',
      "occurredAt of the first request's offset 0 (default: now)",
      isoTime,
    )
    .option('--concurrency <n>', 'requests in flight at most', positiveInteger, 32)
    .option('--no-open-accounts', 'skip opening and funding the accounts')
    .option('--no-progress', 'no progress bar')
    .option('--dry-run', 'print the requests as JSON lines and send nothing')
    .action(
      async (
        flags: WorkloadFlags & {
          target: GeneratorTarget;
          apiUrl?: string;
          token?: string;
          region: string;
          profile?: string;
          stream: string;
          awsEndpoint?: string;
          idPrefix?: string;
          startAt?: number;
          concurrency: number;
          openAccounts: boolean;
          progress: boolean;
          dryRun?: boolean;
        },
      ) => {
        const base = workloadOptionsFrom(flags);
        if (flags.dryRun) {
          const workload = generateWorkload({
            ...base,
            idPrefix: flags.idPrefix ?? `s${flags.seed}`,
            startAt: flags.startAt ?? Date.parse('2026-01-01T00:00:00Z'),
          });
          for (const r of workload.requests) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const result = await runGenerator({
          ...base,
          idPrefix: flags.idPrefix ?? `s${flags.seed}-${Date.now().toString(36)}`,
          target: flags.target,
          apiUrl: flags.apiUrl || undefined,
          token: flags.token || undefined,
          region: flags.region,
          profile: flags.profile || undefined,
          streamName: flags.stream,
          awsEndpoint: flags.awsEndpoint || undefined,
          startAt: flags.startAt,
          concurrency: flags.concurrency,
          openAccounts: flags.openAccounts,
          progress: flags.progress,
          log: (line) => console.error(line),
        });
        const s = result.stats;
        console.log(
          [
            `sent ${s.sent} in ${formatMs(result.durationMs)} (${result.achievedRate.toFixed(1)} req/s; planned ${formatMs(result.workload.plannedDurationMs)})`,
            `  accepted (202)   ${s.accepted}`,
            `  authorized       ${s.approved} approved, ${s.declined} declined (completions and releases of declined ones not sent: ${s.skipped})`,
            `  refused (400)    ${s.refused}  (invalid messages generated: ${result.workload.requests.filter((r) => r.kind === 'invalid').length})`,
            `  errors           ${s.errors}  ${JSON.stringify(s.byStatus)}`,
            `  unexpected       ${s.unexpected}`,
            `  latest send      ${formatMs(s.maxLagMs)} behind schedule at worst`,
          ].join('\n'),
        );
        if (s.unexpected > 0) process.exitCode = 1;
      },
    );
  return command;
}
