import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureMotoInstalled, findPython, findRepoRoot } from '../../src/moto/index.js';
import { fakePython } from '../../src/testing/fake-python.js';

describe('ensureMotoInstalled', () => {
  const scratch: string[] = [];
  afterEach(async () => {
    await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** A repo root with the real requirements but no venv yet, so an install is needed. */
  async function emptyRepo(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'ledger-install-'));
    scratch.push(root);
    return root;
  }

  it('names the fix when LEDGER_PYTHON points at no Python', async () => {
    // Prepare
    const rootDir = await emptyRepo();
    const requirements = join(findRepoRoot(), 'local', 'aws', 'moto', 'requirements.txt');
    await mkdir(join(rootDir, 'local', 'aws', 'moto'), { recursive: true });
    await copyFile(requirements, join(rootDir, 'local', 'aws', 'moto', 'requirements.txt'));
    const logged: string[] = [];

    // Act
    const attempt = ensureMotoInstalled({
      rootDir,
      env: { ...process.env, LEDGER_PYTHON: '/nonexistent/python3' },
      log: (m) => logged.push(m),
    });

    // Assess
    await expect(attempt).rejects.toThrow(
      /^Python 3\.10\+ is needed for the local cloud\. Install it, e\.g\. `apt-get install python3 python3-venv`, or set LEDGER_PYTHON to its path\. LEDGER_PYTHON=\/nonexistent\/python3 could not be run\.$/,
    );
    expect(logged).toEqual([]);
  });

  it('installs once when two callers ask at the same time, then only when requirements change', async () => {
    // Prepare
    const rootDir = await emptyRepo();
    await mkdir(join(rootDir, 'local', 'aws', 'moto'), { recursive: true });
    const requirements = join(rootDir, 'local', 'aws', 'moto', 'requirements.txt');
    await writeFile(requirements, 'moto==5.2.5\n');
    const python = await fakePython(rootDir, { pipSeconds: 1 });
    const ensure = () => ensureMotoInstalled({ rootDir, env: python.env, log: () => {} });

    // Act
    const [first, second] = await Promise.all([ensure(), ensure()]);
    await ensure();
    const installsBeforeChange = (await python.installs()).length;
    await writeFile(requirements, 'moto==5.2.5\nflask==3.1.3\n');
    await ensure();

    // Assess
    expect(first.python).toBe(join(rootDir, '.local-cloud', 'venv', 'bin', 'python'));
    expect(second.python).toBe(first.python);
    expect(installsBeforeChange).toBe(1);
    expect(await python.installs()).toHaveLength(2);
  });

  it('reports the versions it found when no Python on PATH is recent enough', () => {
    // Prepare
    const env = { PATH: '/nonexistent' };

    // Act
    const lookup = () => findPython(env);

    // Assess
    expect(lookup).toThrow(/Python 3\.10\+ is needed .* None found on PATH\.$/);
  });

  /** A `python3` in its own PATH folder that reports `version` and a probe time of `seconds`. */
  async function pythonIn(
    root: string,
    folder: string,
    version: string,
    seconds: number,
    venv = 'venv',
  ) {
    const dir = join(root, folder);
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'python3');
    const timed = `[ -n "$3" ] && echo ${seconds} && echo ${venv}`;
    await writeFile(file, `#!/bin/sh\necho ${version}\n${timed}\nexit 0\n`);
    await chmod(file, 0o755);
    return file;
  }

  it.each([
    ['prefers a clearly faster Python further down PATH', 0.2, 'fast'],
    ['keeps the first Python on PATH when the other is only a little faster', 0.45, 'first'],
  ])('%s', async (_name, otherSeconds, expected) => {
    // Prepare
    const root = await emptyRepo();
    const first = await pythonIn(root, 'first', '3.11.7', 0.5);
    const old = await pythonIn(root, 'old', '3.9.2', 0.01);
    const noVenv = await pythonIn(root, 'no-venv', '3.12.1', 0.01, 'no venv');
    const other = await pythonIn(root, 'fast', '3.11.2', otherSeconds);
    const PATH = [first, old, noVenv, other].map((f) => join(f, '..')).join(':');

    // Act
    const found = findPython({ PATH });

    // Assess: neither the too-old one nor the one that cannot build a venv is taken, however fast.
    expect(found).toEqual(
      expected === 'fast'
        ? { command: other, version: '3.11.2' }
        : { command: first, version: '3.11.7' },
    );
  });

  it('finds the repository root by its workspaces manifest', async () => {
    // Prepare
    const here = import.meta.dirname;

    // Act
    const root = findRepoRoot(here);

    // Assess
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(manifest.workspaces).toContain('local/*');
  });
});
