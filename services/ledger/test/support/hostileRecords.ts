import {
  type AtmTransaction,
  type AtmTransactionRecord,
  CURRENCY_CODES,
  isReservedAccountId,
} from '@atm-ledger/contracts';
import fc from 'fast-check';
import { MAX_RECORD_BYTES, type PoisonReason } from '../../src/application/decodeRecord.js';

/**
 * Arbitraries for the Kinesis record decoder's fuzzing: valid records of every
 * transaction type, and the ways a record can be hostile, each with the
 * reason the ledger must park it for (when that reason is certain).
 */

export const KIB = 1024;
/** Kinesis's own limit on a record's data. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * KIB;

export const toBase64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

const arbIdentifier = () => fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const arbCurrency = () => fc.constantFrom(...CURRENCY_CODES);
/** A customer's account id: any identifier but the system accounts' namespaces. */
const arbAccountId = () => arbIdentifier().filter((id) => !isReservedAccountId(id));
const arbAmount = () => fc.integer({ min: 1, max: 1_000_000_000_000 });

/** RFC 3339, in UTC or with an offset, with and without fractions of a second. */
const arbTimestamp = () =>
  fc
    .tuple(
      fc.date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      fc.constantFrom('Z', '+02:00', '-11:30', '+00:00'),
      fc.boolean(),
    )
    .map(([date, offset, fraction]) => {
      const iso = date.toISOString();
      return `${fraction ? iso.slice(0, -1) : iso.slice(0, 19)}${offset}`;
    });

/** Any transaction the per-type shape accepts: exactly its type's fields, optional ones or not. */
export const arbTransaction = (): fc.Arbitrary<AtmTransaction> => {
  const common = {
    transactionId: arbIdentifier(),
    accountId: arbAccountId(),
    atmId: arbIdentifier(),
    occurredAt: arbTimestamp(),
    panLast4: fc.stringMatching(/^[0-9]{4}$/),
  };
  const money = { amount: arbAmount(), currency: arbCurrency() };
  // Every type requires these; panLast4 is the one optional field they share.
  const required = ['transactionId', 'accountId', 'atmId', 'occurredAt', 'type'] as const;
  return fc.oneof(
    fc.record(
      { ...common, ...money, type: fc.constantFrom('WITHDRAWAL' as const, 'DEPOSIT' as const) },
      { requiredKeys: [...required, 'amount', 'currency'] },
    ),
    fc.record(
      { ...common, ...money, toAccountId: arbAccountId(), type: fc.constant('TRANSFER' as const) },
      { requiredKeys: [...required, 'amount', 'currency', 'toAccountId'] },
    ),
    fc.record(
      { ...common, type: fc.constant('BALANCE_INQUIRY' as const) },
      { requiredKeys: [...required] },
    ),
    fc.record(
      {
        ...common,
        type: fc.constant('REVERSAL' as const),
        originalTransactionId: arbIdentifier(),
        dispensedAmount: fc.integer({ min: 0, max: 1_000_000_000_000 }),
      },
      { requiredKeys: [...required, 'originalTransactionId'] },
    ),
    // A reversal carrying the original's amount and currency, as ISO 8583 ones do: both or neither.
    fc.record(
      {
        ...common,
        ...money,
        type: fc.constant('REVERSAL' as const),
        originalTransactionId: arbIdentifier(),
      },
      { requiredKeys: [...required, 'originalTransactionId', 'amount', 'currency'] },
    ),
  );
};

/** A record ingest could have produced: any valid transaction, any correlation id. */
export const arbValidRecord = (): fc.Arbitrary<AtmTransactionRecord> =>
  fc
    .record({
      transaction: arbTransaction(),
      correlationId: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .filter((s) => s.length >= 1 && s.length <= 128),
      receivedAt: arbTimestamp(),
    })
    .map(({ transaction, correlationId, receivedAt }) => ({
      type: 'atm.transaction.accepted',
      schemaVersion: 1,
      id: transaction.transactionId,
      correlationId,
      receivedAt,
      transaction,
    }));

/** Keys that find something on Object.prototype, or that the decoder looks for. */
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'type',
  'schemaVersion',
  'transaction',
  'id',
];

/** Numbers as JSON text, including ones no double holds exactly or at all. */
const arbNumberText = () =>
  fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
    fc.integer().map(String),
    fc.constantFrom(
      '1e400',
      '-1e400',
      '1e-400',
      '-0',
      '1.0',
      '1.0000000000000001',
      '123456789012345678901234567890',
      '9007199254740993',
    ),
  );

const arbStringText = () =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(...HOSTILE_KEYS, 'atm.transaction.accepted', '\uffff', '\ufffe', '\u0000'),
  );

/**
 * JSON text of any shape, written by hand so that keys like `__proto__` are
 * own keys of the parsed object (an object literal would set the prototype),
 * and duplicate keys occur.
 */
export const arbJsonText = (): fc.Arbitrary<string> =>
  fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('null', 'true', 'false'),
      arbNumberText(),
      arbStringText().map((s) => JSON.stringify(s)),
      fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(
          fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), arbStringText()), tie('value')),
          { maxLength: 6 },
        )
        .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  })).value;

