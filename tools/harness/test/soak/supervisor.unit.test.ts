import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeCommand } from '../../src/soak/supervisor.js';

describe('runtimeCommand: which harness CLI the supervisor starts', () => {
  it('runs the TypeScript CLI through tsx, with the source condition, from source', () => {
    // Act
    const args = runtimeCommand('/repo', 'source');

    // Assess
    expect(args).toEqual([
      '--conditions=source',
      '--import',
      'tsx',
      join('/repo', 'tools', 'harness', 'src', 'cli.ts'),
    ]);
  });

  it('runs the compiled CLI, with no loader, from dist', () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'supervisor-'));
    mkdirSync(join(root, 'tools', 'harness', 'dist'), { recursive: true });
    writeFileSync(join(root, 'tools', 'harness', 'dist', 'cli.js'), '');

    // Act
    const args = runtimeCommand(root, 'dist');

    // Assess
    expect(args).toEqual([join(root, 'tools', 'harness', 'dist', 'cli.js')]);
  });

  it('refuses dist when it was never built, saying what to run', () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'supervisor-'));

    // Act, Assess
    expect(() => runtimeCommand(root, 'dist')).toThrow(/cli\.js is missing: run `npm run build`/);
  });
});
