import { InMemoryLedgerStore } from '@atm-ledger/ledger';
import { describe } from 'vitest';
import { numRuns, testLedgerAgainstModel } from './ledgerModel.suite.js';

describe('ledger model-based test: in-memory store', () => {
  testLedgerAgainstModel('in-memory', async () => ({ store: new InMemoryLedgerStore() }), {
    runs: numRuns(300),
    maxSteps: 30,
    // About 60 ms a case on a busy machine; at least the ten minutes it always had.
    timeoutMs: Math.max(600_000, numRuns(300) * 150),
  });
});
