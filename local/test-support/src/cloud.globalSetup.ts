import { provideEmulator } from '@atm-ledger/local-aws/testing/global-setup';
import type { TestProject } from 'vitest/node';

/**
 * The global setup of every package's tests: `LEDGER_AWS_ENDPOINT`, when
 * set, points the suites at an emulator already running (e.g. `npm run
 * emulator`); otherwise the run starts its own.
 */
export default (project: TestProject) => provideEmulator(project, process.env.LEDGER_AWS_ENDPOINT);
