import { InMemoryAcceptanceLog } from '../../src/adapters/memoryAcceptanceLog.js';
import { testAcceptanceLog } from '../suites/acceptanceLog.suite.js';

testAcceptanceLog('InMemoryAcceptanceLog', async () => {
  const log = new InMemoryAcceptanceLog();
  return {
    log,
    writeLegacyMarker: async (transactionId) => {
      log.markers.set(transactionId, { transaction: undefined });
    },
    cleanup: async () => {},
  };
});
