import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { startFirst } from '../src/sequencer.js';

const ROOT = '/repo/test';

/** Just what vitest's own sort reads of a file and of the run's cache. */
function sequencerFor(
  first: readonly string[],
  files: Record<string, { size: number; ms?: number }>,
) {
  const cache = {
    getFileTestResults: (key: string) => {
      const ms = files[key.slice(1)]?.ms;
      return ms === undefined ? undefined : { duration: ms, failed: false };
    },
    getFileStats: (key: string) => ({ size: files[key.slice(1)]?.size ?? 0 }),
  };
  const ctx = { config: { root: ROOT }, cache } as unknown as Vitest;
  const specs = Object.keys(files).map(
    (name) =>
      ({
        moduleId: `${ROOT}/${name}`,
        project: { name: '', config: { sequence: { groupOrder: 0 }, isolate: true } },
      }) as unknown as TestSpecification,
  );
  const Sequencer = startFirst(first);
  return {
    sort: async () =>
      (await new Sequencer(ctx).sort(specs)).map((s) => s.moduleId.slice(ROOT.length + 1)),
  };
}

describe('startFirst: the named files start first, the rest keep vitest order', () => {
  it('puts the named files first, in the given order, and the rest largest first (no timings)', async () => {
    // Prepare
    const { sort } = sequencerFor(['slow/b.test.ts', 'slow/a.test.ts'], {
      'big.test.ts': { size: 900 },
      'slow/a.test.ts': { size: 10 },
      'small.test.ts': { size: 100 },
      'slow/b.test.ts': { size: 20 },
    });

    // Act
    const order = await sort();

    // Assess
    expect(order).toEqual(['slow/b.test.ts', 'slow/a.test.ts', 'big.test.ts', 'small.test.ts']);
  });

  it('keeps vitest order, longest first, for the files it holds timings of', async () => {
    // Prepare
    const { sort } = sequencerFor(['named.test.ts'], {
      'quick.test.ts': { size: 900, ms: 100 },
      'named.test.ts': { size: 10, ms: 50 },
      'long.test.ts': { size: 100, ms: 9_000 },
    });

    // Act
    const order = await sort();

    // Assess
    expect(order).toEqual(['named.test.ts', 'long.test.ts', 'quick.test.ts']);
  });

  it('ignores a name that matches no file, and matches whole path segments only', async () => {
    // Prepare
    const { sort } = sequencerFor(['gone.test.ts', 'a.test.ts'], {
      'big.test.ts': { size: 900 },
      'xa.test.ts': { size: 500 },
      'dir/a.test.ts': { size: 10 },
    });

    // Act
    const order = await sort();

    // Assess
    expect(order).toEqual(['dir/a.test.ts', 'big.test.ts', 'xa.test.ts']);
  });
});
