import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type EnsureVenvOptions,
  ensureVenvInstalled,
  findRepoRoot,
  motoPythonEnv,
  type PinnedVenv,
  type VenvInstallation,
} from '@atm-ledger/local-aws';
import {
  LOCAL_REGION,
  type LocalCloud,
  localEnv,
  resourceNames,
  startLocalCloud,
} from '@atm-ledger/local-cloud';
import { type AwsEndpoint, sdkClientOptions, sleep } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../shared/cli-args.js';
import { scanTable } from '../shared/dynamodb.js';
import { LedgerApiClient } from '../traffic/api.js';

/** schemathesis, pinned in tools/harness/fuzz/requirements.txt, in a venv of its own. */
export const FUZZ_VENV: PinnedVenv = {
  name: 'fuzz-venv',
  requirements: 'tools/harness/fuzz/requirements.txt',
  label: 'the API fuzzer (schemathesis)',
  installSeconds: 20,
};

/** Installs schemathesis into `.local-cloud/fuzz-venv` the first time; a no-op after. */
export function ensureFuzzerInstalled(options: EnsureVenvOptions = {}): Promise<VenvInstallation> {
  return ensureVenvInstalled(FUZZ_VENV, options);
}

/**
 * What every response is checked for. schemathesis' own checks, less the two
 * that need its stateful phase (use_after_free, ensure_resource_availability),
 * which would create accounts; plus ours from tools/harness/fuzz/hooks.py.
 */
export const FUZZ_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'positive_data_acceptance',
  'missing_required_header',
  'unsupported_method',
  'allow_header_conformance',
  'ignored_auth',
  'problem_details_on_4xx',
] as const;

/** examples (none in our document), boundary values, then random data. Not stateful: it writes. */
export const FUZZ_PHASES = ['examples', 'coverage', 'fuzzing'] as const;

export interface FuzzApiOptions {
  /** A running API to fuzz; when absent a local cloud is started in-process (and stopped). */
  readonly url?: string;
  /** Its bearer token (required with `url`). */
  readonly token?: string;
  /**
   * The emulator behind the API, for the state snapshots. With `url` and no
   * endpoint, state is not compared (and the result says so). Without `url`,
   * the in-process cloud runs on it instead of starting its own moto.
   */
  readonly awsEndpoint?: string;
  /** Resource-name prefix of the cloud (default: a fresh one in-process, `atm-ledger-local` with `url`). */
  readonly prefix?: string;
  /** Generated cases per operation and phase (schemathesis `--max-examples`). */
  readonly maxExamples?: number;
  readonly seed?: number;
  /** schemathesis workers (concurrent operations). */
  readonly workers?: number;
  /**
   * After the no-state-change pass, a second one that sends valid POSTs (they
   * must be accepted: 2xx or 409), which writes. Default: on for an in-process
   * cloud, off with `url` (someone's running cloud).
   */
  readonly validPosts?: boolean;
  /** schemathesis' own report as it runs: to the console, or kept for the result only. */
  readonly output?: 'inherit' | 'capture';
  readonly rootDir?: string;
  readonly log?: (message: string) => void;
}

export interface FuzzFailure {
  readonly title: string;
  readonly count: number;
  readonly operations: readonly string[];
}

/** One schemathesis run. */
export interface FuzzPass {
  readonly operations: { readonly selected: number; readonly tested: number };
  readonly cases: number;
  readonly failures: readonly FuzzFailure[];
  /** Tests schemathesis could not run (network errors, schema errors): a failure too. */
  readonly errors: readonly string[];
  /** Failures dropped by an EXCLUSIONS entry of tools/harness/fuzz/hooks.py, by exclusion. */
  readonly excluded: Readonly<Record<string, number>>;
  readonly exitCode: number | null;
  /** The tail of schemathesis' report when it was captured. */
  readonly output: string;
}

export interface FuzzApiResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly maxExamples: number;
  /** Every operation; POSTs with invalid data only. State is compared around it. */
  readonly noWrites: FuzzPass;
  /** What the no-writes pass changed in the cloud's state (empty: nothing); undefined when not compared. */
  readonly stateChanges: readonly string[] | undefined;
  readonly stateSize: { readonly items: number; readonly streamRecords: number } | undefined;
  /** Valid POSTs, after the state comparison; undefined when not run. */
  readonly validPosts: FuzzPass | undefined;
  readonly durationMs: number;
}

