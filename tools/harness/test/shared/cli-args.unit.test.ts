import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  fraction,
  nonNegativeInteger,
  nonNegativeNumber,
  positiveInteger,
  positiveNumber,
  seedArg,
} from '../../src/shared/cli-args.js';

describe('CLI argument parsers', () => {
  it.each([
    {
      parse: positiveNumber,
      accepts: ['0.5', '6', '1e3'],
      refuses: ['0', '-1', 'x', 'Infinity'],
      message: 'expected a number > 0',
    },
    {
      parse: nonNegativeNumber,
      accepts: ['0', '2.5'],
      refuses: ['-0.1', 'NaN'],
      message: 'expected a number ≥ 0',
    },
    {
      parse: positiveInteger,
      accepts: ['1', '40'],
      refuses: ['0', '1.5', '9007199254740993'],
      message: 'expected an integer > 0',
    },
    {
      parse: nonNegativeInteger,
      accepts: ['0', '7'],
      refuses: ['-1', '0.5'],
      message: 'expected an integer ≥ 0',
    },
    {
      parse: fraction,
      accepts: ['0', '0.25', '1'],
      refuses: ['1.01', '-0.5'],
      message: 'expected a fraction between 0 and 1',
    },
    {
      parse: seedArg,
      accepts: ['0', '4294967295'],
      refuses: ['4294967296', '-1', '1.5'],
      message: 'expected an integer in [0, 4294967295]',
    },
  ])(
    '$message: returns the number or refuses with that message',
    ({ parse, accepts, refuses, message }) => {
      for (const value of accepts) expect(parse(value)).toBe(Number(value));
      for (const value of refuses) {
        expect(() => parse(value)).toThrow(InvalidArgumentError);
        expect(() => parse(value)).toThrow(message);
      }
    },
  );
});
