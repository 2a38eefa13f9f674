import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The size the project aims to keep each minified handler bundle under. */
export const BUNDLE_BUDGET_BYTES = 500 * 1024;

export interface BundleSize {
  readonly stack: string;
  readonly logicalId: string;
  readonly description: string;
  /** The minified handler module (index.mjs). */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The source map next to it, uploaded in the same zip. */
  readonly mapBytes: number;
}

interface Template {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/**
 * Sizes of every Lambda bundle in a synthesized cloud assembly. A function's
 * `Code.S3Key` is `<asset hash>.zip`, and the bundle sits in
 * `asset.<asset hash>/` of the same directory.
 */
export function collectBundleSizes(cloudAssemblyDir: string): BundleSize[] {
  const sizes: BundleSize[] = [];
  for (const file of templateFiles(cloudAssemblyDir)) {
    const template = JSON.parse(readFileSync(join(cloudAssemblyDir, file), 'utf8')) as Template;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
      if (typeof code?.S3Key !== 'string') continue;
      const assetDir = join(cloudAssemblyDir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = ['index.mjs', 'index.js']
        .map((f) => join(assetDir, f))
        .find((f) => existsSync(f));
      // Assets CDK ships itself (custom resource providers) carry no bundle of ours.
      if (bundle === undefined) continue;
      const map = `${bundle}.map`;
      sizes.push({
        stack: file.replace(/\.template\.json$/, ''),
        logicalId,
        description: String(resource.Properties?.Description ?? ''),
        bytes: statSync(bundle).size,
        gzipBytes: gzipSync(readFileSync(bundle)).length,
        mapBytes: existsSync(map) ? statSync(map).size : 0,
      });
    }
  }
  return sizes;
}

/**
 * The templates of the last synth. The CLI leaves other stages' templates in
 * the directory, so the manifest, not a directory listing, says which count.
 */
function templateFiles(cloudAssemblyDir: string): string[] {
  const manifestPath = join(cloudAssemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    return readdirSync(cloudAssemblyDir)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.values(manifest.artifacts ?? {})
    .filter(
      (a) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile !== undefined,
    )
    .map((a) => a.properties?.templateFile as string)
    .sort();
}

export function formatBundleSizes(sizes: readonly BundleSize[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const rows = sizes.map((s) => [
    s.logicalId,
    kb(s.bytes),
    kb(s.gzipBytes),
    kb(s.mapBytes),
    s.bytes > BUNDLE_BUDGET_BYTES ? `over ${kb(BUNDLE_BUDGET_BYTES)}` : 'ok',
  ]);
  const header = ['function', 'minified', 'gzip', 'source map', 'budget'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/*
 * `node dist/bundle-sizes.js [cdk.out] [--strict]` after a synth.
 * --strict exits 1 when a bundle is over budget, for CI once the budget holds.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? 'cdk.out');
  if (!existsSync(dir)) {
    console.error(`${dir} does not exist: run the synth script first`);
    process.exit(1);
  }
  const sizes = collectBundleSizes(dir);
  if (sizes.length === 0) {
    console.error(`no function bundles in ${dir}: was the synth run with bundling skipped?`);
    process.exit(1);
  }
  console.log(formatBundleSizes(sizes));
  if (args.includes('--strict') && sizes.some((s) => s.bytes > BUNDLE_BUDGET_BYTES))
    process.exit(1);
}
