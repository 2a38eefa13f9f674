import { InvalidArgumentError } from 'commander';

/** Argument parsers shared by the CLI's commands; each refuses with a message commander prints. */

/** A parser of numbers that `accepts`, refusing anything else as "expected <what>". */
const numberArg =
  (accepts: (n: number) => boolean, what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!accepts(n)) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };

export const positiveNumber = numberArg((n) => Number.isFinite(n) && n > 0, 'a number > 0');

export const nonNegativeNumber = numberArg((n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0');

export const positiveInteger = numberArg((n) => Number.isSafeInteger(n) && n > 0, 'an integer > 0');

export const nonNegativeInteger = numberArg(
  (n) => Number.isSafeInteger(n) && n >= 0,
  'an integer ≥ 0',
);

export const fraction = numberArg(
  (n) => Number.isFinite(n) && n >= 0 && n <= 1,
  'a fraction between 0 and 1',
);

export const seedArg = numberArg(
  (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff,
  'an integer in [0, 4294967295]',
);
