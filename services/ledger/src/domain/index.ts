export { decideOpenAccount, type OpenAccountDecision } from './account.js';
export { accountsTouched, decide, decideExpiry } from './decide.js';
export * from './errors.js';
export { emptyAccount, evolve } from './evolve.js';
export {
  addToTotals,
  atmCashAccount,
  type ExactTotals,
  isBalanced,
  totals,
} from './legs.js';
export * from './types.js';
