import { data, publishDate } from 'currency-codes';

/**
 * ISO 4217 list one: every active alphabetic code and its minor-unit
 * exponent, taken from the maintained `currency-codes` package (data as
 * published by the ISO 4217 maintenance agency; bump the package to follow a
 * new amendment). `Intl` is not a source: it gives display digits, and for
 * some currencies those differ from ISO's (HUF is 2 in ISO 4217, 0 in `Intl`).
 *
 * Codes without a minor unit ("N.A.": XAU, XDR, XTS, XXX, ...) are active
 * and accepted; the package, and this table, count them as exponent 0.
 */
const TABLE: ReadonlyMap<string, number> = new Map(data.map((c) => [c.code, c.digits] as const));

/** The date of the ISO 4217 list the table follows. */
export const ISO_4217_PUBLISHED: string = publishDate;

/** Every active ISO 4217 alphabetic code, sorted. */
export const CURRENCY_CODES = [...TABLE.keys()].sort() as [string, ...string[]];

export const isActiveCurrency = (code: string): boolean => TABLE.has(code);

/**
 * Minor-unit exponent of an active ISO 4217 currency: 0 for JPY, 2 for USD
 * and HUF, 3 for BHD and IQD. Throws for a code that is not active, so no
 * amount is ever shown at a guessed scale.
 */
export function minorUnitExponent(code: string): number {
  const digits = TABLE.get(code);
  if (digits === undefined) throw new RangeError(`${code} is not an active ISO 4217 currency`);
  return digits;
}

/** Thousands separators keep long amounts readable, and no amount reads as a card number. */
const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * `-1,234.56 USD`, `150,000 JPY`, `1.500 BHD` from an integer count of minor
 * units, at the currency's ISO 4217 exponent, with integer arithmetic only:
 * money is never a float, not even on its way to text.
 */
export function formatMinorUnits(minorUnits: number | bigint, currency: string): string {
  const value = BigInt(minorUnits);
  const sign = value < 0n ? '-' : '';
  const abs = (value < 0n ? -value : value).toString();
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return `${sign}${grouped(abs)} ${currency}`;
  const padded = abs.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${sign}${grouped(whole)}.${fraction} ${currency}`;
}
