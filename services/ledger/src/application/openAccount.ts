import type { OpenAccountRequest } from '@atm-ledger/contracts';
import type { Clock } from '@atm-ledger/runtime';
import { type Account, AccountConflictError, decideOpenAccount } from '../domain/index.js';
import type { AccountRegistry, LedgerReader } from '../ports.js';

/** Opens an account idempotently. Throws AccountConflictError if it exists with other fields. */
export async function openAccount(
  deps: { store: Pick<LedgerReader, 'getAccount'> & AccountRegistry; clock: Clock },
  request: OpenAccountRequest,
): Promise<{ created: boolean; account: Account }> {
  const existing = await deps.store.getAccount(request.accountId);
  const decision = decideOpenAccount(request, existing, deps.clock.now().toISOString());
  switch (decision.kind) {
    case 'Identical':
      return { created: false, account: decision.account };
    case 'Conflict':
      throw conflict(request, decision.account);
    case 'Create': {
      const result = await deps.store.createAccount(decision.account);
      if (result.created) return result;
      // Lost a race with another open of the same id: judge against the winner.
      const again = decideOpenAccount(request, result.account, deps.clock.now().toISOString());
      if (again.kind === 'Conflict') throw conflict(request, result.account);
      return { created: false, account: result.account };
    }
    default: {
      const never: never = decision;
      throw new Error(`unhandled ${JSON.stringify(never)}`);
    }
  }
}

function conflict(request: OpenAccountRequest, existing: Account): AccountConflictError {
  return new AccountConflictError(
    `account ${request.accountId} exists with currency ${existing.currency}, overdraftLimit ${existing.overdraftLimit}, lowBalanceThreshold ${existing.lowBalanceThreshold}, dailyWithdrawalLimit ${existing.dailyWithdrawalLimit ?? 'none'}; the request asked for ${request.currency}, ${request.overdraftLimit}, ${request.lowBalanceThreshold}, ${request.dailyWithdrawalLimit ?? 'none'}`,
  );
}