export const DEFAULT_MAX_EXAMPLES = 50;

/**
 * Fuzzes the HTTP API with schemathesis against its own OpenAPI document and
 * checks that it changed nothing: every POST is sent schema-invalid data only
 * (negative mode), every GET anything; no 5xx, every 4xx a problem+json, and
 * the cloud's state (every DynamoDB item, every stream record) the same after
 * the run as before it.
 */
export async function fuzzApi(options: FuzzApiOptions = {}): Promise<FuzzApiResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const rootDir = options.rootDir ?? findRepoRoot();
  const seed = options.seed ?? randomBytes(4).readUInt32BE() % 1_000_000;
  const maxExamples = options.maxExamples ?? DEFAULT_MAX_EXAMPLES;
  const installation = await ensureFuzzerInstalled({ rootDir, log });

  let cloud: LocalCloud | undefined;
  let target: {
    apiUrl: string;
    token: string;
    awsEndpoint?: AwsEndpoint;
    notifierEndpoint?: AwsEndpoint;
    prefix: string;
  };
  if (options.url !== undefined) {
    if (options.token === undefined) throw new Error('--url needs --token (or LEDGER_API_TOKEN)');
    target = {
      apiUrl: options.url.replace(/\/+$/, ''),
      token: options.token,
      awsEndpoint: options.awsEndpoint,
      prefix: options.prefix ?? 'atm-ledger-local',
    };
  } else {
    const prefix = options.prefix ?? `fuzz-${randomBytes(4).toString('hex')}`;
    log(`starting the local cloud (prefix ${prefix})`);
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: options.awsEndpoint,
      prefix,
      token: randomBytes(18).toString('base64url'),
      discardNotificationsOnStop: true,
    });
    target = {
      apiUrl: cloud.apiUrl,
      token: cloud.token,
      awsEndpoint: cloud.endpoint,
      notifierEndpoint: cloud.notifierEndpoint,
      prefix,
    };
  }
  const state =
    target.awsEndpoint === undefined
      ? undefined
      : new StateReader(target.awsEndpoint, target.prefix, target.notifierEndpoint);
  let scratch: string | undefined;
  try {
    scratch = await mkdtemp(join(rootDir, '.local-cloud', 'fuzz-run-'));
    const seeded = await seedData(target.apiUrl, target.token);
    log(`seeded account ${seeded.accountId} with transaction ${seeded.transactionId}`);
    const before = state === undefined ? undefined : await state.settled(log);

    const common = {
      installation,
      rootDir,
      scratch,
      apiUrl: target.apiUrl,
      token: target.token,
      seeded,
      seed,
      maxExamples,
      workers: options.workers ?? 1,
      output: options.output ?? 'inherit',
      log,
    };
    const noWrites = await runSchemathesis({ ...common, pass: 'no-writes' });
    const after = state === undefined ? undefined : await state.settled(log);
    const stateChanges = before && after ? diffState(before, after) : undefined;

    const validPosts =
      (options.validPosts ?? cloud !== undefined)
        ? await runSchemathesis({ ...common, pass: 'valid-posts' })
        : undefined;
    const passed = (pass: FuzzPass | undefined) =>
      pass === undefined ||
      (pass.exitCode === 0 && pass.failures.length === 0 && pass.errors.length === 0);
    return {
      ok:
        passed(noWrites) &&
        passed(validPosts) &&
        (stateChanges === undefined || stateChanges.length === 0),
      seed,
      maxExamples,
      noWrites,
      stateChanges,
      stateSize:
        before === undefined
          ? undefined
          : {
              items: Object.values(before.tables).reduce((n, items) => n + items.length, 0),
              streamRecords: before.streamRecords,
            },
      validPosts,
      durationMs: performance.now() - started,
    };
  } finally {
    state?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    await cloud?.stop();
  }
}

