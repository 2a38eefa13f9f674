import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, collectBundleSizes, formatBundleSizes } from '../src/bundle-sizes.js';

describe('collectBundleSizes', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-sizes-'));
    const template = {
      Resources: {
        SmallFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: { Code: { S3Key: 'aaa.zip' }, Description: 'small' },
        },
        BigFunction: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: 'bbb.zip' } } },
        ProviderFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: { Code: { S3Key: 'ccc.zip' } },
        },
        Queue: { Type: 'AWS::SQS::Queue' },
      },
    };
    writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify(template));
    mkdirSync(join(dir, 'asset.aaa'));
    writeFileSync(join(dir, 'asset.aaa', 'index.mjs'), 'x'.repeat(1000));
    writeFileSync(join(dir, 'asset.aaa', 'index.mjs.map'), '{}');
    mkdirSync(join(dir, 'asset.bbb'));
    writeFileSync(join(dir, 'asset.bbb', 'index.mjs'), 'y'.repeat(BUNDLE_BUDGET_BYTES + 1));
    mkdirSync(join(dir, 'asset.ccc'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sizes each function bundle by following its S3 key to the asset directory', () => {
    const sizes = collectBundleSizes(dir);
    expect(sizes.map((s) => [s.logicalId, s.bytes, s.mapBytes])).toEqual([
      ['SmallFunction', 1000, 2],
      ['BigFunction', BUNDLE_BUDGET_BYTES + 1, 0],
    ]);
  });

  it('flags bundles over the budget', () => {
    const table = formatBundleSizes(collectBundleSizes(dir));
    expect(table).toMatch(/SmallFunction .* ok$/m);
    expect(table).toMatch(/BigFunction .* over 500\.0 KB$/m);
  });
});
