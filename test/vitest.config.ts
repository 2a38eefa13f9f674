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
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
