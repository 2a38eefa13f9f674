export {
  type AwsEndpointConfig,
  decorateSdkRequestHandlers,
  type SdkClientOptionsInput,
  type SdkRequestHandlerDecorator,
  sdkClientOptions,
} from './aws.js';
export { type BackoffPolicy, backoffDelayMs, sleep } from './backoff.js';
export { type Clock, systemClock } from './clock.js';
export { loadConfig } from './config.js';
export {
  AtmLedgerError,
  ConfigurationError,
  isAtmLedgerError,
  isConfigurationError,
} from './errors.js';
export {
  type BodyResult,
  correlationIdOf,
  type FieldError,
  fieldErrors,
  type HttpEvent,
  type HttpResult,
  headerValue,
  json,
  MAX_BODY_BYTES,
  notFound,
  parseJsonBody,
  problem,
  stringifyExact,
  validationProblem,
} from './http.js';
export { type LaneOptions, type LaneReport, processInLanes } from './lanes.js';
export { createLogger, type Logger } from './logger.js';
export {
  createMetrics,
  InMemoryMetricsSink,
  type Metrics,
  type MetricsSink,
  MetricUnit,
} from './metrics.js';
export {
  createRouter,
  type ProblemMapping,
  type RouteHandler,
  type RouteKeyOf,
  type RouterOptions,
  type Routes,
} from './router.js';