/** Arrays or objects nested thousands deep. */
export const arbDeepJsonText = (): fc.Arbitrary<string> =>
  fc
    .record({ depth: fc.integer({ min: 1, max: 20_000 }), field: fc.constantFrom(...HOSTILE_KEYS) })
    .chain(({ depth, field }) =>
      fc.constantFrom(
        `${'['.repeat(depth)}${']'.repeat(depth)}`,
        `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        `{"type":"atm.transaction.accepted","schemaVersion":1,"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        `{"${field}":${'{"x":'.repeat(depth)}null${'}'.repeat(depth)}}`,
      ),
    );

/** Any JSON value that is not 1 (the one schemaVersion known), or no value at all. */
const arbNotVersionOne = () =>
  fc.oneof(
    fc.constant(undefined),
    fc.integer().filter((n) => n !== 1),
    fc.double().filter((n) => n !== 1),
    fc.constantFrom('1', '1.0', null, true, [1], { version: 1 }),
    fc.string(),
  );

const arbUnknownTypeValue = () =>
  fc.oneof(
    fc.constantFrom(...HOSTILE_KEYS.filter((k) => k !== 'atm.transaction.accepted')),
    fc.string().filter((s) => s !== 'atm.transaction.accepted'),
    fc.constantFrom(undefined, null, 1, [], {}, ['atm.transaction.accepted']),
  );

/** A JSON object as text, with `overrides` written over the record's own fields (`undefined` drops one). */
const recordText = (record: AtmTransactionRecord, overrides: Record<string, unknown>) => {
  const fields: [string, unknown][] = Object.entries({ ...record, ...overrides });
  return `{${fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',')}}`;
};

/** Fields of a valid record made invalid, each in a way the contract certainly refuses. */
const BREAKAGES: readonly ((r: AtmTransactionRecord) => Record<string, unknown>)[] = [
  (r) => ({ transaction: { ...r.transaction, amount: -1 } }),
  (r) => ({ transaction: { ...r.transaction, amount: 1.5 } }),
  (r) => ({ transaction: { ...r.transaction, currency: 'euro' } }),
  (r) => ({ transaction: { ...r.transaction, type: 'REFUND' } }),
  (r) => ({ transaction: { ...r.transaction, type: 'constructor' } }),
  (r) => ({ transaction: { ...r.transaction, occurredAt: 'yesterday' } }),
  (r) => ({ transaction: { ...r.transaction, accountId: '' } }),
  (r) => ({ transaction: { ...r.transaction, panLast4: '4111111111111111' } }),
  () => ({ transaction: null }),
  (r) => ({ transaction: [r.transaction] }),
  () => ({ id: 'not the transaction id' }),
  (r) => ({ id: `${r.id}x` }),
  () => ({ correlationId: '' }),
  () => ({ receivedAt: 0 }),
];

/** A hostile record with the reason the ledger must give for it. */
export interface Poison {
  readonly what: string;
  readonly data: string;
  readonly reason: PoisonReason;
}

export const arbGarbage = (): fc.Arbitrary<Poison> =>
  // A leading 0xff is never UTF-8, so the verdict is certain.
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => ({
    what: 'garbage bytes',
    data: toBase64(Buffer.concat([Buffer.from([0xff]), bytes])),
    reason: 'NOT_JSON',
  }));

export const arbUnknownVersion = (): fc.Arbitrary<Poison> =>
  fc.tuple(arbValidRecord(), arbNotVersionOne()).map(([record, schemaVersion]) => ({
    what: `schemaVersion ${JSON.stringify(schemaVersion)}`,
    data: toBase64(recordText(record, { schemaVersion })),
    reason: 'UNKNOWN_SCHEMA_VERSION',
  }));

export const arbUnknownType = (): fc.Arbitrary<Poison> =>
  fc.tuple(arbValidRecord(), arbUnknownTypeValue()).map(([record, type]) => ({
    what: `type ${JSON.stringify(type)}`,
    data: toBase64(recordText(record, { type })),
    reason: 'UNKNOWN_TYPE',
  }));

export const arbInvalidRecord = (): fc.Arbitrary<Poison> =>
  fc
    .tuple(arbValidRecord(), fc.integer({ min: 0, max: BREAKAGES.length - 1 }))
    .map(([record, i]) => ({
      what: `breakage ${i}`,
      data: toBase64(recordText(record, BREAKAGES[i]?.(record) ?? {})),
      reason: 'INVALID_RECORD',
    }));

/** Past the limit, up to what Kinesis allows: the start of a valid record, then padding. */
export const arbOversized = (maxBytes = KINESIS_MAX_RECORD_BYTES): fc.Arbitrary<Poison> =>
  fc
    .tuple(arbValidRecord(), fc.integer({ min: MAX_RECORD_BYTES + 1, max: maxBytes }))
    .map(([record, size]) => {
      const json = JSON.stringify(record).slice(0, -1);
      const bytes = Buffer.alloc(size, 0x20);
      bytes.write(json);
      bytes.write(',"padding":"', json.length);
      bytes.write('"}', size - 2);
      return { what: `${size} bytes`, data: bytes.toString('base64'), reason: 'RECORD_TOO_LARGE' };
    });

/** Every kind of poison whose reason is certain. */
export const arbPoison = (maxBytes?: number): fc.Arbitrary<Poison> =>
  fc.oneof(
    arbGarbage(),
    arbUnknownVersion(),
    arbUnknownType(),
    arbInvalidRecord(),
    arbOversized(maxBytes),
  );
