import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeRecord, MAX_RECORD_BYTES } from '../../src/application/decodeRecord.js';
import { aReversal, aTransfer, aWithdrawal } from '../support/builders.js';
import { atmRecord, base64Json } from '../support/events.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A valid record padded with an ignored field to exactly `bytes` bytes of JSON. */
function recordOfSize(bytes: number): string {
  const empty = JSON.stringify(atmRecord(aWithdrawal(), { padding: '' }));
  const json = JSON.stringify(
    atmRecord(aWithdrawal(), { padding: 'x'.repeat(bytes - empty.length) }),
  );
  expect(Buffer.byteLength(json)).toBe(bytes);
  return b64(json);
}

describe('decodeRecord', () => {
  it('decodes a record ingest produced', () => {
    // Prepare
    const record = atmRecord(aWithdrawal());

    // Act
    const result = decodeRecord(base64Json(record));

    // Assess
    expect(result).toEqual({ ok: true, record });
  });

  it('accepts a record of exactly MAX_RECORD_BYTES and parks one byte more as RECORD_TOO_LARGE', () => {
    // Act
    const atLimit = decodeRecord(recordOfSize(MAX_RECORD_BYTES));
    const over = decodeRecord(recordOfSize(MAX_RECORD_BYTES + 1));

    // Assess
    expect(atLimit.ok).toBe(true);
    expect(over).toEqual({
      ok: false,
      reason: 'RECORD_TOO_LARGE',
      detail: `${MAX_RECORD_BYTES + 1} bytes, at most ${MAX_RECORD_BYTES}`,
      bytes: MAX_RECORD_BYTES + 1,
    });
  });

  describe('an oversized record', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('is refused from its length alone, before it is decoded or parsed', () => {
      // Prepare: the largest record Kinesis allows
      const data = Buffer.alloc(1024 * 1024, '{').toString('base64');
      const from = vi.spyOn(Buffer, 'from');
      const parse = vi.spyOn(JSON, 'parse');

      // Act
      const result = decodeRecord(data);

      // Assess
      expect(result).toMatchObject({ ok: false, reason: 'RECORD_TOO_LARGE', bytes: 1024 * 1024 });
      expect(from).not.toHaveBeenCalled();
      expect(parse).not.toHaveBeenCalled();
    });
  });

  it.each([
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x00]).toString('base64')],
    ['truncated JSON', b64('{"type":"atm.transaction.accepted"')],
    ['an empty record', ''],
    ['a JSON array', b64('[1,2]')],
    ['JSON null', b64('null')],
    ['a JSON string', b64('"hello"')],
  ])('calls %s NOT_JSON', (_what, data) => {
    expect(decodeRecord(data)).toMatchObject({ ok: false, reason: 'NOT_JSON' });
  });

  it('calls a record of a type it does not know UNKNOWN_TYPE, naming the type', () => {
    const result = decodeRecord(
      base64Json(atmRecord(aWithdrawal(), { type: 'atm.transaction.refunded' })),
    );

    expect(result).toMatchObject({ ok: false, reason: 'UNKNOWN_TYPE' });
    expect(!result.ok && result.detail).toContain('atm.transaction.refunded');
  });

  it('calls a record without a type UNKNOWN_TYPE', () => {
    expect(decodeRecord(base64Json(atmRecord(aWithdrawal(), { type: undefined })))).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_TYPE',
    });
  });

  it.each([
    ['a newer version', 2],
    ['a version as a string', '1'],
    ['no version', undefined],
  ])('calls %s UNKNOWN_SCHEMA_VERSION, listing the known ones', (_what, schemaVersion) => {
    const result = decodeRecord(base64Json(atmRecord(aWithdrawal(), { schemaVersion })));

    expect(result).toMatchObject({ ok: false, reason: 'UNKNOWN_SCHEMA_VERSION' });
    expect(!result.ok && result.detail).toMatch(/known: 1$/);
  });

  it('calls a record with an invalid field INVALID_RECORD, naming the field', () => {
    const result = decodeRecord(base64Json(atmRecord(aWithdrawal({ amount: -5 }))));

    expect(result).toMatchObject({ ok: false, reason: 'INVALID_RECORD' });
    expect(!result.ok && result.detail).toContain('transaction.amount');
  });

  it('calls a record whose id is not its transaction’s id INVALID_RECORD', () => {
    const result = decodeRecord(
      base64Json(atmRecord(aWithdrawal({ transactionId: 'w-1' }), { id: 'w-2' })),
    );

    expect(result).toMatchObject({
      ok: false,
      reason: 'INVALID_RECORD',
      detail: 'id differs from transaction.transactionId',
    });
  });

  // The ledger cannot post these, and retrying will not change that: without this they
  // fail their account's lane on every delivery (or, for a reversal, pend for ever).
  it.each([
    ['a WITHDRAWAL without an amount', aWithdrawal({ amount: undefined })],
    ['a WITHDRAWAL without a currency', aWithdrawal({ currency: undefined })],
    ['a TRANSFER without a destination', aTransfer({ toAccountId: undefined })],
    ['a REVERSAL without an original', aReversal('w-1', { originalTransactionId: undefined })],
  ])('calls %s INVALID_RECORD', (_what, tx) => {
    expect(decodeRecord(base64Json(atmRecord(tx)))).toMatchObject({
      ok: false,
      reason: 'INVALID_RECORD',
    });
  });

  // Found by the fuzzing in decodeRecord.property.test.ts: each of these threw, so its
  // record failed on every delivery and stalled its account for good.
  it.each([['constructor'], ['__proto__'], ['toString'], ['hasOwnProperty']])(
    'calls a record whose type is the Object.prototype key %s UNKNOWN_TYPE',
    (type) => {
      const json = `{"type":${JSON.stringify(type)},"schemaVersion":1}`;

      expect(decodeRecord(b64(json))).toMatchObject({ ok: false, reason: 'UNKNOWN_TYPE' });
    },
  );

  it.each([
    ['type', (deep: string) => `{"type":${deep}}`, 'UNKNOWN_TYPE'],
    [
      'schemaVersion',
      (deep: string) => `{"type":"atm.transaction.accepted","schemaVersion":${deep}}`,
      'UNKNOWN_SCHEMA_VERSION',
    ],
  ])('describes a deeply nested %s without overflowing the stack', (_field, json, reason) => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;

    expect(decodeRecord(b64(json(deep)))).toMatchObject({
      ok: false,
      reason,
      detail: expect.stringContaining('an array'),
    });
  });

  it('never quotes the record in a NOT_JSON detail: the parser’s message would show a card number', () => {
    // JSON.parse says: Unexpected token 'p', "pan=4111111111111111" is not valid JSON
    const result = decodeRecord(b64('pan=4111111111111111'));

    expect(result).toMatchObject({ ok: false, reason: 'NOT_JSON' });
    expect(!result.ok && result.detail).not.toContain('4111');
  });

  it('escapes what it quotes to printable ASCII, which any log line and SQS message can carry', () => {
    const result = decodeRecord(b64('{"type":"\\uffff\\ufffe\\u0000é"}'));

    expect(result).toMatchObject({ ok: false, reason: 'UNKNOWN_TYPE' });
    expect(!result.ok && result.detail).toMatch(/^[\x20-\x7e]+$/);
    expect(!result.ok && result.detail).toContain('\\uffff');
  });

  it('keeps the detail short whatever the record holds', () => {
    const result = decodeRecord(b64(JSON.stringify({ type: 'x'.repeat(60_000) })));

    expect(!result.ok && result.detail.length).toBeLessThanOrEqual(510);
  });
});
