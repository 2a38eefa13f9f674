/**
 * Text helpers for notification messages. Everything a message shows about a
 * card or an account is masked here, in one place, so no message can carry a
 * full number by accident.
 */

/** `**** 1234`: the only form in which a card ever appears. */
export const maskedCard = (panLast4: string) => `**** ${panLast4}`;

/**
 * An account as a bank's alert shows it: its last 4 characters. Short ids
 * (test and demo accounts) are shown whole, as there is nothing to hide.
 */
export const maskedAccount = (accountId: string) =>
  accountId.length > 4 ? `account ending ${accountId.slice(-4)}` : `account ${accountId}`;

const digitsCache = new Map<string, number>();

/** Minor-unit exponent of an ISO 4217 currency (2 for USD, 0 for JPY, 3 for BHD). */
function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Thousands separators keep long amounts readable, and no amount reads as a card number. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * `-1,234.56 USD` from minor units, with integer arithmetic only: money is
 * never a float, not even on its way to text.
 */
export function formatMoney(minorUnits: number, currency: string | undefined): string {
  const sign = minorUnits < 0 ? '-' : '';
  const abs = Math.abs(minorUnits);
  if (currency === undefined) return `${sign}${grouped(abs)} minor units`;
  const digits = currencyDigits(currency);
  if (digits === 0) return `${sign}${grouped(abs)} ${currency}`;
  const scale = 10 ** digits;
  const whole = Math.floor(abs / scale);
  const fraction = String(abs % scale).padStart(digits, '0');
  return `${sign}${grouped(whole)}.${fraction} ${currency}`;
}
