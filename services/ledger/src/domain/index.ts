export { decideOpenAccount, type OpenAccountDecision } from './account.js';
export {
  type AccountChange,
  accountChangesOf,
  applyAccountChange,
  applyAccountChanges,
  decidedAtOf,
  forgottenDays,
  oldestKeptDay,
} from './accountChanges.js';
export {
  type AccountPlan,
  accountPlansOf,
  applyPlan,
  meetsPlan,
  plansWrite,
} from './accountPlan.js';
export {
  authorizationBefore,
  decideAuthorization,
  decideHoldExpiry,
  evolveAuthorization,
  evolveAuthorizationState,
  exceedsDailyLimit,
  initialAuthorization,
} from './authorization.js';
export { accountsTouched, decide, decideExpiry, isFundsChecked } from './decide.js';
export * from './errors.js';
export {
  emptyAccount,
  entriesOf,
  evolve,
  evolveAccount,
  evolveRecord,
  initialRecord,
} from './evolve.js';
export {
  addToTotals,
  atmCashAccount,
  type ExactTotals,
  isBalanced,
  totals,
} from './legs.js';
export {
  authorizationRelianceOf,
  type HeldCondition,
  type Reliance,
  relianceOf,
  type WithdrawnCondition,
} from './reliance.js';
export * from './types.js';
