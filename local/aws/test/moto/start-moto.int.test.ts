import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import {
  ensureMotoInstalled,
  type MotoFix,
  motoPythonEnv,
  startMoto,
} from '../../src/moto/index.js';

const silent = () => {};

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function waitUntilClosed(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await accepts(port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('startMoto', () => {
  it('serves on a free port until stopped', async () => {
    // Prepare
    const moto = await startMoto({ log: silent });

    // Act
    const health = await fetch(`${moto.endpoint}/moto-api/`);
    await moto.stop();

    // Assess
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    expect(health.status).toBe(200);
    expect(await accepts(moto.port)).toBe(false);
  });

  it('fails with the tail of the server log when the launcher cannot start', async () => {
    // Prepare
    const withoutFixes = ['no-such-fix' as MotoFix];

    // Act
    const attempt = startMoto({ withoutFixes, log: silent });

    // Assess
    await expect(attempt).rejects.toThrow(
      /moto exited before it was ready \(exit code 2\)[\s\S]*invalid choice: 'no-such-fix'/,
    );
  });

  it('leaves no server behind when its parent process dies', async () => {
    // Prepare: a parent process that starts the launcher the way startMoto does
    const moto = await ensureMotoInstalled({ log: silent });
    const parentScript = `
      const { spawn } = require('node:child_process');
      spawn(process.argv[1], [process.argv[2], '--port', '0', '--exit-on-stdin-eof'],
        { stdio: ['pipe', 'inherit', 'inherit'] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript, moto.python, moto.launcherPath], {
      env: motoPythonEnv(moto),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const readyLine = await new Promise<string>((done) => {
      createInterface({ input: parent.stdout }).once('line', done);
    });
    const port = Number(/:(\d+)\b/.exec(readyLine)?.[1]);
    expect(await accepts(port)).toBe(true);

    // Act
    parent.kill('SIGKILL');

    // Assess
    expect(await waitUntilClosed(port, 5_000)).toBe(true);
  });
});