/** One line per outcome, for the console and for test failures. */
export function formatFuzzSummary(result: FuzzApiResult): string {
  const lines = [
    `API fuzzing, seed ${result.seed}, up to ${result.maxExamples} cases per operation and phase, ` +
      `${(result.durationMs / 1000).toFixed(1)} s`,
  ];
  const describePass = (title: string, pass: FuzzPass) => {
    lines.push(
      `  ${title}: ${pass.operations.tested} of ${pass.operations.selected} operations, ` +
        `${pass.cases} cases, ${pass.failures.reduce((n, f) => n + f.count, 0)} failures, ` +
        `${pass.errors.length} errors`,
    );
    for (const f of pass.failures) {
      lines.push(`    failure: ${f.title} (${f.count}) on ${f.operations.join(', ')}`);
    }
    for (const e of pass.errors) lines.push(`    error: ${e}`);
    for (const [name, count] of Object.entries(pass.excluded)) {
      lines.push(`    excluded by tools/harness/fuzz/hooks.py EXCLUSIONS: ${name} × ${count}`);
    }
  };
  describePass('no writes (POSTs only invalid)', result.noWrites);
  if (result.stateChanges === undefined) {
    lines.push('  state: not compared (no --aws-endpoint for the running cloud)');
  } else if (result.stateChanges.length === 0) {
    const size = result.stateSize;
    lines.push(
      `  state: unchanged (${size?.items ?? 0} DynamoDB items, ${size?.streamRecords ?? 0} stream records)`,
    );
  } else {
    lines.push('  state CHANGED:');
    for (const change of result.stateChanges) lines.push(`    ${change}`);
  }
  if (result.validPosts === undefined) lines.push('  valid POSTs: not sent');
  else describePass('valid POSTs (each must be accepted)', result.validPosts);
  lines.push(result.ok ? 'OK' : 'FAILED');
  return lines.join('\n');
}

// --- Seed data --------------------------------------------------------------

interface Seeded {
  readonly accountId: string;
  readonly transactionId: string;
  readonly authorizationId: string;
}

/**
 * One account with one posted deposit and one approved authorization, made
 * before the first snapshot, so that half of the valid GETs reach real data
 * (hooks.py's map_case) and their 200 bodies are checked too.
 */
