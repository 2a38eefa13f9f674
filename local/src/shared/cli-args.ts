import { InvalidArgumentError } from 'commander';

/** Argument parsers shared by the CLI's commands; each refuses with a message commander prints. */

export const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
};

export const nonNegativeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
};

export const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected an integer > 0');
  return n;
};

export const nonNegativeInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
};

export const fraction = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('expected a fraction between 0 and 1');
  return n;
};

export const seedArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new InvalidArgumentError('expected an integer in [0, 4294967295]');
  return n;
};
