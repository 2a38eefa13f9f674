import { InMemoryIdempotencyStore } from '../../../src/adapters/memory/idempotencyStore.js';
import { RECORD_TTL_SECONDS, testIdempotencyStore } from '../../suites/idempotencyStore.suite.js';

testIdempotencyStore('InMemoryIdempotencyStore', async (clock) => ({
  store: new InMemoryIdempotencyStore(clock, { recordTtlSeconds: RECORD_TTL_SECONDS }),
  cleanup: async () => {},
}));
