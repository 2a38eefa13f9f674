export { type BatchJobDeps, type BatchJobReport, type BatchWindow, runBatchJob } from './job.js';
export { BatchLanding, type LandedTransaction, type LandingResult } from './landing.js';
export { type BatchTableNames, batchTableNames, ensureBatchTables } from './resources.js';
export { BatchScheduler, type BatchSchedulerOptions } from './scheduler.js';
