import { describe, expect, it, vi } from 'vitest';
import { AtmLedgerError } from '../src/errors.js';
import { type HttpEvent, json } from '../src/http.js';
import { createLogger } from '../src/logger.js';
import { InMemoryMetricsSink, MetricUnit } from '../src/metrics.js';
import { createRouter, type RouteHandler } from '../src/router.js';

const event = (routeKey: string, headers: Record<string, string> = {}): HttpEvent =>
  ({
    version: '2.0',
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  }) as unknown as HttpEvent;

class DependencyDownError extends AtmLedgerError {
  readonly code = 'DEPENDENCY_DOWN';
}
class NotAllowedError extends AtmLedgerError {
  readonly code = 'NOT_ALLOWED';
}

const ok: RouteHandler = async () => json(200, { ok: true });
const throwing =
  (error: unknown): RouteHandler =>
  async () => {
    throw error;
  };

function setup(transactions: RouteHandler = ok) {
  const logger = createLogger('router-test');
  logger.setLogLevel('SILENT');
  const metrics = new InMemoryMetricsSink();
  const router = createRouter<'ingest'>(
    {
      'POST /v1/transactions': transactions,
      'GET /v1/openapi.json': ok,
      'GET /v1/health': async () => {
        metrics.addMetric('HealthRead', MetricUnit.Count, 1);
        return json(200, {});
      },
    },
    {
      logger,
      metrics,
      problems: {
        DEPENDENCY_DOWN: {
          status: 503,
          slug: 'unavailable',
          title: 'Temporarily unavailable',
          detail: (id) => `retry (request ${id})`,
          log: 'dependency unavailable',
        },
        NOT_ALLOWED: { status: 403, slug: 'forbidden', title: 'Forbidden' },
      },
    },
  );
  return { router, logger, metrics };
}

const body = (result: Awaited<ReturnType<RouteHandler>>) =>
  JSON.parse(String(result.body)) as Record<string, unknown>;

describe('createRouter', () => {
  it("serves each of the service's routes by route key", async () => {
    // Act
    const result = await setup().router(event('GET /v1/openapi.json'));

    // Assess
    expect(result.statusCode).toBe(200);
  });

  it('answers 404 no-route for a key it does not serve, own keys only', async () => {
    // Prepare
    const { router } = setup();

    // Act
    const results = await Promise.all(
      ['POST /v1/accounts', 'constructor', '__proto__'].map((key) => router(event(key))),
    );

    // Assess
    for (const result of results) {
      expect(result.statusCode).toBe(404);
      expect(body(result)).toMatchObject({ type: '/problems/no-route' });
    }
  });

  it("maps an error by its code to the table's problem, with its detail, and logs it when told to", async () => {
    // Prepare
    const { router, logger } = setup(throwing(new DependencyDownError('stream down')));
    const error = vi.spyOn(logger, 'error');

    // Act
    const result = await router(event('POST /v1/transactions', { 'x-correlation-id': 'c-1' }));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(body(result)).toMatchObject({
      type: '/problems/unavailable',
      detail: 'retry (request c-1)',
    });
    expect(error).toHaveBeenCalledWith(
      'dependency unavailable',
      expect.objectContaining({ correlationId: 'c-1', routeKey: 'POST /v1/transactions' }),
    );
  });

  it("uses the error's message as the detail when the table gives none, and does not log it", async () => {
    // Prepare
    const { router, logger } = setup(throwing(new NotAllowedError('not yours')));
    const error = vi.spyOn(logger, 'error');

    // Act
    const result = await router(event('POST /v1/transactions'));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(body(result)).toMatchObject({ detail: 'not yours' });
    expect(error).not.toHaveBeenCalled();
  });

  it('answers 500 without the message of an error nothing maps, and logs it under the correlation id', async () => {
    // Prepare
    const { router, logger } = setup(throwing(new Error('secret table name')));
    const error = vi.spyOn(logger, 'error');

    // Act
    const result = await router(event('POST /v1/transactions', { 'x-correlation-id': 'c-2' }));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(String(result.body)).not.toContain('secret');
    expect(String(result.body)).toContain('c-2');
    expect(error).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ correlationId: 'c-2' }),
    );
  });

  it('counts each failed request and publishes what a request counted, once, after it', async () => {
    // Prepare
    const failing = setup(throwing(new Error('boom')));

    // Act
    await failing.router(event('GET /v1/health'));
    await failing.router(event('GET /v1/openapi.json'));
    await failing.router(event('POST /v1/transactions'));

    // Assess
    expect(failing.metrics.published).toEqual([{ HealthRead: 1 }, { RequestsFailed: 1 }]);
  });

  it("refuses at compile time a table missing one of the service's routes, or serving another's", () => {
    // Prepare
    const options = { logger: createLogger('router-test') };

    // Act: never run; the typecheck is the test.
    const tables = () => [
      // @ts-expect-error GET /v1/health is a route of ingest in ROUTES, and it is missing.
      createRouter<'ingest'>({ 'POST /v1/transactions': ok, 'GET /v1/openapi.json': ok }, options),
      createRouter<'ingest'>(
        {
          'POST /v1/transactions': ok,
          'GET /v1/openapi.json': ok,
          'GET /v1/health': ok,
          // @ts-expect-error POST /v1/accounts is the ledger's route, not ingest's.
          'POST /v1/accounts': ok,
        },
        options,
      ),
    ];

    // Assess
    expect(tables).toBeTypeOf('function');
  });
});
