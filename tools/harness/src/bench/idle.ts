/**
 * What an idle `npm start` costs, and whether it still answers at once.
 *
 * Starts `npm start` as a user does (a child process tree: npm, the runtime,
 * the emulators), lets it settle, then measures the CPU of the whole tree
 * over an idle window, from /proc. After the window it opens an account,
 * posts one transaction and reports POST -> POSTED (its `postedAt`, on
 * this machine's clock).
 *
 *   npm run bench:idle                        60 s idle window after 10 s to settle
 *   npm run bench:idle -- --seconds 30
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findRepoRoot } from '@atm-ledger/local-aws';
import { Command } from 'commander';
import { processCpuSeconds, processTree } from './proc.js';

const opts = new Command()
  .option('--seconds <s>', 'length of the idle window', Number, 60)
  .option('--settle <s>', 'wait this long after start before measuring', Number, 10)
  .parse()
  .opts<{ seconds: number; settle: number }>();

/** CPU seconds (user + system) each process has used so far. */
function cpuSeconds(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const script = argv.find((a) => /launcher\.py$|cli\.ts$/.test(a));
    if (script?.endsWith('launcher.py')) return 'emulator';
    if (script?.endsWith('cli.ts')) return 'runtime';
    return argv[0]?.split('/').pop() ?? String(pid);
  } catch {
    return String(pid);
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = `idle-${Date.now().toString(36)}`;

const child: ChildProcess = spawn('npm', ['start'], {
  cwd: findRepoRoot(),
  env: { ...process.env, LEDGER_PORT: '0', LEDGER_API_TOKEN: token },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const signal = (name: NodeJS.Signals) => {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, name);
  } catch {
    // Already gone.
  }
};
const stop = () => signal('SIGKILL');
const stopGracefully = async () => {
  signal('SIGINT');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([exited, pause(15_000)]);
  stop();
};
process.on('exit', stop);

try {
  const apiUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('npm start did not come up in 180 s')),
      180_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
  });
  await pause(opts.settle * 1000);

  const pids = processTree(child.pid ?? 0);
  const before = cpuSeconds(pids);
  const startedAt = performance.now();
  await pause(opts.seconds * 1000);
  const after = cpuSeconds(pids);
  const wall = (performance.now() - startedAt) / 1000;

  const byRole = new Map<string, number>();
  for (const pid of pids) {
    const used = (after.get(pid) ?? 0) - (before.get(pid) ?? 0);
    const role = commandOf(pid);
    byRole.set(role, (byRole.get(role) ?? 0) + used);
  }
  const total = [...byRole.values()].reduce((a, b) => a + b, 0);

  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const accountId = `idle-${Date.now().toString(36)}`;
  await fetch(`${apiUrl}/v1/accounts`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ accountId, currency: 'USD' }),
  });
  const transactionId = `${accountId}-deposit`;
  const sentAt = Date.now();
  const posted = await fetch(`${apiUrl}/v1/transactions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      transactionId,
      type: 'DEPOSIT',
      accountId,
      amount: 5_000,
      currency: 'USD',
      atmId: 'atm-idle',
      occurredAt: new Date().toISOString(),
    }),
  });
  if (posted.status !== 202) throw new Error(`POST answered ${posted.status}`);
  let decidedAt: number | undefined;
  for (const deadline = Date.now() + 30_000; decidedAt === undefined && Date.now() < deadline; ) {
    const r = await fetch(`${apiUrl}/v1/transactions/${transactionId}`, { headers });
    const body = (await r.json()) as { status?: string; postedAt?: string };
    if (body.status === 'POSTED' && body.postedAt) decidedAt = Date.parse(body.postedAt);
    else await pause(10);
  }

  const share = (s: number) => `${((s / wall) * 100).toFixed(1)}%`;
  console.log(`
idle npm start: ${wall.toFixed(0)} s window after ${opts.settle} s to settle; ${new Date().toISOString()}

  CPU, share of one core    ${share(total)} in all (${[...byRole]
    .sort((a, b) => b[1] - a[1])
    .map(([role, s]) => `${role} ${share(s)}`)
    .join(', ')})
  first transaction after   POST -> POSTED ${decidedAt === undefined ? 'not posted in 30 s' : `${decidedAt - sentAt} ms`}
`);
  if (decidedAt === undefined) process.exitCode = 1;
} finally {
  await stopGracefully();
}
