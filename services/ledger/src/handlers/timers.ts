import { createMetrics } from '@atm-ledger/runtime';
import { ledgerTimersDeps } from '../wiring.js';
import { makeTimersHandler } from './timersHandler.js';

/** Lambda entry point: the timer sweep, on an EventBridge Scheduler schedule. */
export const handler = makeTimersHandler({
  ...ledgerTimersDeps(),
  metrics: createMetrics('ledger'),
});
