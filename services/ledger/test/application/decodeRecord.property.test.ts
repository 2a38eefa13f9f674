import { AtmTransactionRecord, AtmTransactionShape } from '@atm-ledger/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecodeResult,
  decodeRecord,
  MAX_RECORD_BYTES,
  POISON_REASONS,
} from '../../src/application/decodeRecord.js';
import { numRuns } from '../support/arbitraries.js';
import {
  arbDeepJsonText,
  arbJsonText,
  arbOversized,
  arbPoison,
  arbValidRecord,
  toBase64,
} from '../support/hostileRecords.js';

/**
 * Fuzzing of the Kinesis record decoder. Whatever the bytes, it must return,
 * never throw (a throw fails the record on every delivery and stalls its
 * account), with either a record the contract accepts or a poison verdict
 * with a known reason and a detail fit for a log line and an SQS body.
 */

const runs = { numRuns: numRuns() };

/** The verdict's invariants, whatever the input. */
function assertVerdict(data: string, result: DecodeResult): void {
  if (result.ok) {
    expect(AtmTransactionRecord.safeParse(result.record).success).toBe(true);
    expect(AtmTransactionShape.safeParse(result.record.transaction).success).toBe(true);
    expect(result.record.id).toBe(result.record.transaction.transactionId);
    return;
  }
  expect(POISON_REASONS).toContain(result.reason);
  // Printable ASCII, short, never empty.
  expect(result.detail).toMatch(/^[\x20-\x7e]{1,503}$/);
  expect(result.bytes).toBe(Buffer.byteLength(data, 'base64'));
}

const decodes = (data: string) => {
  const result = decodeRecord(data);
  assertVerdict(data, result);
  return result;
};

describe('decodeRecord (property)', () => {
  it('gives a verdict for any string at all, base64 or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (data) => {
        decodes(data);
      }),
      runs,
    );
  });

  it('gives a verdict for arbitrary bytes (invalid UTF-8, binary, empty)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4_000 }), (bytes) => {
        const result = decodes(toBase64(bytes));
        if (bytes.length === 0) expect(result).toMatchObject({ ok: false, reason: 'NOT_JSON' });
      }),
      runs,
    );
  });

  it('gives a verdict for JSON of any shape, with __proto__, constructor and duplicate keys and huge numbers', () => {
    fc.assert(
      fc.property(arbJsonText(), (json) => {
        const result = decodes(toBase64(json));
        const value: unknown = JSON.parse(json);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          expect(result).toMatchObject({ ok: false, reason: 'NOT_JSON' });
        }
        // Whatever it held, the prototype everyone shares is untouched.
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      runs,
    );
  });

  it('gives a verdict for JSON nested thousands deep', () => {
    fc.assert(
      fc.property(arbDeepJsonText(), (json) => {
        expect(decodes(toBase64(json)).ok).toBe(false);
      }),
      runs,
    );
  });

  it('sorts a record by its type, then its schemaVersion, whatever they are', () => {
    const anything = () =>
      fc.oneof(
        arbJsonText().map((j): unknown => JSON.parse(j)),
        fc.constant(undefined),
      );
    fc.assert(
      fc.property(
        arbValidRecord(),
        fc.oneof(fc.constant('atm.transaction.accepted'), anything()),
        fc.oneof(fc.constant(1), anything()),
        (record, type, schemaVersion) => {
          const data = toBase64(JSON.stringify({ ...record, type, schemaVersion }));

          const result = decodes(data);

          if (type !== 'atm.transaction.accepted') {
            expect(result).toMatchObject({ ok: false, reason: 'UNKNOWN_TYPE' });
          } else if (schemaVersion !== 1) {
            expect(result).toMatchObject({ ok: false, reason: 'UNKNOWN_SCHEMA_VERSION' });
          } else {
            expect(result).toEqual({ ok: true, record });
          }
        },
      ),
      runs,
    );
  });

  it('round-trips every valid record: encoded as ingest does, decoded to the same record', () => {
    fc.assert(
      fc.property(arbValidRecord(), (record) => {
        expect(decodes(toBase64(JSON.stringify(record)))).toEqual({ ok: true, record });
      }),
      runs,
    );
  });

  it('gives a verdict for a valid record with any one field replaced by any JSON', () => {
    fc.assert(
      fc.property(
        arbValidRecord(),
        fc.boolean(),
        fc.nat(),
        arbJsonText(),
        (record, inTransaction, pick, json) => {
          const value: unknown = JSON.parse(json);
          const target: Record<string, unknown> = inTransaction
            ? { ...record.transaction }
            : { ...record };
          const keys = Object.keys(target);
          target[keys[pick % keys.length] ?? 'id'] = value;
          const mutated = inTransaction ? { ...record, transaction: target } : target;

          const sent = JSON.stringify(mutated);

          const result = decodes(toBase64(sent));

          // Compared with the JSON it was sent as, which writes -0 as 0.
          if (result.ok) expect(result.record).toEqual(JSON.parse(sent));
        },
      ),
      runs,
    );
  });

  it('parks every kind of poison with its own reason', () => {
    fc.assert(
      fc.property(arbPoison(), (poison) => {
        expect(decodes(poison.data)).toMatchObject({ ok: false, reason: poison.reason });
      }),
      runs,
    );
  });

  it('parks any record past the limit, up to Kinesis’s 1 MiB, as RECORD_TOO_LARGE with its size', () => {
    fc.assert(
      fc.property(arbOversized(), (poison) => {
        const bytes = Buffer.byteLength(poison.data, 'base64');
        expect(decodes(poison.data)).toEqual({
          ok: false,
          reason: 'RECORD_TOO_LARGE',
          detail: `${bytes} bytes, at most ${MAX_RECORD_BYTES}`,
          bytes,
        });
      }),
      runs,
    );
  });

  it('accepts a valid record exactly when it is within the limit', () => {
    fc.assert(
      fc.property(
        arbValidRecord(),
        fc.integer({ min: MAX_RECORD_BYTES - 64, max: MAX_RECORD_BYTES + 64 }),
        (record, size) => {
          const bare = Buffer.byteLength(JSON.stringify({ ...record, padding: '' }));
          const json = JSON.stringify({ ...record, padding: ' '.repeat(size - bare) });
          expect(Buffer.byteLength(json)).toBe(size);

          const result = decodes(toBase64(json));

          expect(result.ok).toBe(size <= MAX_RECORD_BYTES);
        },
      ),
      runs,
    );
  });
});
