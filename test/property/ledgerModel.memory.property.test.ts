import { InMemoryLedgerStore } from '@atm-ledger/ledger';
import { describe } from 'vitest';
import { numRuns, testLedgerAgainstModel } from './ledgerModel.suite.js';

describe('ledger model-based test: in-memory store', () => {
  testLedgerAgainstModel('in-memory', async () => ({ store: new InMemoryLedgerStore() }), {
    runs: numRuns(300),
    maxSteps: 30,
    timeoutMs: 600_000,
  });
});
