/*
 * Helpers for tests that run against the emulator: clients of the run's
 * endpoint (vitest's provided `awsEndpoint`), unique resource names, and
 * harnesses for the event source mappings and pipes. Used by this package's
 * own tests and, as `@atm-ledger/local-aws/testing`, by every other package's.
 */
export * from './emulator.js';
export * as esm from './esm.js';
export { fakePython } from './fake-python.js';
export * as pipe from './pipe.js';
export * as sqs from './sqs.js';
export { waitFor } from './wait.js';
