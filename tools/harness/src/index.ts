export * from './faults/index.js';
export { type FuzzApiOptions, type FuzzApiResult, formatFuzzSummary, fuzzApi } from './fuzz/api.js';
export * from './traffic/index.js';
