import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeNonAscii } from '../src/ascii.js';

describe('escapeNonAscii', () => {
  it('escapes what is not printable ASCII, code unit by code unit, and keeps the rest', () => {
    expect(escapeNonAscii('ok é\u0000\uffff😀')).toBe('ok \\u00e9\\u0000\\uffff\\ud83d\\ude00');
  });

  it('leaves only printable ASCII, and JSON text parses back to the same value (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const escaped = escapeNonAscii(JSON.stringify(value));
        expect(escaped).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(escaped)).toBe(value);
      }),
    );
  });
});
