import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Packages that load the AWS SDK or Powertools: I/O and process-wide state the domain must not have. */
const FORBIDDEN = /(?:^|\/)node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools)\//;

/**
 * Every module a bundle of `entry` takes in, as esbuild resolves it: with the
 * `source` condition, so workspace packages are read from their sources and
 * no build of theirs can hide an import.
 */
async function importGraph(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

const forbiddenIn = (inputs: readonly string[]) =>
  [...new Set(inputs.map((i) => FORBIDDEN.exec(i)?.[1]).filter((p) => p !== undefined))].sort();

describe('domain: import graph', () => {
  it('reaches nothing that loads the AWS SDK or Powertools', async () => {
    // Act
    const inputs = await importGraph('../../src/domain/index.ts');

    // Assess
    expect(inputs.some((i) => i.endsWith('runtime/src/errors.ts'))).toBe(true);
    expect(forbiddenIn(inputs)).toEqual([]);
  });

  it('would see them: the runtime barrel the domain once imported reaches Powertools and Smithy', async () => {
    // Act
    const inputs = await importGraph('../../../runtime/src/index.ts');

    // Assess
    expect(forbiddenIn(inputs)).toEqual(['@aws-lambda-powertools', '@smithy']);
  });
});
