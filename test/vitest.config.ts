import { startFirst } from '@atm-ledger/test-support/sequencer';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    include: [
      'e2e/**/*.test.ts',

      'property/**/*.test.ts',
      'backends/**/*.test.ts',
      'faults/**/*.test.ts',
      'hostile/**/*.test.ts',
      'ops/**/*.test.ts',
      'structure/**/*.test.ts',
      'topology/**/*.test.ts',
    ],
    globalSetup: ['@atm-ledger/test-support/global-setup'],
    // vitest's default on two cores is one file at a time, but these suites spend much of their
    // time waiting on the pipeline (deliveries, retries, timers), and each has its own resources.
    maxWorkers: 2,
    // With two workers the run ends when the longest file does: start the longest ones first,
    // on a fresh clone too (vitest orders by the timings of earlier runs, and has none there).
    sequence: {
      sequencer: startFirst([
        'property/ledgerModel.dynamodb.property.test.ts',
        'hostile/apiFuzz.int.test.ts',
        'e2e/authorization.e2e.test.ts',
        'e2e/moneyRules.e2e.test.ts',
        'ops/replay.int.test.ts',
        'property/pipeline.property.test.ts',
      ]),
    },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
