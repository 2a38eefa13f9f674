export { decideOpenAccount, type OpenAccountDecision } from './account.js';
export { accountsTouched, decide } from './decide.js';
export * from './errors.js';
export { emptyAccount, evolve } from './evolve.js';
export { atmCashAccount, isBalanced, totals } from './legs.js';
export type * from './types.js';
