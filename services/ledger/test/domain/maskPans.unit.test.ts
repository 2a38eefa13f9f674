import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPans, maskPansInBase64 } from '../../src/domain/maskPans.js';

describe('maskPans', () => {
  it.each([
    ['4111111111111111', '************1111'],
    ['pan=4111 1111 1111 1111;', 'pan=**** **** **** 1111;'],
    ['5500-0000-0000-0004', '****-****-****-0004'],
    ['{"pan":"6011000990139424"}', '{"pan":"************9424"}'],
  ])('masks all but the last 4 digits of %s', (input, output) => {
    expect(maskPans(input)).toEqual({ text: output, masked: 1 });
  });

  it('leaves short numbers, amounts and dates alone', () => {
    for (const text of ['amount 10000', '2026-11-27T10:00:00Z', 'atm-1', '12345678901']) {
      expect(maskPans(text)).toEqual({ text, masked: 0 });
    }
  });

  it('never leaves 12 consecutive digits, and keeps the length', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', '-', 'a', '"') }), (s) => {
        const { text } = maskPans(s);
        expect(text).toHaveLength(s.length);
        expect(text.replace(/[ -]/g, '')).not.toMatch(/\d{12}/);
      }),
    );
  });

  it('masks inside base64 data byte for byte, binary around it untouched', () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 255, 128]),
      Buffer.from('4111111111111111'),
      Buffer.from([7]),
    ]);
    const { data, masked } = maskPansInBase64(bytes.toString('base64'));
    const out = Buffer.from(data, 'base64');
    expect(masked).toBe(1);
    expect([...out.subarray(0, 3)]).toEqual([0, 255, 128]);
    expect(out.subarray(3, 19).toString('latin1')).toBe('************1111');
    expect(out.at(-1)).toBe(7);
    const clean = Buffer.from('no card here').toString('base64');
    expect(maskPansInBase64(clean)).toEqual({ data: clean, masked: 0 });
  });
});
