import { InMemoryLedgerStore } from '../../../src/adapters/memory/ledgerStore.js';
import { testLedgerStore } from '../../../src/testing/index.js';

testLedgerStore('InMemoryLedgerStore', async () => {
  const store = new InMemoryLedgerStore();
  return {
    store,
    markAccepted: async (acceptance) => {
      store.accepted.set(acceptance.transaction.transactionId, acceptance);
    },
  };
});
