import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FUNCTIONS,
  type FunctionId,
  functionEnvironment,
  LEDGER_STREAM_MAPPING,
  NOTIFIERS,
} from '../src/topology.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('topology: functions', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionId[])('%s has an entry module that exists', (id) => {
    expect(existsSync(`${repoRoot}${FUNCTIONS[id].entry}`)).toBe(true);
  });

  it('fixes only variables a function reads', () => {
    for (const [id, spec] of Object.entries(FUNCTIONS)) {
      const env: readonly string[] = spec.env;
      for (const name of Object.keys(spec.fixedEnv)) expect(env, `${id}: ${name}`).toContain(name);
    }
  });
});

describe('functionEnvironment', () => {
  it('gives a function exactly its names, fixed values under the pool', () => {
    // Prepare
    const pool = {
      LEDGER_TABLE_NAME: 't',
      LEDGER_HOLD_TTL_SECONDS: '60',
      LEDGER_POISON_QUEUE_URL: 'http://q',
      LEDGER_REVERSAL_WINDOW_SECONDS: '5',
      LEDGER_STREAM_NAME: 's',
    };
    // Act
    const env = functionEnvironment('ledgerStream', pool);
    // Assess
    expect(env).toEqual({
      LEDGER_TABLE_NAME: 't',
      LEDGER_HOLD_TTL_SECONDS: '60',
      LEDGER_POISON_QUEUE_URL: 'http://q',
      LEDGER_REVERSAL_WINDOW_SECONDS: '5',
      LEDGER_BATCH_CONCURRENCY: '10',
    });
    expect(functionEnvironment('ledgerStream', { ...pool, LEDGER_BATCH_CONCURRENCY: '3' })).toEqual(
      expect.objectContaining({ LEDGER_BATCH_CONCURRENCY: '3' }),
    );
  });

  it('refuses a pool without a variable the function needs, naming it', () => {
    expect(() => functionEnvironment('ingest', { LEDGER_TABLE_NAME: 't' })).toThrow(
      'function ingest: no value for LEDGER_STREAM_NAME',
    );
  });

  it('sets an optional variable only when the pool has it', () => {
    const base = { NOTIFIER_TABLE_NAME: 'n', NOTIFIER_KINDS: 'RECEIPT', NOTIFIER_CHANNEL: 'jsonl' };
    expect(Object.keys(functionEnvironment('notifier', base)).sort()).toEqual([
      'NOTIFIER_CHANNEL',
      'NOTIFIER_KINDS',
      'NOTIFIER_TABLE_NAME',
    ]);
    expect(
      functionEnvironment('notifier', { ...base, NOTIFIER_JSONL_PATH: '/tmp/n' }),
    ).toHaveProperty('NOTIFIER_JSONL_PATH', '/tmp/n');
  });
});

describe('topology: settings derived from others', () => {
  it('gives up on a Kinesis record at half the retention, at most a week', () => {
    expect(LEDGER_STREAM_MAPPING.maximumRecordAgeInSeconds(86_400)).toBe(43_200);
    expect(LEDGER_STREAM_MAPPING.maximumRecordAgeInSeconds(168 * 3600)).toBe(302_400);
    expect(LEDGER_STREAM_MAPPING.maximumRecordAgeInSeconds(8760 * 3600)).toBe(604_800);
  });

  it('keeps a notifier message invisible for six function timeouts', () => {
    for (const spec of Object.values(NOTIFIERS)) {
      expect(spec.queue.visibilityTimeoutSeconds).toBe(6 * FUNCTIONS.notifier.timeoutSeconds);
    }
  });
});
