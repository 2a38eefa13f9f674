import type { LedgerEvent } from '@atm-ledger/contracts';
import type { Account, LedgerState } from './types.js';

/**
 * What in the state a decision relies on, besides the accounts it moves
 * (which their own writes condition on their version) and its transaction id
 * (written once). The store writes the decision conditional on these still
 * holding, so a decision made from a state that has moved on never lands.
 */
export interface Reliance {
  /** Accounts that must still be at the version the decision read. */
  readonly unchanged: readonly Account[];
  /** Accounts whose absence the decision relied on. */
  readonly absent: readonly string[];
}

const NOTHING: Reliance = { unchanged: [], absent: [] };

/**
 * A balance inquiry relies on the balance it showed; a refusal for funds or
 * for a bound, on the balances it read; a refusal for a missing account, on
 * its absence. Every other refusal follows from what never changes (the
 * request, an account's currency, an original's payload and final status,
 * a reversal mark that is never taken back), so it relies on nothing.
 */
export function relianceOf(state: LedgerState, event: LedgerEvent): Reliance {
  const read = [...state.accounts];
  const present = read.map(([, a]) => a).filter((a): a is Account => a !== undefined);
  switch (event.type) {
    case 'ledger.transaction.posted':
      return event.transactionType === 'BALANCE_INQUIRY'
        ? { unchanged: present, absent: [] }
        : NOTHING;
    case 'ledger.transaction.rejected':
      switch (event.reason) {
        case 'INSUFFICIENT_FUNDS':
        case 'LIMIT_EXCEEDED':
          return { unchanged: present, absent: [] };
        case 'ACCOUNT_NOT_FOUND':
          return {
            unchanged: [],
            absent: read.filter(([, a]) => a === undefined).map(([id]) => id),
          };
        default:
          return NOTHING;
      }
    case 'ledger.reversal.pending':
    case 'ledger.transaction.conflict':
      return NOTHING;
    default: {
      const never: never = event;
      return never;
    }
  }
}
