export { forEachLimited, type PreparedAccounts, prepareAccounts } from './accounts.js';
export { type ApiAuth, type ApiResponse, LedgerApiClient } from './api.js';
export {
  addWorkloadOptions,
  apiClientFor,
  type GeneratorOptions,
  type GeneratorResult,
  type GeneratorTarget,
  postCommand,
  runGenerator,
} from './generator.js';
export { Prng } from './prng.js';
export { formatMs, type TrafficProgress, trafficProgress } from './progress.js';
export { runSchedule, type ScheduleOptions, type SendStats, type SentRequest } from './schedule.js';
export { NodeSha256, type SigV4Options, signedHeaders, sigV4Signer } from './sigv4.js';
export {
  authorizeThrough,
  HttpSink,
  KinesisSink,
  type SendOutcome,
  type TrafficSink,
} from './sinks.js';
export {
  authorizationIdOf,
  DEFAULT_MIX,
  DEFAULT_SETTLEMENT_MIX,
  DEFAULT_WORKLOAD,
  expectedStatus,
  generateWorkload,
  INVALID_DEFECTS,
  type InvalidDefect,
  isAuthorizationBody,
  SETTLEMENTS,
  type Settlement,
  type TrafficRequest,
  type Workload,
  type WorkloadOptions,
} from './workload.js';
