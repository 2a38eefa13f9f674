import { describe, inject, it } from 'vitest';
import type { FaultClass } from '../../src/faults/index.js';
import { formatSoakReport, runSoak } from '../../src/soak/index.js';

/**
 * One short soak per process-kill class, each with a deterministic trigger
 * (`@N`: the Nth occasion in every runtime process), then the same end checks
 * as `npm run soak`. The SDK-level classes (throttle, server-error,
 * timeout-after-write, transaction-throttled, partial-batch) have their own
 * tests beside the fault injector (test/faults) and run together here once,
 * end to end.
 */
const CLASSES: readonly { name: string; faults: string; fires: readonly FaultClass[] }[] = [
  {
    name: 'kill after a DynamoDB write, mid-batch',
    faults: 'kill-after-write=@50',
    fires: ['kill-after-write'],
  },
  {
    name: 'kill after the ledger wrote, before the Kinesis checkpoint',
    faults: 'kill-before-checkpoint=@6',
    fires: ['kill-before-checkpoint'],
  },
  {
    name: 'kill in the pipe, after PutEvents, before the stream checkpoint',
    faults: 'kill-in-pipe=@4',
    fires: ['kill-in-pipe'],
  },
  {
    name: 'kill in the notifier, after sending, before the delete',
    faults: 'kill-in-notifier=@3',
    fires: ['kill-in-notifier'],
  },
  {
    name: 'throttling, 5xx, timeouts after writes, throttled transactions and partial batches, end to end',
    // The last two classes have few eligible calls in 12 s (about one TransactWriteItems and one
    // PutRecords per request): at 0.3 each fires ~15 times, and "every class fired" cannot miss.
    faults:
      'throttle=0.1,server-error=0.1,timeout-after-write=0.1,transaction-throttled=0.3,partial-batch=0.3',
    fires: [
      'throttle',
      'server-error',
      'timeout-after-write',
      'transaction-throttled',
      'partial-batch',
    ],
  },
];

/**
 * The compiled runtime under turbo, which runs this task after the builds of the harness and of
 * all it imports (turbo.json), so `dist` is current: about 20 runtime starts in this file at
 * 0.8 s less CPU each. A bare `vitest run` may follow an edit without a build: source there.
 */
const RUNTIME_BUILD = process.env.TURBO_HASH === undefined ? 'source' : 'dist';

// Concurrent: each soak has its own resources and runtime process, and spends most of its
// time waiting (restarts, redeliveries, the quiet period of its drain).
describe.concurrent('soak per fault class: nothing lost, nothing applied twice', () => {
  for (const c of CLASSES) {
    it(c.name, async ({ expect }) => {
      const lines: string[] = [];
      const report = await runSoak({
        minutes: 0.2,
        rate: 4,
        accounts: 8,
        atms: 4,
        faults: c.faults,
        poisonEverySeconds: 4,
        seed: 7,
        // Three crashes prove the class; more would only lengthen the traffic phase with restarts.
        maxFaultyRuntimes: 3,
        // Above the workload's longest settle delay (6 s) plus a restart, so most holds are still
        // completed live, and short enough that the abandoned ones expire early in the drain.
        holdTtlSeconds: 12,
        drainTimeoutSeconds: 120,
        runtimeBuild: RUNTIME_BUILD,
        awsEndpoint: inject('awsEndpoint'),
        log: (l) => lines.push(l),
      });
      const text = formatSoakReport(report);
      expect(report.passed, `${text}\n${lines.join('\n')}`).toBe(true);
      for (const f of c.fires) expect(report.faults[f], text).toBeGreaterThan(0);
      if (c.fires.some((f) => f.startsWith('kill'))) {
        expect(report.restarts, text).toBeGreaterThan(0);
        expect(report.crashes, 'only the first three runtimes had faults').toBeLessThanOrEqual(3);
      }
      expect(report.poisonInjected).toBeGreaterThan(0);
    }, 300_000);
  }
});
