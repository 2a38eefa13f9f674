export {
  AWS_SERVICES,
  type AwsEndpoint,
  type AwsEndpointConfig,
  AwsEndpointSetting,
  type AwsService,
  endpointFor,
  formatAwsEndpoint,
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
export { type FunctionRuntime, functionRuntime, type HandlerOptions } from './handler.js';
export {
  type BodyResult,
  correlationIdOf,
  type FieldError,
  fieldErrors,
  type HttpEvent,
  type HttpResult,
  headerValue,
  json,
  jsonOrNotFound,
  MAX_BODY_BYTES,
  notFound,
  parseJsonBody,
  parsePathParameter,
  problem,
  requestOrigin,
  stringifyExact,
  validationProblem,
  withHeaders,
} from './http.js';
export { type LaneOptions, type LaneReport, processInLanes } from './lanes.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
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
