import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../src/pipe/event-pattern.js';

/** A filter on the new image, shaped like the ledger's: only TRANSACTION items pass. */
const ENTITY_FILTER = { dynamodb: { NewImage: { entity: { S: ['TRANSACTION'] } } } };

const match = (pattern: object, event: unknown) =>
  matchesEventPattern(parseEventPattern(pattern), event);

describe('event patterns (pipe filter criteria)', () => {
  it('keeps stream records whose new image is a transaction item, and only those', () => {
    // Prepare
    const record = (newImage?: object) => ({
      eventName: 'MODIFY',
      dynamodb: { Keys: { pk: { S: 'x' } }, ...(newImage ? { NewImage: newImage } : {}) },
    });

    // Assess
    expect(match(ENTITY_FILTER, record({ entity: { S: 'TRANSACTION' } }))).toBe(true);
    expect(match(ENTITY_FILTER, record({ entity: { S: 'ACCOUNT' } }))).toBe(false);
    expect(match(ENTITY_FILTER, record({ pk: { S: 'TX#1' } }))).toBe(false);
    expect(match(ENTITY_FILTER, record())).toBe(false);
  });

  it('matches exact values, any element of an array, and nested objects', () => {
    const event = { a: 'x', n: 5, tags: ['p', 'q'], nested: { flag: true, none: null } };

    expect(match({ a: ['y', 'x'] }, event)).toBe(true);
    expect(match({ n: [5] }, event)).toBe(true);
    expect(match({ tags: ['q'] }, event)).toBe(true);
    expect(match({ nested: { flag: [true], none: [null] } }, event)).toBe(true);
    expect(match({ a: ['X'] }, event)).toBe(false);
    expect(match({ missing: ['x'] }, event)).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case, anything-but, exists and numeric', () => {
    const event = { s: 'ledger.transaction.posted', n: 7 };

    expect(match({ s: [{ prefix: 'ledger.' }] }, event)).toBe(true);
    expect(match({ s: [{ suffix: '.posted' }] }, event)).toBe(true);
    expect(match({ s: [{ 'equals-ignore-case': 'LEDGER.TRANSACTION.POSTED' }] }, event)).toBe(true);
    expect(match({ s: [{ 'anything-but': ['x', 'y'] }] }, event)).toBe(true);
    expect(match({ s: [{ 'anything-but': { prefix: 'ledger.' } }] }, event)).toBe(false);
    expect(match({ s: [{ exists: true }], gone: [{ exists: false }] }, event)).toBe(true);
    expect(match({ gone: [{ exists: true }] }, event)).toBe(false);
    expect(match({ n: [{ numeric: ['>', 5, '<=', 7] }] }, event)).toBe(true);
    expect(match({ n: [{ numeric: ['<', 5] }] }, event)).toBe(false);
  });

  it('matches $or when any branch matches', () => {
    const pattern = { $or: [{ a: ['1'] }, { b: ['2'] }] };

    expect(match(pattern, { b: '2' })).toBe(true);
    expect(match(pattern, { a: '2', b: '1' })).toBe(false);
  });

  it('refuses patterns it cannot evaluate rather than matching nothing', () => {
    expect(() => parseEventPattern('{not json')).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern({ a: [{ wildcard: '*x' }] })).toThrow(/unsupported matcher/);
    expect(() => parseEventPattern({ a: [] })).toThrow(/empty list/);
    expect(() => parseEventPattern({ a: 'x' })).toThrow(/expected an object/);
    expect(() => parseEventPattern({ n: [{ numeric: ['~', 1] }] })).toThrow(/numeric expects/);
  });
});
