import {
  type AwsEndpointConfig,
  type AwsService,
  type SdkRequestHandlerDecorator,
  sdkClientOptions,
} from './aws.js';
import { type Clock, systemClock } from './clock.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import { createMetrics, type MetricsSink } from './metrics.js';

/**
 * What a host may change about a function besides its configuration. A Lambda
 * entry passes nothing and gets the platform's defaults; the local cloud and
 * tests pass their own, so production code holds no seam for them.
 */
export interface HandlerOptions {
  /** Wraps the HTTP handler of every SDK client the function builds (the local cloud's faults). */
  readonly requestHandler?: SdkRequestHandlerDecorator | undefined;
  readonly clock?: Clock | undefined;
  /** The logger's level; absent, Powertools reads POWERTOOLS_LOG_LEVEL. */
  readonly logLevel?: LogLevel | undefined;
  /** Where metrics go; `false` for none. Absent, CloudWatch EMF from the function's log. */
  readonly metrics?: MetricsSink | false | undefined;
}

/** What every function builds once, per instance, from its options. */
export interface FunctionRuntime {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsSink | undefined;
  /** Options for an SDK client of this function: its endpoint, and the host's request handler. */
  clientOptions(
    service: AwsService,
    extra?: { readonly maxSockets?: number },
  ): ReturnType<typeof sdkClientOptions>;
}

export function functionRuntime(
  serviceName: string,
  endpoint: AwsEndpointConfig,
  options: HandlerOptions = {},
): FunctionRuntime {
  return {
    clock: options.clock ?? systemClock,
    logger: createLogger(serviceName, options.logLevel),
    metrics:
      options.metrics === false ? undefined : (options.metrics ?? createMetrics(serviceName)),
    clientOptions: (service, extra = {}) =>
      sdkClientOptions(endpoint, { ...extra, service, requestHandler: options.requestHandler }),
  };
}
