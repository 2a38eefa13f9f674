/**
 * Text helpers for notification messages. Everything a message shows about a
 * card or an account is masked here, in one place, so no message can carry a
 * full number by accident.
 */
import { formatMinorUnits, isActiveCurrency } from '@atm-ledger/contracts';

/** `**** 1234`: the only form in which a card ever appears. */
export const maskedCard = (panLast4: string) => `**** ${panLast4}`;

/**
 * An account as a bank's alert shows it: its last 4 characters. Short ids
 * (test and demo accounts) are shown whole, as there is nothing to hide.
 */
export const maskedAccount = (accountId: string) =>
  accountId.length > 4 ? `account ending ${accountId.slice(-4)}` : `account ${accountId}`;

/** Thousands separators keep long amounts readable, and no amount reads as a card number. */
const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * `-1,234.56 USD`, `150,000 JPY`, `1.500 BHD` from minor units, at the
 * currency's ISO 4217 exponent (contracts' `formatMinorUnits`: integer
 * arithmetic only, money is never a float, not even on its way to text).
 *
 * A message must go out whatever the event holds, so this never throws.
 * Without a currency (a rejection may name none), it shows the raw minor
 * units and says so. A code that is not an active ISO 4217 one, or a count
 * that is not an integer, cannot pass the contracts; should one arrive, its
 * exponent would be a guess, so it too is shown as raw minor units, with the
 * code, rather than failing the message or scaling it wrongly.
 */
export function formatMoney(minorUnits: number, currency: string | undefined): string {
  if (!Number.isInteger(minorUnits)) return `${minorUnits} minor units`;
  if (currency !== undefined && isActiveCurrency(currency)) {
    return formatMinorUnits(minorUnits, currency);
  }
  const sign = minorUnits < 0 ? '-' : '';
  const raw = `${sign}${grouped(BigInt(Math.abs(minorUnits)).toString())} minor units`;
  return currency === undefined ? raw : `${raw} of ${currency}`;
}
