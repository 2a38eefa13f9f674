#!/usr/bin/env node
import { audit, DynamoDbLedgerStore, rebuild } from '@atm-ledger/ledger';
import { ensureMotoInstalled, findRepoRoot, startMoto } from '@atm-ledger/local-aws';
import {
  localEnv,
  localLedgerNames,
  silenceSdkNodeVersionWarning,
  startLocalCloud,
} from '@atm-ledger/local-cloud';
import { formatAuditReport, formatRebuildReport, redrive } from '@atm-ledger/ops';
import { formatAwsEndpoint, sdkClientOptions, stringifyExact } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Command, InvalidArgumentError } from 'commander';
import { armCrashPoints, journalRetries } from './faults/crash.js';
import {
  FaultDice,
  FaultJournal,
  formatFaultSpec,
  parseFaultSpec,
  sdkFaults,
} from './faults/index.js';
import { ensureFuzzerInstalled, fuzzApiCommand } from './fuzz/api.js';
import { loadtestCommand } from './loadtest/index.js';
import { positiveInteger } from './shared/cli-args.js';
import { soakCommand } from './soak/index.js';
import { postCommand } from './traffic/index.js';

// Node 20 is a settled choice for our machines; the SDK's notice about future releases is noise here.
silenceSdkNodeVersionWarning();

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('expected a port number');
  return n;
};

const program = new Command()
  .name('atm-ledger-local')
  .description('The embedded local cloud: moto plus the parts of AWS our runtime plays');

