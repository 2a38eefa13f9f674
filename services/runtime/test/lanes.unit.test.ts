import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { processInLanes } from '../src/lanes.js';

interface Item {
  readonly lane: string;
  readonly id: string;
  /** How long processing takes, to tempt reordering. */
  readonly ms?: number;
  readonly fails?: 'throws' | 'false';
}

const item = (lane: string, id: string, extra: Partial<Item> = {}): Item => ({
  lane,
  id,
  ...extra,
});

/** Processes items, recording the order they started in and the most that ran at once. */
function recorder() {
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const process = async (i: Item) => {
    started.push(i.id);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await delay(i.ms ?? 0);
      if (i.fails === 'throws') throw new Error(`${i.id} broke`);
      return i.fails !== 'false';
    } finally {
      inFlight -= 1;
    }
  };
  return { started, process, maxInFlight: () => maxInFlight };
}

describe('processInLanes', () => {
  it("processes one lane's items in order, however long each takes", async () => {
    // Prepare
    const r = recorder();
    const batch = [item('a', 'a1', { ms: 20 }), item('a', 'a2', { ms: 0 }), item('a', 'a3')];

    // Act
    const report = await processInLanes(batch, { laneOf: (i) => i.lane, concurrency: 4, ...r });

    // Assess
    expect(r.started).toEqual(['a1', 'a2', 'a3']);
    expect(report).toEqual({ failed: [], skipped: [] });
  });

  it('runs different lanes at once, never more than the concurrency', async () => {
    // Prepare
    const r = recorder();
    const batch = ['a', 'b', 'c', 'd', 'e'].map((lane) => item(lane, lane, { ms: 10 }));

    // Act
    await processInLanes(batch, { laneOf: (i) => i.lane, concurrency: 2, ...r });

    // Assess
    expect(r.maxInFlight()).toBe(2);
    expect([...r.started].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('stops a lane at its first failure, thrown or resolved false, and lets the others finish', async () => {
    // Prepare
    const r = recorder();
    const errors: string[] = [];
    const batch = [
      item('a', 'a1'),
      item('b', 'b1', { fails: 'throws' }),
      item('a', 'a2', { fails: 'false' }),
      item('b', 'b2'),
      item('a', 'a3'),
      item('c', 'c1'),
    ];

    // Act
    const report = await processInLanes(batch, {
      laneOf: (i) => i.lane,
      concurrency: 3,
      ...r,
      onError: (i, error) => errors.push(`${i.id}: ${(error as Error).message}`),
    });

    // Assess
    expect(report.failed.map((i) => i.id)).toEqual(['b1', 'a2']);
    expect(report.skipped.map((i) => i.id)).toEqual(['b2', 'a3']);
    expect(r.started).not.toContain('b2');
    expect(r.started).not.toContain('a3');
    expect(r.started).toContain('c1');
    expect(errors).toEqual(['b1: b1 broke']);
  });

  it('keeps equal items apart: each position in the batch is its own', async () => {
    // Prepare
    const calls: string[] = [];

    // Act
    const report = await processInLanes(['x', 'x', 'y'], {
      laneOf: () => 'one lane',
      concurrency: 1,
      process: async (value) => {
        calls.push(value);
        return calls.length < 2;
      },
    });

    // Assess
    expect(report).toEqual({ failed: ['x'], skipped: ['y'] });
    expect(calls).toEqual(['x', 'x']);
  });

  it('does nothing for an empty batch', async () => {
    // Act
    const report = await processInLanes([], {
      laneOf: String,
      concurrency: 0,
      process: async () => true,
    });

    // Assess
    expect(report).toEqual({ failed: [], skipped: [] });
  });
});
