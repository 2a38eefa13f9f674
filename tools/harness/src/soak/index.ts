import { localEnv } from '@atm-ledger/local-cloud';
import { Command } from 'commander';
import { nonNegativeNumber, positiveInteger, positiveNumber, seedArg } from '../shared/cli-args.js';
import { DEFAULT_SOAK_FAULTS, formatSoakReport, runSoak } from './soak.js';

export {
  DEFAULT_SOAK_FAULTS,
  formatSoakReport,
  runSoak,
  type SoakOptions,
  type SoakReport,
} from './soak.js';

export function soakCommand(): Command {
  return new Command('soak')
    .description(
      'Generated traffic with every fault class injected (throttling, 5xx, timeouts after writes, throttled transactions, partial batches, process kills, poison records), then checks nothing was lost or applied twice',
    )
    .option('--minutes <n>', 'length of the traffic phase', positiveNumber, 5)
    .option('--rate <tps>', 'mean transactions per second', positiveNumber, 6)
    .option('--accounts <n>', 'customer accounts', positiveInteger, 40)
    .option('--atms <n>', 'ATMs', positiveInteger, 20)
    .option(
      '--faults <spec>',
      'fault spec of the traffic phase (docs/faults.md)',
      DEFAULT_SOAK_FAULTS,
    )
    .option(
      '--poison-every <seconds>',
      'put a poison record on the stream this often (0: never)',
      nonNegativeNumber,
      10,
    )
    .option('--seed <n>', 'workload seed', seedArg, 1)
    .option(
      '--hold-ttl <seconds>',
      'hold TTL of the runtime, so abandoned holds expire during the soak',
      positiveInteger,
      20,
    )
    .option(
      '--max-faulty-runtimes <n>',
      'only the first n runtime processes get the faults; restarts after them run clean (default: every one)',
      positiveInteger,
    )
    .option(
      '--drain-timeout <seconds>',
      'longest fault-free drain before the checks',
      positiveNumber,
      300,
    )
    .option(
      '--aws-endpoint <url>',
      'an emulator already running (env LEDGER_AWS_ENDPOINT); default: start one for the soak',
      localEnv().LEDGER_AWS_ENDPOINT,
    )
    .action(
      async (opts: {
        minutes: number;
        rate: number;
        accounts: number;
        atms: number;
        faults: string;
        poisonEvery: number;
        seed: number;
        holdTtl: number;
        maxFaultyRuntimes?: number;
        drainTimeout: number;
        awsEndpoint?: string;
      }) => {
        const report = await runSoak({
          minutes: opts.minutes,
          rate: opts.rate,
          accounts: opts.accounts,
          atms: opts.atms,
          faults: opts.faults,
          poisonEverySeconds: opts.poisonEvery,
          seed: opts.seed,
          holdTtlSeconds: opts.holdTtl,
          maxFaultyRuntimes: opts.maxFaultyRuntimes,
          drainTimeoutSeconds: opts.drainTimeout,
          awsEndpoint: opts.awsEndpoint || undefined,
          log: (line) => console.log(line),
        });
        console.log(formatSoakReport(report));
        process.exitCode = report.passed ? 0 : 1;
      },
    );
}
