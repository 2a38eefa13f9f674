import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    include: ['test/**/*.test.ts'],
    // Provides `awsEndpoint` (an emulator of the run's own) to the *.int.test.ts files.
    globalSetup: ['@atm-ledger/test-support/global-setup'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
