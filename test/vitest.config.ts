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
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
