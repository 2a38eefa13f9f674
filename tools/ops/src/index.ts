export { formatAuditReport } from './audit.js';
export { describeDrift, formatRebuildReport } from './rebuild.js';
export { type RedriveMethod, type RedriveOptions, type RedriveResult, redrive } from './redrive.js';
export {
  type DeliveryResult,
  inProcessDelivery,
  lambdaDelivery,
  type ReplayDelivery,
  type ReplayOptions,
  type ReplayReport,
  replay,
  type ShardReplay,
  type ShardStop,
} from './replay.js';
