import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'e2e/**/*.test.ts',
      'suites/**/*.test.ts',
      'property/**/*.test.ts',
      'backends/**/*.test.ts',
    ],
    globalSetup: ['../local/test/setup/cloud.globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