async function seedData(apiUrl: string, token: string): Promise<Seeded> {
  const id = `fuzz-${randomBytes(4).toString('hex')}`;
  const seeded = { accountId: id, transactionId: `${id}-deposit`, authorizationId: `${id}-auth` };
  const api = new LedgerApiClient(apiUrl, { kind: 'bearer', token });
  const opened = await api.openAccount({ accountId: id, currency: 'USD' });
  if (opened.status !== 201) throw new Error(`seeding: POST /v1/accounts → ${opened.status}`);
  const deposit = await api.postTransaction({
    transactionId: seeded.transactionId,
    type: 'DEPOSIT',
    accountId: id,
    amount: 10_000,
    currency: 'USD',
    atmId: 'fuzz-atm',
    occurredAt: new Date().toISOString(),
  });
  if (deposit.status !== 202) throw new Error(`seeding: POST /v1/transactions → ${deposit.status}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const read = await api.getTransaction(seeded.transactionId);
    if ((read.body as { status?: unknown } | undefined)?.status === 'POSTED') break;
    if (Date.now() > deadline) throw new Error('seeding: the deposit was not posted within 30 s');
    await sleep(100);
  }
  const authorized = await api.request('POST', '/v1/authorizations', {
    authorizationId: seeded.authorizationId,
    accountId: id,
    amount: 1_000,
    currency: 'USD',
    atmId: 'fuzz-atm',
    occurredAt: new Date().toISOString(),
  });
  const status = (authorized.body as { status?: unknown } | undefined)?.status;
  if (authorized.status !== 201 || status !== 'APPROVED')
    throw new Error(`seeding: POST /v1/authorizations → ${authorized.status} ${String(status)}`);
  return seeded;
}

// --- State ------------------------------------------------------------------

/** The cloud's state as the API can change it. */
export interface StateSnapshot {
  /** Every item of each table, as canonical JSON, sorted. */
  readonly tables: Readonly<Record<string, readonly string[]>>;
  /** Records on the transactions stream, all shards, from TRIM_HORIZON. */
  readonly streamRecords: number;
}

/**
 * Reads the state of a local cloud: a full Scan of the ledger table (accounts,
 * entries, transactions, and ingest's acceptance markers) and of the
 * notifiers' idempotency table, and the number of records on the stream. Not
 * the mappings' checkpoint table: its leases are renewed every few seconds
 * whatever the API does, and its checkpoints only move when records arrive,
 * which the stream count covers.
 */
export class StateReader {
  readonly #dynamodb: DynamoDBClient;
  readonly #notifierDynamodb: DynamoDBClient;
  readonly #kinesis: KinesisClient;
  readonly #names: ReturnType<typeof resourceNames>;

  constructor(awsEndpoint: AwsEndpoint, prefix: string, notifierEndpoint = awsEndpoint) {
    const config = { endpoint: awsEndpoint, region: LOCAL_REGION };
    this.#dynamodb = new DynamoDBClient(sdkClientOptions(config, { service: 'dynamodb' }));
    this.#notifierDynamodb = new DynamoDBClient(
      sdkClientOptions(
        { endpoint: notifierEndpoint, region: LOCAL_REGION },
        { service: 'dynamodb' },
      ),
    );
    this.#kinesis = new KinesisClient(sdkClientOptions(config, { service: 'kinesis' }));
    this.#names = resourceNames(prefix);
  }

  async snapshot(): Promise<StateSnapshot> {
    const tables: Record<string, string[]> = {};
    tables[this.#names.ledgerTable] = await this.#scan(this.#dynamodb, this.#names.ledgerTable);
    tables[this.#names.notifierTable] = await this.#scan(
      this.#notifierDynamodb,
      this.#names.notifierTable,
    );
    return { tables, streamRecords: await this.#countStreamRecords() };
  }

  /**
   * A snapshot once the pipeline is idle: the same twice in a row, a second
   * apart. Posting, publishing and notifying run after the API has answered.
   */
  async settled(log: (m: string) => void, timeoutMs = 30_000): Promise<StateSnapshot> {
    const deadline = Date.now() + timeoutMs;
    let previous = await this.snapshot();
    for (;;) {
      await sleep(1_000);
      const current = await this.snapshot();
      if (diffState(previous, current).length === 0) return current;
      if (Date.now() > deadline) {
        log(`state still changing after ${timeoutMs / 1000} s; comparing the last snapshot`);
        return current;
      }
      previous = current;
    }
  }

  close(): void {
    this.#dynamodb.destroy();
    this.#notifierDynamodb.destroy();
    this.#kinesis.destroy();
  }

  async #scan(client: DynamoDBClient, table: string): Promise<string[]> {
    return (await scanTable(client, table)).map(canonicalJson).sort();
  }

  async #countStreamRecords(): Promise<number> {
    let count = 0;
    let nextToken: string | undefined;
    const shardIds: string[] = [];
    do {
      const page = await this.#kinesis.send(
        nextToken === undefined
          ? new ListShardsCommand({ StreamName: this.#names.stream })
          : new ListShardsCommand({ NextToken: nextToken }),
      );
      for (const shard of page.Shards ?? []) if (shard.ShardId) shardIds.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    for (const shardId of shardIds) {
      const { ShardIterator } = await this.#kinesis.send(
        new GetShardIteratorCommand({
          StreamName: this.#names.stream,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = ShardIterator;
      // Read to the tip: an empty page there (moto never ends an open shard's iterator).
      while (iterator !== undefined) {
        const page = await this.#kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
        );
        const records = page.Records?.length ?? 0;
        count += records;
        if (records === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return count;
  }
}

/** What differs between two snapshots, one line per table or stream; empty when nothing does. */
export function diffState(before: StateSnapshot, after: StateSnapshot): string[] {
  const changes: string[] = [];
  const tables = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  for (const table of [...tables].sort()) {
    const was = new Set(before.tables[table] ?? []);
    const is = new Set(after.tables[table] ?? []);
    const added = [...is].filter((item) => !was.has(item));
    const removed = [...was].filter((item) => !is.has(item));
    if (added.length === 0 && removed.length === 0) continue;
    const example = (added[0] ?? removed[0] ?? '').slice(0, 300);
    changes.push(
      `table ${table}: ${added.length} items added or changed, ${removed.length} removed or changed; e.g. ${example}`,
    );
  }
  if (before.streamRecords !== after.streamRecords) {
    changes.push(`stream: ${before.streamRecords} records before, ${after.streamRecords} after`);
  }
  return changes;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// --- schemathesis -----------------------------------------------------------

/** The parts of schemathesis' JSON run report (`--report json`) we read. */
interface SchemathesisReport {
  readonly operations: { readonly selected: number; readonly tested: number };
  readonly test_cases: { readonly generated: number };
  readonly failures: readonly { title: string; count: number; operations: string[] }[];
  readonly errors: readonly unknown[];
}

/**
 * The run's configuration: POSTs are sent negative data only. Each must be
 * refused, so none can change state (hooks.py's filter_case drops the drawn
 * cases schemathesis finds valid after all).
 */
const NO_WRITES_TOML = [
  '# Written by tools/harness/src/fuzz/api.ts for one run of `npm run fuzz:api`.',
  '[[operations]]',
  'include-method = "POST"',
  'generation.mode = "negative"',
  '',
].join('\n');

async function runSchemathesis(run: {
  installation: VenvInstallation;
  rootDir: string;
  scratch: string;
  apiUrl: string;
  token: string;
  seeded: Seeded;
  seed: number;
  maxExamples: number;
  workers: number;
  output: 'inherit' | 'capture';
  log: (m: string) => void;
  /** no-writes: every operation, POSTs negative only. valid-posts: POSTs, positive only. */
  pass: 'no-writes' | 'valid-posts';
}): Promise<FuzzPass> {
  const dir = join(run.scratch, run.pass);
  // schemathesis keeps a crash cache under its working directory: the scratch folder.
  const cwd = join(dir, 'cwd');
  await mkdir(cwd, { recursive: true });
  const configFile = join(dir, 'schemathesis.toml');
  const reportFile = join(dir, 'report.json');
  const exclusionsFile = join(dir, 'exclusions.jsonl');
  await writeFile(
    configFile,
    run.pass === 'no-writes'
      ? NO_WRITES_TOML
      : '# valid POSTs: see tools/harness/src/fuzz/api.ts\n',
  );
  const bin = join(
    dirname(run.installation.python),
    process.platform === 'win32' ? 'schemathesis.exe' : 'schemathesis',
  );
  const args = [
    '--config-file',
    configFile,
    'run',
    `${run.apiUrl}/v1/openapi.json`,
    '--header',
    `Authorization: Bearer ${run.token}`,
    '--checks',
    FUZZ_CHECKS.join(','),
    '--phases',
    FUZZ_PHASES.join(','),
    '--max-examples',
    String(run.maxExamples),
    '--seed',
    String(run.seed),
    '--workers',
    String(run.workers),
    '--continue-on-failure',
    // The token is ours to send (above); a generated Authorization header is not a test of the API.
    '--generation-with-security-parameters',
    'false',
    // Runs are reproduced by seed; no example database to grow between runs.
    '--generation-database',
    'none',
    '--request-timeout',
    '30',
    '--report',
    'json',
    '--report-json-path',
    reportFile,
    '--no-color',
    ...(run.pass === 'valid-posts'
      ? ['--include-method', 'POST', '--mode', 'positive']
      : // Every operation: without a filter schemathesis leaves out the one serving the document.
        ['--include-path-regex', '^/v1/']),
  ];
  run.log(
    `schemathesis, ${run.pass === 'no-writes' ? 'every operation, POSTs with invalid data only' : 'valid POSTs only'}: ` +
      `${FUZZ_PHASES.join(', ')} phases, up to ${run.maxExamples} cases per operation, seed ${run.seed}`,
  );
  const env = {
    ...motoPythonEnv(run.installation),
    SCHEMATHESIS_HOOKS: join(run.rootDir, 'tools', 'harness', 'fuzz', 'hooks.py'),
    ATM_LEDGER_FUZZ_EXCLUSIONS: exclusionsFile,
    // hooks.py's map_case points half of the valid GETs at these.
    ATM_LEDGER_FUZZ_SEEDED: JSON.stringify(run.seeded),
    // hooks.py's filter_case lets valid POSTs through in this pass only.
    ...(run.pass === 'valid-posts' ? { ATM_LEDGER_FUZZ_VALID_WRITES: '1' } : {}),
  };
  const { code, output } = await new Promise<{ code: number | null; output: string }>(
    (resolve, reject) => {
      const child = spawn(bin, args, {
        cwd,
        env,
        stdio: ['ignore', run.output === 'inherit' ? 'inherit' : 'pipe', 'pipe'],
      });
      let text = '';
      const keep = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.length > 400_000) text = text.slice(-200_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', (chunk: Buffer) => {
        keep(chunk);
        if (run.output === 'inherit') process.stderr.write(chunk);
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, output: text }));
    },
  );
  let report: SchemathesisReport;
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8')) as SchemathesisReport;
  } catch {
    throw new Error(
      `schemathesis exited with ${code} and wrote no report:\n${output.trimEnd().split('\n').slice(-40).join('\n')}`,
    );
  }
  const excluded: Record<string, number> = {};
  const lines = await readFile(exclusionsFile, 'utf8').catch(() => '');
  for (const line of lines.split('\n').filter(Boolean)) {
    const { exclusion } = JSON.parse(line) as { exclusion: string };
    excluded[exclusion] = (excluded[exclusion] ?? 0) + 1;
  }
  return {
    operations: { selected: report.operations.selected, tested: report.operations.tested },
    cases: report.test_cases.generated,
    failures: report.failures.map((f) => ({
      title: f.title,
      count: f.count,
      operations: f.operations,
    })),
    errors: report.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e).slice(0, 500))),
    excluded,
    exitCode: code,
    output: tailOf(output, 120),
  };
}

function tailOf(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// --- CLI --------------------------------------------------------------------

/** `npm run fuzz:api`: see docs/hostile-input.md. */
export function fuzzApiCommand(): Command {
  return new Command('fuzz-api')
    .description(
      'Fuzz the HTTP API with schemathesis from its OpenAPI document: no 5xx, every 4xx problem+json, POSTs only refused, and no state change',
    )
    .option(
      '--max-examples <n>',
      'generated cases per operation and phase',
      positiveInteger,
      DEFAULT_MAX_EXAMPLES,
    )
    .option('--seed <n>', 'seed, to reproduce a run (default: random, printed)', nonNegativeInteger)
    .option('--workers <n>', 'operations fuzzed at once', positiveInteger, 1)
    .option(
      '--valid-posts',
      'also send valid POSTs after the state check, which writes (default: only on the in-process cloud)',
    )
    .option('--no-valid-posts', 'never send valid POSTs')
    .option('--url <url>', 'a running API (npm start) instead of an in-process local cloud')
    .option(
      '--token <token>',
      'its bearer token (env LEDGER_API_TOKEN)',
      localEnv().LEDGER_API_TOKEN,
    )
    .option(
      '--aws-endpoint <url>',
      "the emulator behind it, to compare state (npm start prints it as 'Emulator'; env LEDGER_AWS_ENDPOINT)",
      localEnv().LEDGER_AWS_ENDPOINT,
    )
    .option('--prefix <prefix>', "the running cloud's resource prefix", 'atm-ledger-local')
    .action(
      async (opts: {
        maxExamples: number;
        seed?: number;
        workers: number;
        validPosts?: boolean;
        url?: string;
        token?: string;
        awsEndpoint?: string;
        prefix: string;
      }) => {
        const result = await fuzzApi({
          maxExamples: opts.maxExamples,
          seed: opts.seed,
          workers: opts.workers,
          validPosts: opts.validPosts,
          url: opts.url,
          token: opts.url === undefined ? undefined : opts.token,
          awsEndpoint: opts.awsEndpoint || undefined,
          prefix: opts.url === undefined ? undefined : opts.prefix,
          log: (m) => console.error(`[fuzz-api] ${m}`),
        });
        console.log(`\n${formatFuzzSummary(result)}`);
        process.exitCode = result.ok ? 0 : 1;
      },
    );
}
