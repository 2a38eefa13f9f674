import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import { createLogger, type HttpEvent, InMemoryMetricsSink } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { makeHttpHandler } from '../../src/handlers/httpHandler.js';
import { type HealthCheck, PublishError } from '../../src/ports.js';

const now = new Date('2026-11-27T10:00:00.000Z');

function event(routeKey: string, body?: unknown, headers: Record<string, string> = {}): HttpEvent {
  return {
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1] ?? '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: routeKey.split(' ')[0] ?? 'GET',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

function setup(opts: { publishFails?: boolean; health?: HealthCheck[] } = {}) {
  const published: AtmTransactionRecord[] = [];
  const accepted: string[] = [];
  const metrics = new InMemoryMetricsSink();
  const handler = makeHttpHandler({
    publisher: {
      publish: async (records) => {
        if (opts.publishFails) throw new PublishError('stream down');
        published.push(...records);
      },
    },
    acceptance: { markAccepted: async (id) => void accepted.push(id) },
    health: opts.health ?? [],
    clock: { now: () => now },
    logger: createLogger('ingest-test'),
    metrics,
  });
  return { handler, published, accepted, metrics };
}

const withdrawal = {
  transactionId: 't-1',
  type: 'WITHDRAWAL',
  accountId: 'A',
  amount: 2_500,
  currency: 'USD',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T09:59:00Z',
  pan: '4111111111111111',
};

describe('ingest POST /v1/transactions', () => {
  it('publishes a versioned record with the PAN masked and answers 202', async () => {
    const { handler, published, accepted } = setup();
    const response = await handler(
      event('POST /v1/transactions', withdrawal, { 'x-correlation-id': 'corr-9' }),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toEqual({ transactionId: 't-1', status: 'ACCEPTED' });
    expect(published).toEqual([
      {
        type: 'atm.transaction.accepted',
        schemaVersion: 1,
        id: 't-1',
        correlationId: 'corr-9',
        receivedAt: now.toISOString(),
        transaction: {
          ...Object.fromEntries(Object.entries(withdrawal).filter(([k]) => k !== 'pan')),
          panLast4: '1111',
        },
      },
    ]);
    expect(JSON.stringify(published)).not.toContain('4111111111111111');
    expect(accepted).toEqual(['t-1']);
  });

  it('answers 400 problem+json naming each invalid field and publishes nothing', async () => {
    const { handler, published } = setup();
    const response = await handler(
      event('POST /v1/transactions', { ...withdrawal, amount: -5, currency: 'dollars' }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(response.body ?? '');
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'amount',
      'currency',
    ]);
    expect(published).toEqual([]);
  });

  it('answers 400 for malformed JSON and 415 for another media type', async () => {
    const { handler } = setup();
    expect((await handler(event('POST /v1/transactions', '{"transactionId":'))).statusCode).toBe(
      400,
    );
    expect(
      (await handler(event('POST /v1/transactions', withdrawal, { 'content-type': 'text/plain' })))
        .statusCode,
    ).toBe(415);
  });

  it('answers 503 when the stream does not take the record, so the ATM retries with the same id', async () => {
    const { handler } = setup({ publishFails: true });
    const response = await handler(event('POST /v1/transactions', withdrawal));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '').detail).toContain('retry with the same transactionId');
  });
});

describe('ingest GET /v1/health', () => {
  it('is 200 UP only when every check is up, 503 naming the one that is down', async () => {
    const up: HealthCheck = { name: 'stream', check: async () => ({ up: true }) };
    const down: HealthCheck = {
      name: 'table',
      check: async () => {
        throw Object.assign(new Error('x'), { name: 'ResourceNotFoundException' });
      },
    };
    expect((await setup({ health: [up] }).handler(event('GET /v1/health'))).statusCode).toBe(200);
    const response = await setup({ health: [up, down] }).handler(event('GET /v1/health'));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '')).toEqual({
      status: 'DOWN',
      checks: {
        stream: { status: 'UP' },
        table: { status: 'DOWN', detail: 'ResourceNotFoundException' },
      },
    });
  });
});

describe('ingest metrics', () => {
  it('publishes what each request counted, once per request, and nothing for reads', async () => {
    // Prepare
    const { handler, metrics } = setup();
    const failing = setup({ publishFails: true });

    // Act
    await handler(event('POST /v1/transactions', withdrawal));
    await handler(event('POST /v1/transactions', { ...withdrawal, amount: -1 }));
    await handler(event('GET /v1/openapi.json'));
    await handler(event('GET /v1/health'));
    await failing.handler(event('POST /v1/transactions', withdrawal));

    // Assess
    expect(metrics.published).toEqual([{ TransactionsAccepted: 1 }, { RequestsRefused: 1 }]);
    expect(failing.metrics.published).toEqual([{ RequestsFailed: 1 }]);
  });
});
