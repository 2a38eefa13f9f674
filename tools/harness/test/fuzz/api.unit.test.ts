import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMotoInstalled } from '@atm-ledger/local-aws';
import { fakePython } from '@atm-ledger/local-aws/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { diffState, ensureFuzzerInstalled, type StateSnapshot } from '../../src/fuzz/api.js';

describe('ensureFuzzerInstalled', () => {
  const scratch: string[] = [];
  afterEach(async () => {
    await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** A repository with both requirements files, and a fake Python that logs each install. */
  async function fakeRepo(): Promise<{
    rootDir: string;
    env: NodeJS.ProcessEnv;
    installs: () => Promise<string[]>;
  }> {
    const rootDir = await mkdtemp(join(tmpdir(), 'ledger-fuzz-install-'));
    scratch.push(rootDir);
    for (const dir of [join('local', 'aws', 'moto'), join('tools', 'harness', 'fuzz')]) {
      await mkdir(join(rootDir, dir), { recursive: true });
      await writeFile(join(rootDir, dir, 'requirements.txt'), `${dir}==1.0\n`);
    }
    return { rootDir, ...(await fakePython(rootDir)) };
  }

  it('installs tools/harness/fuzz/requirements.txt into its own venv, beside the emulator, each once', async () => {
    // Prepare
    const repo = await fakeRepo();
    const options = { rootDir: repo.rootDir, env: repo.env, log: () => {} };

    // Act
    const [fuzzer, moto] = await Promise.all([
      ensureFuzzerInstalled(options),
      ensureMotoInstalled(options),
    ]);
    await ensureFuzzerInstalled(options);
    await ensureMotoInstalled(options);

    // Assess
    expect(fuzzer.python).toBe(join(repo.rootDir, '.local-cloud', 'fuzz-venv', 'bin', 'python'));
    expect(moto.python).toBe(join(repo.rootDir, '.local-cloud', 'venv', 'bin', 'python'));
    expect((await repo.installs()).sort()).toEqual([
      join(repo.rootDir, 'local', 'aws', 'moto', 'requirements.txt'),
      join(repo.rootDir, 'tools', 'harness', 'fuzz', 'requirements.txt'),
    ]);
  });
});

describe('diffState', () => {
  const snapshot = (items: string[], streamRecords: number): StateSnapshot => ({
    tables: { 'p-ledger': items, 'p-notifier-idempotency': [] },
    streamRecords,
  });

  it('finds nothing between equal snapshots', () => {
    expect(diffState(snapshot(['{"pk":"A"}'], 3), snapshot(['{"pk":"A"}'], 3))).toEqual([]);
  });

  it('names each table with an added, removed or changed item, and a grown stream', () => {
    // Act
    const changes = diffState(
      snapshot(['{"pk":"A","v":1}', '{"pk":"B"}'], 3),
      snapshot(['{"pk":"A","v":2}', '{"pk":"C"}'], 4),
    );

    // Assess
    expect(changes).toEqual([
      'table p-ledger: 2 items added or changed, 2 removed or changed; e.g. {"pk":"A","v":2}',
      'stream: 3 records before, 4 after',
    ]);
  });
});
