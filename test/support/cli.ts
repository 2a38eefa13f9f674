import { createRequire } from 'node:module';

/**
 * The harness CLI's TypeScript entry (`npm run local`), resolved through the
 * package's exports so a test runs it as an operator does, with `--import tsx`.
 */
export const harnessCli = createRequire(import.meta.url).resolve('@atm-ledger/harness/cli');
