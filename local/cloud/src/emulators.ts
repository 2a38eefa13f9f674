import { join } from 'node:path';
import {
  ensureMotoInstalled,
  type MotoFix,
  type MotoServer,
  startMoto,
} from '@atm-ledger/local-aws';
import type { AwsService } from '@atm-ledger/runtime';

/**
 * Which emulator process serves which services. One moto process runs on one
 * core at most (its request lock, and Python's), so the local cloud runs
 * several and both cores of a small machine work. Services that moto connects
 * inside a process stay together: a table and its stream; an EventBridge rule
 * that delivers to SNS, and SNS that delivers to SQS. The notifiers' table,
 * which no stream reads, has a process of its own: it takes as many calls as
 * the ledger's (a claim and a completion per notification).
 */
export const EMULATOR_GROUPS = {
  dynamodb: ['dynamodb', 'dynamodbstreams'],
  kinesis: ['kinesis'],
  messaging: ['events', 'sns', 'sqs'],
  notifier: ['dynamodb'],
} as const satisfies Record<string, readonly AwsService[]>;

export type EmulatorGroup = keyof typeof EMULATOR_GROUPS;

export interface EmulatorProcess {
  readonly group: EmulatorGroup;
  readonly services: readonly AwsService[];
  readonly endpoint: string;
  readonly pid: number;
  /** Requests it has served, by `service.Action`. */
  requestCounts(): Promise<Record<string, number>>;
}

export interface Emulators {
  /** The endpoint of each service, as the functions' `LEDGER_AWS_ENDPOINT` gives it. */
  readonly endpoint: Readonly<Partial<Record<AwsService, string>>>;
  /** The notifiers' endpoints: their DynamoDB is the `notifier` process. */
  readonly notifierEndpoint: Readonly<Partial<Record<AwsService, string>>>;
  readonly processes: readonly EmulatorProcess[];
  stop(): Promise<void>;
}

/** Starts one emulator per group, side by side; if one fails, stops the others. */
export async function startEmulators(options: {
  readonly rootDir: string;
  readonly log: (message: string) => void;
  /** Fixes to leave out in every process (upstream's behaviour), e.g. to measure them. */
  readonly withoutFixes?: readonly MotoFix[];
}): Promise<Emulators> {
  const groups = Object.entries(EMULATOR_GROUPS) as [EmulatorGroup, readonly AwsService[]][];
  // Once for all the groups: a first run installs (and picks its Python) one time, not per process.
  const installation = await ensureMotoInstalled({ rootDir: options.rootDir, log: options.log });
  const started = await Promise.allSettled(
    groups.map(([group]) =>
      startMoto({
        port: 0,
        installation,
        rootDir: options.rootDir,
        logFile: join(options.rootDir, '.local-cloud', `moto-${group}.log`),
        log: options.log,
        withoutFixes: options.withoutFixes,
      }),
    ),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(servers.map((s: MotoServer) => s.stop()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const processes = groups.map(([group, services], i) => {
    const server = servers[i] as MotoServer;
    return {
      group,
      services,
      endpoint: server.endpoint,
      pid: server.pid,
      requestCounts: () => server.requestCounts(),
    };
  });
  const endpoint: Partial<Record<AwsService, string>> = {};
  for (const p of processes) {
    if (p.group === 'notifier') continue;
    for (const service of p.services) endpoint[service] = p.endpoint;
  }
  const notifier = processes.find((p) => p.group === 'notifier');
  const notifierEndpoint = { ...endpoint, dynamodb: notifier?.endpoint ?? endpoint.dynamodb };
  return { endpoint, notifierEndpoint, processes, stop };
}
