export { decideOpenAccount, type OpenAccountDecision } from './account.js';
export { accountsTouched, decide, decideExpiry } from './decide.js';
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
export { type Reliance, relianceOf } from './reliance.js';
export * from './types.js';