program
  .command('start', { isDefault: true })
  .description('Start the whole pipeline on the local cloud and serve the HTTP API')
  .option('--port <port>', 'API port on 127.0.0.1 (env LEDGER_PORT)', port, localEnv().LEDGER_PORT)
  .option(
    '--aws-endpoint <url>',
    'use an already-running emulator (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .option(
    '--prefix <prefix>',
    'prefix of every resource name, so several clouds can share one emulator (env LEDGER_LOCAL_PREFIX)',
    localEnv().LEDGER_LOCAL_PREFIX,
  )
  .option(
    '--worker-id <id>',
    'name in shard leases; a restart under the same id resumes at once (env LEDGER_LOCAL_WORKER_ID)',
    localEnv().LEDGER_LOCAL_WORKER_ID,
  )
  .option(
    '--faults <spec>',
    'inject faults, e.g. throttle=0.05,server-error=0.02,kill-before-checkpoint=@3 (env LEDGER_FAULTS; see docs/faults.md)',
    localEnv().LEDGER_FAULTS,
  )
  .option(
    '--fault-journal <file>',
    'append every injected fault to this JSON-lines file (env LEDGER_FAULT_JOURNAL)',
    localEnv().LEDGER_FAULT_JOURNAL,
  )
  .option(
    '--reversal-window <seconds>',
    "how far back a reversal's original may be, and how long an early reversal waits for it (default: env LEDGER_REVERSAL_WINDOW_SECONDS, which the ledger reads itself, else 86400)",
    positiveInteger,
  )
  .option(
    '--hold-ttl <seconds>',
    'how long an approved authorization holds its amount before it expires (default: env LEDGER_HOLD_TTL_SECONDS, which the ledger reads itself, else 604800)',
    positiveInteger,
  )
  .option(
    '--notifier-visibility-timeout <seconds>',
    "local-only: the notifier queues' visibility timeout instead of infra's 180 s, so a killed notifier's message comes back within seconds",
    positiveInteger,
  )
  .action(
    async (opts: {
      port: number;
      awsEndpoint?: string;
      prefix?: string;
      workerId?: string;
      faults?: string;
      faultJournal?: string;
      reversalWindow?: number;
      holdTtl?: number;
      notifierVisibilityTimeout?: number;
    }) => {
      const started = performance.now();
      const tokenGiven = localEnv().LEDGER_API_TOKEN;
      let faults: ReturnType<typeof parseFaultSpec>;
      try {
        faults = parseFaultSpec(opts.faults);
      } catch (error) {
        return program.error(`error: --faults: ${(error as Error).message}`);
      }
      const faulty = Object.keys(faults.triggers).length > 0;
      const dice = new FaultDice(faults);
      const journal = new FaultJournal(opts.faultJournal || undefined);
      const cloud = await startLocalCloud({
        // The functions' own clients only: what AWS runs for us stays untouched.
        ...(faulty ? { requestHandler: sdkFaults(dice, journal).requestHandler } : {}),
        port: opts.port,
        token: tokenGiven || undefined,
        awsEndpoint: opts.awsEndpoint || undefined,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
        ...(opts.workerId ? { workerId: opts.workerId } : {}),
        ...(opts.reversalWindow === undefined
          ? {}
          : { reversalWindowSeconds: opts.reversalWindow }),
        ...(opts.holdTtl === undefined ? {} : { holdTtlSeconds: opts.holdTtl }),
        ...(opts.notifierVisibilityTimeout === undefined
          ? {}
          : { notifierVisibilityTimeoutSeconds: opts.notifierVisibilityTimeout }),
        log: (m) => console.log(`  ${m}`),
      });
      if (faulty) {
        armCrashPoints(cloud, dice, journal);
        journalRetries(cloud, journal);
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`
atm-ledger local cloud is up (${seconds} s)

  API        ${cloud.apiUrl}
  OpenAPI    ${cloud.apiUrl}/v1/openapi.json
  Token      ${cloud.token}${tokenGiven ? '  (from LEDGER_API_TOKEN)' : '  (generated; set LEDGER_API_TOKEN to choose one)'}
  Emulators  ${cloud.emulators.map((e) => `${e.endpoint} (${e.services.join(', ')})`).join('\n             ') || formatAwsEndpoint(cloud.endpoint)}

Try it:
  export TOKEN=${cloud.token}
  curl -s -X POST ${cloud.apiUrl}/v1/accounts -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"accountId":"A","currency":"USD"}'
  curl -s -X POST ${cloud.apiUrl}/v1/transactions -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"transactionId":"t1","type":"DEPOSIT","accountId":"A","amount":10000,"currency":"USD","atmId":"atm-1","occurredAt":"${new Date().toISOString()}"}'
  curl -s ${cloud.apiUrl}/v1/accounts/A -H "authorization: Bearer $TOKEN"

${faulty ? `\n  FAULTS     ${formatFaultSpec(faults)}  (local only; see docs/faults.md)\n` : ''}
Ctrl-C stops it.`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        console.log('\nstopping…');
        // A stop that waits on an emulator already gone (a whole process group signalled at
        // once) must not leave the runtime polling forever.
        setTimeout(() => {
          console.error('stopping took over 10 s; exiting anyway');
          process.exit(1);
        }, 10_000).unref();
        await cloud.stop();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
  );

program
  .command('emulator')
  .description(
    'Start only the emulator (moto with our fixes) and keep it running, e.g. to restart the runtime against it',
  )
  .option('--port <port>', 'emulator port on 127.0.0.1', port, localEnv().LEDGER_MOTO_PORT)
  .action(async (opts: { port: number }) => {
    const rootDir = findRepoRoot();
    const moto = await startMoto({ port: opts.port, rootDir, log: (m) => console.log(`  ${m}`) });
    console.log(
      `emulator listening at ${moto.endpoint}\nstart the runtime against it with LEDGER_AWS_ENDPOINT=${moto.endpoint} npm start`,
    );
    const stop = async () => {
      await moto.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('audit')
  .description(
    'Recompute the trial balance from the journal (a full scan) and report where the running totals differ (read-only; works against AWS too)',
  )
  .requiredOption(
    '--table <name>',
    'the ledger table (env LEDGER_TABLE_NAME)',
    localEnv().LEDGER_TABLE_NAME,
  )
  .option(
    '--aws-endpoint <url>',
    'the local cloud; omit for AWS (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', localEnv().AWS_REGION)
  .action(async (opts: { table: string; awsEndpoint?: string; region: string }) => {
    const client = new DynamoDBClient(
      sdkClientOptions({ endpoint: opts.awsEndpoint || undefined, region: opts.region }),
    );
    const report = await audit(new DynamoDbLedgerStore(client, opts.table));
    // The report alone goes to stdout, in minor units, exactly (bigints as JSON integers).
    console.log(stringifyExact(report));
    console.error(formatAuditReport(report));
    client.destroy();
    process.exitCode = report.drift.length === 0 ? 0 : 2;
  });

program
  .command('rebuild')
  .description(
    'Recompute every account from its entries and report drift (read-only; works against AWS too)',
  )
  .requiredOption(
    '--table <name>',
    'the ledger table (env LEDGER_TABLE_NAME)',
    localEnv().LEDGER_TABLE_NAME,
  )
  .option(
    '--aws-endpoint <url>',
    'the local cloud; omit for AWS (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', localEnv().AWS_REGION)
  .action(async (opts: { table: string; awsEndpoint?: string; region: string }) => {
    const client = new DynamoDBClient(
      sdkClientOptions({ endpoint: opts.awsEndpoint || undefined, region: opts.region }),
    );
    const store = new DynamoDbLedgerStore(client, opts.table);
    const report = await rebuild(store);
    // The report alone goes to stdout, so it can be piped; its balances are minor units.
    console.log(JSON.stringify(report, null, 2));
    console.error(await formatRebuildReport(report, store));
    client.destroy();
    process.exitCode = report.drift.length === 0 ? 0 : 2;
  });

program
  .command('redrive')
  .description(
    'Move messages from a dead-letter queue back to its source queue (works against AWS too)',
  )
  .requiredOption('--queue <name|url>', 'the DLQ, or the source queue whose DLQ to drain')
  .option('--to <name|url>', 'destination queue, when the DLQ serves several sources')
  .option('--max <n>', 'move at most this many messages', (v) => Number(v))
  .option(
    '--aws-endpoint <url>',
    'the local cloud; omit for AWS (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', localEnv().AWS_REGION)
  .action(
    async (opts: {
      queue: string;
      to?: string;
      max?: number;
      awsEndpoint?: string;
      region: string;
    }) => {
      const sqs = new SQSClient(
        sdkClientOptions({ endpoint: opts.awsEndpoint || undefined, region: opts.region }),
      );
      const result = await redrive(sqs, {
        queue: opts.queue,
        ...(opts.to ? { destination: opts.to } : {}),
        ...(opts.max ? { maxMessages: opts.max } : {}),
        log: (m: string) => console.log(m),
      });
      console.log(JSON.stringify(result, null, 2));
      sqs.destroy();
      process.exitCode = result.failed > 0 ? 2 : 0;
    },
  );

const isoTime = (value: string) => {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-11-27T10:00:00Z');
  }
  return time;
};

program
  .command('replay')
  .description(
    'Re-deliver the stream records of a time range to the ledger consumer; safe, the ledger is idempotent (works against AWS too)',
  )
  .requiredOption(
    '--stream <name|arn>',
    'the transactions stream (env LEDGER_STREAM_NAME)',
    localEnv().LEDGER_STREAM_NAME,
  )
  .requiredOption('--from <time>', 'first arrival time replayed, ISO 8601, inclusive', isoTime)
  .option('--to <time>', 'last arrival time replayed, ISO 8601, inclusive (default: now)', isoTime)
  .option('--function <name>', 'AWS: the ledger consumer function to invoke')
  .option(
    '--table <name>',
    'local: the ledger table (env LEDGER_TABLE_NAME; default: <prefix>-ledger for <prefix>-transactions)',
    localEnv().LEDGER_TABLE_NAME,
  )
  .option(
    '--poison-queue <name|url>',
    'local: the poison queue (env LEDGER_POISON_QUEUE_URL; default: <prefix>-ledger-poison)',
    localEnv().LEDGER_POISON_QUEUE_URL,
  )
  .option('--batch-size <n>', 'records per batch, 1-10000', (v) => Number(v), 100)
  .option('--dry-run', 'read and count the records of the range; deliver nothing')
  .option(
    '--aws-endpoint <url>',
    'the local cloud, with the ledger handler run in this process; omit for AWS (env LEDGER_AWS_ENDPOINT)',
    localEnv().LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', localEnv().AWS_REGION)
  .action(
    async (opts: {
      stream: string;
      from: Date;
      to?: Date;
      function?: string;
      table?: string;
      poisonQueue?: string;
      batchSize: number;
      dryRun?: boolean;
      awsEndpoint?: string;
      region: string;
    }) => {
      const { inProcessDelivery, lambdaDelivery, replay } = await import('@atm-ledger/ops');
      const { KinesisClient } = await import('@aws-sdk/client-kinesis');
      const endpoint = opts.awsEndpoint || undefined;
      const clientOptions = sdkClientOptions({ endpoint, region: opts.region });
      let delivery:
        | { deliver: import('@atm-ledger/ops').ReplayDelivery; close(): void }
        | undefined;
      if (!opts.dryRun && endpoint !== undefined) {
        // The local cloud runs no Lambda service: the ledger's handler runs here.
        const named = localLedgerNames(opts.stream.slice(opts.stream.lastIndexOf('/') + 1));
        const tableName = opts.table || named?.table;
        const poisonQueue = opts.poisonQueue || named?.poisonQueue;
        if (!tableName || !poisonQueue) {
          return program.error('error: name the ledger --table and --poison-queue of this stream');
        }
        delivery = await inProcessDelivery({
          endpoint,
          region: opts.region,
          tableName,
          poisonQueue,
        });
      } else if (!opts.dryRun) {
        if (!opts.function) {
          return program.error(
            "error: against AWS, '--function <name>' (the ledger consumer) is required",
          );
        }
        const { LambdaClient } = await import('@aws-sdk/client-lambda');
        const lambda = new LambdaClient(clientOptions);
        delivery = {
          deliver: lambdaDelivery(lambda, opts.function),
          close: () => lambda.destroy(),
        };
      }
      const kinesis = new KinesisClient(clientOptions);
      try {
        const report = await replay(kinesis, {
          stream: opts.stream,
          from: opts.from,
          to: opts.to ?? new Date(),
          dryRun: opts.dryRun ?? false,
          batchSize: opts.batchSize,
          deliver: delivery?.deliver,
          functionName: opts.function,
          // The report alone goes to stdout, so it can be piped.
          log: (m: string) => console.error(m),
        });
        console.log(JSON.stringify(report, null, 2));
        process.exitCode = report.notDelivered > 0 ? 2 : 0;
      } finally {
        delivery?.close();
        kinesis.destroy();
      }
    },
  );

program
  .command('install')
  .description(
    'Install the pinned emulator into .local-cloud/venv and the API fuzzer into .local-cloud/fuzz-venv (done automatically on first use)',
  )
  .action(async () => {
    const rootDir = findRepoRoot();
    const installation = await ensureMotoInstalled({ rootDir });
    console.log(`emulator ready: ${installation.python}`);
    const fuzzer = await ensureFuzzerInstalled({ rootDir });
    console.log(`API fuzzer ready: ${fuzzer.python}`);
  });

program.addCommand(postCommand());
program.addCommand(loadtestCommand());
program.addCommand(soakCommand());
program.addCommand(fuzzApiCommand());

program.parseAsync().catch((error: unknown) => {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
});
