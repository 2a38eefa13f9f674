import { describe, expect, it } from 'vitest';
import { RateSchedule } from '../../src/scheduler/rate-schedule.js';
import { waitFor } from '../../src/testing/wait.js';

/** Runs a schedule whose target answers `results` in turn, recording when each invocation started. */
async function run(
  results: readonly ('idle' | 'busy' | 'fail')[],
  options: { intervalMs: number; maxIntervalMs?: number },
) {
  const starts: number[] = [];
  const schedule = new RateSchedule<'idle' | 'busy'>({
    name: 'test',
    intervalMs: options.intervalMs,
    ...(options.maxIntervalMs === undefined
      ? {}
      : { idle: { maxIntervalMs: options.maxIntervalMs, isIdle: (r) => r === 'idle' } }),
    target: async () => {
      const result = results[starts.length] ?? 'idle';
      starts.push(performance.now());
      if (result === 'fail') throw new Error('boom');
      return result;
    },
  });
  schedule.start();
  await waitFor(() => starts.length > results.length, 'every invocation', 10_000);
  await schedule.stop();
  const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? t));
  return { gaps, schedule };
}

describe('RateSchedule', () => {
  it('doubles the interval while the target is idle, up to the cap, and resets on work or failure', async () => {
    // Act
    const { gaps, schedule } = await run(['idle', 'idle', 'idle', 'idle', 'busy', 'idle', 'fail'], {
      intervalMs: 40,
      maxIntervalMs: 400,
    });

    // Assess: waits never end early, so the lower bounds are exact; the upper ones leave room for a busy machine.
    const [a, b, c, d, e, f, g] = gaps;
    expect(a).toBeGreaterThanOrEqual(79); // after the 1st idle: 80
    expect(b).toBeGreaterThanOrEqual(159); // then 160
    expect(c).toBeGreaterThanOrEqual(319); // then 320
    expect(d).toBeGreaterThanOrEqual(399); // then 400, the cap
    expect(e).toBeGreaterThanOrEqual(39); // work found: back to 40
    expect(e).toBeLessThan(300);
    expect(f).toBeGreaterThanOrEqual(79);
    expect(g).toBeGreaterThanOrEqual(39); // a failure counts as work: back to 40
    expect(g).toBeLessThan(300);
    expect(schedule.failures).toBe(1);
  });

  it('keeps the interval without an idle rule, as a deployed schedule does', async () => {
    // Act
    const { gaps } = await run(['idle', 'idle', 'idle'], { intervalMs: 40 });

    // Assess
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(39);
      expect(gap).toBeLessThan(300);
    }
  });

  it('refuses a cap below the interval', () => {
    // Act
    const make = () =>
      new RateSchedule({
        name: 'test',
        intervalMs: 1_000,
        idle: { maxIntervalMs: 500, isIdle: () => true },
        target: async () => undefined,
      });

    // Assess
    expect(make).toThrow('idle.maxIntervalMs must be >= intervalMs');
  });
});
