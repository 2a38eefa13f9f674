import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { expect } from 'vitest';
import { ensureMotoInstalled, motoPythonEnv } from '../../src/moto/index.js';

/** What a differential check (`local/aws/moto/check_*.py`) prints when upstream and the fix agree. */
export interface CheckSummary {
  readonly differences: number;
  /** How often each kind of outcome came (`ok`, or an exception's name). */
  readonly outcomes: Record<string, number>;
}

/**
 * Runs one of the in-process differential checks beside the launcher, in the
 * emulator's venv, and returns its summary once it has reported no
 * difference (a difference fails the test with the case the check printed).
 */
export async function runDifferentialCheck(
  script: string,
  args: readonly string[],
): Promise<CheckSummary> {
  const moto = await ensureMotoInstalled();
  const run = spawnSync(moto.python, [script, ...args], {
    cwd: dirname(moto.launcherPath),
    env: motoPythonEnv(moto),
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status, run.stdout).toBe(0);
  const summary = JSON.parse(run.stdout) as CheckSummary;
  expect(summary.differences).toBe(0);
  return summary;
}
