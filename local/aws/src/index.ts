export * from './esm/index.js';
export {
  type GatewayOptions,
  type GatewayRoute,
  type HttpEvent,
  type HttpHandler,
  type HttpResult,
  LocalGateway,
} from './gateway/gateway.js';
export * from './moto/index.js';
export * from './pipe/index.js';
export { RateSchedule, type RateScheduleOptions } from './scheduler/rate-schedule.js';
export { type BatchItemFailures, readBatchItemFailures } from './shared/batch-item-failures.js';
export { pause, type RetryPolicy, retryDelayMs } from './shared/timing.js';
export * from './sqs/index.js';
