import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, sleep } from '../src/backoff.js';

describe('backoffDelayMs', () => {
  it('draws below a doubling ceiling that stops at maxMs', () => {
    // Prepare
    const policy = { baseMs: 100, maxMs: 1_000 };
    const top = () => 0.999_999;

    // Act
    const ceilings = [1, 2, 3, 4, 5, 50].map((attempt) => backoffDelayMs(policy, attempt, top));

    // Assess
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });

  it('draws from Math.random by default: full jitter', () => {
    // Prepare
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);

    // Act
    const delay = backoffDelayMs({ baseMs: 100, maxMs: 1_000 }, 2);

    // Assess
    expect(delay).toBe(100);
    random.mockRestore();
  });

  it('stays finite and capped for an attempt count past any realistic retry budget', () => {
    // Act
    const delay = backoffDelayMs({ baseMs: 1, maxMs: 5_000 }, 10_000, () => 0.5);

    // Assess
    expect(delay).toBe(2_500);
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the time given', async () => {
    // Prepare
    vi.useFakeTimers();
    let done = false;

    // Act
    const slept = sleep(100).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    const early = done;
    await vi.advanceTimersByTimeAsync(1);
    await slept;

    // Assess
    expect(early).toBe(false);
    expect(done).toBe(true);
  });

  it('resolves at once when its signal aborts, so a retry loop stops without waiting', async () => {
    // Prepare
    const abort = new AbortController();

    // Act
    const slept = sleep(60_000, abort.signal);
    abort.abort();

    // Assess
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(60_000, abort.signal)).resolves.toBeUndefined();
  });
});
