import type { OpenAccountRequest } from '@atm-ledger/contracts';
import { emptyAccount } from './evolve.js';
import type { Account } from './types.js';

export type OpenAccountDecision =
  | { readonly kind: 'Create'; readonly account: Account }
  | { readonly kind: 'Identical'; readonly account: Account }
  | { readonly kind: 'Conflict'; readonly account: Account };

/** Opening is idempotent: the same fields again is not an error, different fields are. */
export function decideOpenAccount(
  request: OpenAccountRequest,
  existing: Account | undefined,
  now: string,
): OpenAccountDecision {
  if (existing === undefined) {
    return { kind: 'Create', account: emptyAccount({ ...request, createdAt: now }) };
  }
  const same =
    existing.currency === request.currency &&
    existing.overdraftLimit === request.overdraftLimit &&
    existing.lowBalanceThreshold === request.lowBalanceThreshold &&
    existing.dailyWithdrawalLimit === request.dailyWithdrawalLimit;
  return { kind: same ? 'Identical' : 'Conflict', account: existing };
}
