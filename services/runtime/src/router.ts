import type { Route, ServiceName } from '@atm-ledger/contracts';
import { isAtmLedgerError } from './errors.js';
import { correlationIdOf, type HttpEvent, type HttpResult, problem } from './http.js';
import type { Logger } from './logger.js';
import { type MetricsSink, MetricUnit } from './metrics.js';

/** The route keys `contracts` gives a service: what its router serves, no more and no less. */
export type RouteKeyOf<S extends ServiceName> = Extract<Route, { service: S }>['routeKey'];

export type RouteHandler = (event: HttpEvent) => Promise<HttpResult>;

/**
 * A service's routes, keyed by its route keys in `ROUTES`: a key missing, or
 * one of another service, is a type error, so a route that API Gateway sends
 * to a function cannot go unserved there.
 */
export type Routes<S extends ServiceName> = { readonly [K in RouteKeyOf<S>]: RouteHandler };

/** How an error with a stable code is answered. */
export interface ProblemMapping {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  /** The problem's detail; the error's own message when absent. */
  readonly detail?: (correlationId: string) => string;
  /** Logs the error as an error under this message; a mapped error is expected, and not logged otherwise. */
  readonly log?: string;
}

export interface RouterOptions {
  readonly logger: Logger;
  /** Error codes to problems: the service's one table where its errors meet HTTP. */
  readonly problems?: Readonly<Record<string, ProblemMapping>>;
  /** The detail of a 500, for an error no code maps; it must not carry the error's message. */
  readonly internalDetail?: (correlationId: string) => string;
  /**
   * Counts `RequestsFailed` for each request a route threw on, and publishes
   * what a request counted once it is answered (nothing when it counted
   * nothing: an empty publish only makes Powertools warn).
   */
  readonly metrics?: MetricsSink;
}

const defaultInternalDetail = (correlationId: string) =>
  `Request ${correlationId} failed; it is logged under that id`;

/**
 * The edge of an HTTP function (API Gateway HTTP API, payload v2): routes on
 * `routeKey`, answers 404 for a key it does not serve, and maps what a route
 * throws once, here, to a problem+json answer.
 */
export function createRouter<S extends ServiceName>(
  routes: Routes<S>,
  options: RouterOptions,
): RouteHandler {
  const table: Readonly<Record<string, RouteHandler>> = routes;
  return async (event) => {
    // Own keys only: a route key such as `constructor` must not find Object.prototype's.
    const route = Object.hasOwn(table, event.routeKey) ? table[event.routeKey] : undefined;
    if (route === undefined) {
      return problem(404, 'no-route', 'No such route', `No route ${event.routeKey}`);
    }
    try {
      return await route(event);
    } catch (error) {
      options.metrics?.addMetric('RequestsFailed', MetricUnit.Count, 1);
      return failure(error, event, options);
    } finally {
      if (options.metrics?.hasStoredMetrics()) options.metrics.publishStoredMetrics();
    }
  };
}

function failure(error: unknown, event: HttpEvent, options: RouterOptions): HttpResult {
  const correlationId = correlationIdOf(event);
  const where = { routeKey: event.routeKey, correlationId };
  const mapped = isAtmLedgerError(error) ? options.problems?.[error.code] : undefined;
  if (mapped !== undefined) {
    if (mapped.log !== undefined) options.logger.error(mapped.log, { ...where, error });
    const detail = mapped.detail?.(correlationId) ?? (error as Error).message;
    return problem(mapped.status, mapped.slug, mapped.title, detail);
  }
  options.logger.error('unhandled error', { ...where, error: error as Error });
  const detail = (options.internalDetail ?? defaultInternalDetail)(correlationId);
  return problem(500, 'internal', 'Internal error', detail);
}
