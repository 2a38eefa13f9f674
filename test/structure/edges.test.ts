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

/*
 * Packages depend on each other only through their declared dependencies:
 * no file (source, test or config) reaches into another package by relative
 * path, and the dependency graph, dev dependencies included, has no cycle.
 */

interface Workspace {
  readonly name: string;
  readonly dir: string;
  readonly dependencies: readonly string[];
}

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  workspaces: string[];
};

function workspaces(): Workspace[] {
  return rootManifest.workspaces.flatMap((pattern) => {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(root, pattern.slice(0, -2), e.name))
      : [join(root, pattern)];
    return dirs.flatMap((dir) => {
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      const deps = {
        ...(manifest.dependencies as Record<string, string> | undefined),
        ...(manifest.devDependencies as Record<string, string> | undefined),
        ...(manifest.peerDependencies as Record<string, string> | undefined),
      };
      return [{ name: manifest.name as string, dir, dependencies: Object.keys(deps) }];
    });
  });
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'cdk.out', '.turbo', 'coverage']);

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return codeFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Specifiers of static imports, dynamic imports, re-exports and `new URL(…, import.meta.url)`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /import\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /import\s+['"]([^'"]+)['"]/g,
    /new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) if (match[1]) found.push(match[1]);
  }
  return found;
}

describe('packages', () => {
  const all = workspaces();

  it('are found', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it("never reach into another package's files by relative path", () => {
    const offenders: string[] = [];
    for (const pkg of all) {
      const nested = all.filter((p) => p !== pkg && p.dir.startsWith(`${pkg.dir}/`));
      for (const file of codeFiles(pkg.dir)) {
        if (nested.some((n) => file.startsWith(`${n.dir}/`))) continue;
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (!spec.startsWith('.')) continue;
          const target = join(file, '..', spec);
          if (target.startsWith(`${pkg.dir}/`)) continue;
          // The repository root and its docs belong to no package; another package's files do.
          const owner = all.find((p) => p !== pkg && `${target}/`.startsWith(`${p.dir}/`));
          if (owner) offenders.push(`${name(file)} → ${spec} (in ${owner.name})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('form a graph without a cycle, dev dependencies included', () => {
    const byName = new Map(all.map((p) => [p.name, p]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (pkg: Workspace, path: string[]) => {
      if (state.get(pkg.name) === 'done') return;
      if (state.get(pkg.name) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(pkg.name)), pkg.name].join(' → '));
        return;
      }
      state.set(pkg.name, 'visiting');
      for (const dep of pkg.dependencies) {
        const next = byName.get(dep);
        if (next) visit(next, [...path, pkg.name]);
      }
      state.set(pkg.name, 'done');
    };
    for (const pkg of all) visit(pkg, []);
    expect(cycles).toEqual([]);
  });

  it('the local AWS runtime depends on nothing of ours', () => {
    const localAws = all.find((p) => p.name === '@atm-ledger/local-aws');
    expect(localAws?.dependencies.filter((d) => byScope(d))).toEqual([]);
  });
});

const byScope = (dep: string) => dep.startsWith('@atm-ledger/');

describe('the local side', () => {
  it('reads its environment in one config module (children may inherit it whole)', () => {
    const dirs = [
      join(root, 'local', 'cloud', 'src'),
      join(root, 'tools', 'harness', 'src'),
      join(root, 'tools', 'ops', 'src'),
    ];
    const offenders = dirs.flatMap(sources).filter((f) => {
      if (name(f) === 'local/cloud/src/config.ts') return false;
      const code = readFileSync(f, 'utf8')
        .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
        .replace(/\.\.\.process\.env\b/g, '');
      return /process\.env/.test(code);
    });
    expect(offenders.map(name)).toEqual([]);
  });
});
