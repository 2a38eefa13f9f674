#!/usr/bin/env node
import { DynamoDbLedgerStore, rebuild } from '@atm-ledger/ledger';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Command, InvalidArgumentError } from 'commander';
import { startLocalCloud } from './cloud.js';
import { loadtestCommand } from './loadtest/index.js';
import { ensureMotoInstalled, findRepoRoot, startMoto } from './moto/index.js';
import { redrive } from './ops/redrive.js';
import { postCommand } from './traffic/index.js';

// Node 20 is a settled choice for our machines; the SDK's notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
  .option(
    '--port <port>',
    'API port on 127.0.0.1 (env LEDGER_PORT)',
    port,
    Number(process.env.LEDGER_PORT ?? 3000),
  )
  .option(
    '--aws-endpoint <url>',
    'use an already-running emulator (env LEDGER_AWS_ENDPOINT)',
    process.env.LEDGER_AWS_ENDPOINT,
  )
  .action(async (opts: { port: number; awsEndpoint?: string }) => {
    const started = performance.now();
    const tokenGiven = process.env.LEDGER_API_TOKEN;
    const cloud = await startLocalCloud({
      port: opts.port,
      token: tokenGiven || undefined,
      awsEndpoint: opts.awsEndpoint || undefined,
      log: (m) => console.log(`  ${m}`),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`
atm-ledger local cloud is up (${seconds} s)

  API        ${cloud.apiUrl}
  OpenAPI    ${cloud.apiUrl}/v1/openapi.json
  Token      ${cloud.token}${tokenGiven ? '  (from LEDGER_API_TOKEN)' : '  (generated; set LEDGER_API_TOKEN to choose one)'}
  Emulator   ${cloud.awsEndpoint}

Try it:
  export TOKEN=${cloud.token}
  curl -s -X POST ${cloud.apiUrl}/v1/accounts -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"accountId":"A","currency":"USD"}'
  curl -s -X POST ${cloud.apiUrl}/v1/transactions -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"transactionId":"t1","type":"DEPOSIT","accountId":"A","amount":10000,"currency":"USD","atmId":"atm-1","occurredAt":"${new Date().toISOString()}"}'
  curl -s ${cloud.apiUrl}/v1/accounts/A -H "authorization: Bearer $TOKEN"

Ctrl-C stops it.`);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      console.log('\nstopping…');
      await cloud.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('emulator')
  .description(
    'Start only the emulator (moto with our fixes) and keep it running, e.g. to restart the runtime against it',
  )
  .option(
    '--port <port>',
    'emulator port on 127.0.0.1',
    port,
    Number(process.env.LEDGER_MOTO_PORT ?? 4566),
  )
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
  .command('rebuild')
  .description(
    'Recompute every account from its entries and report drift (read-only; works against AWS too)',
  )
  .requiredOption(
    '--table <name>',
    'the ledger table (env LEDGER_TABLE_NAME)',
    process.env.LEDGER_TABLE_NAME,
  )
  .option(
    '--aws-endpoint <url>',
    'the local cloud; omit for AWS (env LEDGER_AWS_ENDPOINT)',
    process.env.LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', process.env.AWS_REGION ?? 'us-east-1')
  .action(async (opts: { table: string; awsEndpoint?: string; region: string }) => {
    const client = new DynamoDBClient(
      sdkClientOptions({ endpoint: opts.awsEndpoint || undefined, region: opts.region }),
    );
    const report = await rebuild(new DynamoDbLedgerStore(client, opts.table));
    console.log(JSON.stringify(report, null, 2));
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
    process.env.LEDGER_AWS_ENDPOINT,
  )
  .option('--region <region>', 'AWS region (env AWS_REGION)', process.env.AWS_REGION ?? 'us-east-1')
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

program
  .command('install')
  .description(
    'Install the pinned emulator into .local-cloud/venv (done automatically on first start)',
  )
  .action(async () => {
    const installation = await ensureMotoInstalled({ rootDir: findRepoRoot() });
    console.log(`emulator ready: ${installation.python}`);
  });

program.addCommand(postCommand());
program.addCommand(loadtestCommand());

program.parseAsync().catch((error: unknown) => {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
});
