import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultJournal, readFaultJournal } from '../../src/faults/index.js';

describe('FaultJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fault-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per fault and counts each class', () => {
    // Prepare
    const path = join(dir, 'nested', 'faults.jsonl');
    const journal = new FaultJournal(path);

    // Act
    journal.record('throttle', 'dynamodb.PutItem');
    journal.record('throttle', 'kinesis.PutRecords');
    journal.record('timeout-after-write', 'dynamodb.TransactWriteItems');

    // Assess
    expect(journal.counts()).toMatchObject({
      throttle: 2,
      'timeout-after-write': 1,
      'server-error': 0,
      'kill-after-write': 0,
    });
    const records = readFaultJournal(path);
    expect(records.map((r) => [r.fault, r.detail])).toEqual([
      ['throttle', 'dynamodb.PutItem'],
      ['throttle', 'kinesis.PutRecords'],
      ['timeout-after-write', 'dynamodb.TransactWriteItems'],
    ]);
    expect(records.every((r) => r.pid === process.pid && !Number.isNaN(Date.parse(r.at)))).toBe(
      true,
    );
  });

  it('counts in memory only when it has no file', () => {
    // Prepare
    const journal = new FaultJournal();

    // Act
    journal.record('server-error', 'sns.Publish');

    // Assess
    expect(journal.counts()['server-error']).toBe(1);
  });
});

describe('readFaultJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fault-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('skips a torn last line, as a writer killed mid-append leaves it', () => {
    // Prepare
    const path = join(dir, 'faults.jsonl');
    new FaultJournal(path).record('kill-after-write', 'dynamodb.PutItem');
    appendFileSync(path, `${JSON.stringify({ at: 'x', pid: 1, fault: 'restart', detail: '' })}\n`);
    appendFileSync(path, '{"at":"2026-11-27T10:00:00.000Z","pid":12');

    // Act
    const records = readFaultJournal(path);

    // Assess
    expect(records.map((r) => r.fault)).toEqual(['kill-after-write', 'restart']);
  });

  it('reads a missing file as an empty journal', () => {
    // Act / Assess
    expect(readFaultJournal(join(dir, 'never-written.jsonl'))).toEqual([]);
  });

  it('refuses a broken line that is not the last, naming the line', () => {
    // Prepare
    const path = join(dir, 'faults.jsonl');
    writeFileSync(path, 'garbage\n{"at":"a","pid":1,"fault":"throttle","detail":""}\n');

    // Act / Assess
    expect(() => readFaultJournal(path)).toThrow(`${path}:1: not a JSON line`);
  });
});
