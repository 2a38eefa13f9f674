import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The shape the services keep: thin handlers, configuration read once from
 * the environment by the Lambda entry, and nothing in production code that
 * exists only so a host can reach into it.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const services = ['ingest', 'ledger', 'notifier', 'runtime'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const productionFiles = services.flatMap((s) => sources(join(root, 'services', s, 'src')));
const handlerFiles = productionFiles.filter((f) => f.includes('/src/handlers/'));
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').length;
const name = (file: string) => relative(root, file);

describe('handlers', () => {
  it('are found', () => {
    expect(handlerFiles.length).toBeGreaterThanOrEqual(8);
  });

  it('are at most 80 lines each', () => {
    const long = handlerFiles.filter((f) => lines(f) > 80).map((f) => `${name(f)}: ${lines(f)}`);
    expect(long).toEqual([]);
  });

  it('Lambda entries build their function from the environment, through a create…Handler', () => {
    const entries = handlerFiles.filter((f) =>
      /export const handler = /.test(readFileSync(f, 'utf8')),
    );
    expect(entries.map(name).sort()).toEqual([
      'services/ingest/src/handlers/http.ts',
      'services/ledger/src/handlers/api.ts',
      'services/ledger/src/handlers/kinesis.ts',
      'services/ledger/src/handlers/publish.ts',
      'services/ledger/src/handlers/timers.ts',
      'services/notifier/src/handlers/sqs.ts',
    ]);
    for (const entry of entries) {
      expect(readFileSync(entry, 'utf8'), name(entry)).toMatch(
        /export const handler = create\w+Handler\((read\w+Config\(process\.env\))?\);/,
      );
    }
  });
});

describe('production code', () => {
  it('never writes process.env, and reads it only in the Lambda entries', () => {
    const offenders = productionFiles.filter((f) => {
      const text = readFileSync(f, 'utf8');
      const writes =
        /process\.env(\.\w+|\[[^\]]+\])\s*(=[^=]|\?\?=)|Object\.assign\(\s*process\.env|delete process\.env/.test(
          text,
        );
      const entry = f.includes('/src/handlers/') && /export const handler = /.test(text);
      const reads = /process\.env/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''));
      // The metrics namespace is Powertools' own setting, read where the sink is built.
      const allowed = entry || name(f) === 'services/runtime/src/metrics.ts';
      return writes || (reads && !allowed);
    });
    expect(offenders.map(name)).toEqual([]);
  });

  it('holds no module-global hook for a host to install', () => {
    const hooks = productionFiles.filter((f) =>
      /^let \w+(Decorator|Hook|Override)\b/m.test(readFileSync(f, 'utf8')),
    );
    expect(hooks.map(name)).toEqual([]);
  });
});
