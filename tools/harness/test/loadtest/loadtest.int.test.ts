import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@atm-ledger/local-aws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runLoadTest } from '../../src/loadtest/loadtest.js';

describe('runLoadTest on the local cloud', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loadtest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs one small workload through both paths and reports latency, throughput and cost', async () => {
    // Act
    const { report, table } = await runLoadTest({
      awsEndpoint: inject('awsEndpoint'),
      seed: 5,
      transactions: 30,
      accounts: 6,
      atms: 3,
      rate: 10,
      invalidRate: 0.1,
      batchIntervalMs: 4_000,
      reportDir: dir,
      chartCopyPath: null,
      progress: false,
    });

    // Assess: every valid transaction decided on both paths, the invalid ones refused.
    const { streaming, batch } = report.modes;
    expect(batch).toBeDefined();
    for (const m of [streaming, batch]) {
      expect(m?.requests.unexpected).toBe(0);
      expect(m?.requests.refused).toBe(report.workload.requestsByKind.invalid ?? 0);
      expect(m?.transactions.undecided).toBe(0);
      expect(m?.latency.posted?.count).toBe(m?.transactions.posted);
      expect(m?.cost?.usdPerMillion).toBeGreaterThan(0);
      expect(m?.cost?.lines.some((l) => l.unit === 'dynamodb.wru')).toBe(true);
    }
    // Same shapes in both namespaces: the same cash movements are posted or rejected. The batch
    // has no authorizations, so no releases; with every authorization approved (the accounts
    // are funded well beyond this traffic), nothing else differs.
    const auth = streaming.authorizations;
    expect(auth?.sent).toBeGreaterThan(0);
    expect(auth?.declined).toBe(0);
    expect(auth?.latency.count).toBe(auth?.approved);
    expect(batch?.authorizations).toBeUndefined();
    expect(batch?.transactions.posted).toBe(
      streaming.transactions.posted -
        (report.workload.transactionsByType['REVERSAL (release)'] ?? 0),
    );
    expect(table).toContain('POST /v1/authorizations p50');
    expect(report.ratio?.p50).toBeGreaterThan(1);
    expect(report.projection?.batch?.p50).toBeGreaterThan(60_000);
    expect(table).toContain('batch ÷ streaming');
    const root = findRepoRoot();
    for (const file of Object.values(report.files)) expect(existsSync(join(root, file))).toBe(true);
    expect(readFileSync(join(root, report.files.chart), 'utf8')).toContain('<polyline');
  }, 150_000);
});
