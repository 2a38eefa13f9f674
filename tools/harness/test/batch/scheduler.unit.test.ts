import { describe, expect, it } from 'vitest';
import type { BatchJobReport, BatchWindow } from '../../src/batch/job.js';
import { BatchScheduler } from '../../src/batch/scheduler.js';

const report = (w: BatchWindow): BatchJobReport => ({
  window: { from: w.from.toISOString(), to: w.to.toISOString() },
  startedAt: new Date().toISOString(),
  finishedAt: new Date().toISOString(),
  landed: 0,
  outcomes: { POSTED: 0, REJECTED: 0, PENDING: 0, DUPLICATE: 0, CONFLICT: 0 },
  failed: [],
  skipped: [],
});

describe('BatchScheduler', () => {
  it('runs each closed window once, in order, without gaps, until the last arrival is covered', async () => {
    // Prepare
    const origin = Date.now();
    const windows: BatchWindow[] = [];
    const scheduler = new BatchScheduler({
      intervalMs: 150,
      origin,
      graceMs: 10,
      job: async (w) => {
        windows.push(w);
        // The second run overruns the next boundary: the next run waits, nothing is skipped.
        if (windows.length === 2) await new Promise((r) => setTimeout(r, 200));
        return report(w);
      },
    });

    // Act
    scheduler.start();
    await scheduler.drain(origin + 500);

    // Assess
    const starts = windows.map((w) => w.from.getTime() - origin);
    expect(starts).toEqual([0, 150, 300, 450]);
    for (const w of windows) expect(w.to.getTime() - w.from.getTime()).toBe(150);
    for (const [i, w] of windows.entries())
      if (i > 0) expect(w.from.getTime()).toBe(windows[i - 1]?.to.getTime());
    expect(scheduler.runs).toHaveLength(4);
  });

  it('runs a window only after it has closed', async () => {
    // Prepare
    const origin = Date.now();
    const startedAt: number[] = [];
    const ends: number[] = [];
    const scheduler = new BatchScheduler({
      intervalMs: 100,
      origin,
      graceMs: 20,
      job: async (w) => {
        startedAt.push(Date.now());
        ends.push(w.to.getTime());
        return report(w);
      },
    });

    // Act
    scheduler.start();
    await scheduler.drain(origin + 150);

    // Assess
    expect(startedAt).toHaveLength(2);
    for (const [i, t] of startedAt.entries()) expect(t).toBeGreaterThanOrEqual((ends[i] ?? 0) + 20);
  });

  it('starts with the window that begins at origin when origin is still ahead', async () => {
    // Prepare
    const origin = Date.now() + 120;
    const windows: BatchWindow[] = [];
    const scheduler = new BatchScheduler({
      intervalMs: 100,
      origin,
      graceMs: 0,
      job: async (w) => {
        windows.push(w);
        return report(w);
      },
    });

    // Act
    scheduler.start();
    await scheduler.drain(origin + 50);

    // Assess
    expect(windows.map((w) => w.from.getTime() - origin)).toEqual([0]);
  });
});
