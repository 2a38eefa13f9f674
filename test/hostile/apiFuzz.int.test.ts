import { randomUUID } from 'node:crypto';
import { formatFuzzSummary, fuzzApi } from '@atm-ledger/harness';
import { describe, expect, inject, it } from 'vitest';

/** Cases per operation and phase; `FUZZ_MAX_EXAMPLES=200 npm test` digs deeper. */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 10);
/** A fixed seed, so a failure here reproduces with `npm run fuzz:api -- --seed <it>`. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);

/**
 * schemathesis against the API's own OpenAPI document, on a local cloud of
 * its own (see docs/hostile-input.md): boundary values and random data for
 * every operation, POSTs with schema-invalid data only.
 */
describe('API fuzzing: schemathesis from GET /v1/openapi.json', () => {
  it('finds no 5xx, only problem+json 4xx, every invalid POST refused, no state change, every valid POST accepted', async () => {
    // Prepare
    const prefix = `fz-${randomUUID().slice(0, 8)}`;

    // Act
    const result = await fuzzApi({
      awsEndpoint: inject('awsEndpoint'),
      prefix,
      maxExamples: MAX_EXAMPLES,
      seed: SEED,
      output: 'capture',
    });

    // Assess
    const summary = formatFuzzSummary(result);
    const { noWrites, validPosts } = result;
    expect(noWrites.failures, `${summary}\n\nschemathesis:\n${noWrites.output}`).toEqual([]);
    expect(noWrites.errors, summary).toEqual([]);
    expect(result.stateChanges, summary).toEqual([]);
    expect(noWrites.exitCode, summary).toBe(0);
    expect(noWrites.operations.tested, summary).toBe(noWrites.operations.selected);
    expect(noWrites.operations.tested, summary).toBe(10);
    expect(noWrites.cases, summary).toBeGreaterThan(200);
    expect(result.stateSize?.items, 'the seeded data is in the snapshot').toBeGreaterThan(0);
    expect(validPosts?.failures, `${summary}\n\nschemathesis:\n${validPosts?.output}`).toEqual([]);
    expect(validPosts?.operations.tested, summary).toBe(3);
    expect(result.ok, summary).toBe(true);
  }, 240_000);
});
