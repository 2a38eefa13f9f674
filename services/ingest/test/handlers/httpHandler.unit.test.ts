import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import { createLogger, type HttpEvent, InMemoryMetricsSink } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryAcceptanceLog } from '../../src/adapters/memoryAcceptanceLog.js';
import { makeHttpHandler } from '../../src/handlers/httpHandler.js';
import { AcceptanceLogError, type HealthCheck, PublishError } from '../../src/ports.js';

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

function setup(
  opts: { publishFails?: boolean; claimFails?: boolean; health?: HealthCheck[] } = {},
) {
  /** Which dependency fails now; a test may flip them between requests. */
  const faults = { publishFails: opts.publishFails ?? false, claimFails: opts.claimFails ?? false };
  const published: AtmTransactionRecord[] = [];
  const log = new InMemoryAcceptanceLog();
  const metrics = new InMemoryMetricsSink();
  const handler = makeHttpHandler({
    publisher: {
      publish: async (records) => {
        if (faults.publishFails) throw new PublishError('stream down');
        published.push(...records);
      },
    },
    acceptance: {
      claim: async (transaction, at) => {
        if (faults.claimFails) {
          throw new AcceptanceLogError('claiming failed: ProvisionedThroughputExceededException');
        }
        return log.claim(transaction, at);
      },
    },
    health: opts.health ?? [],
    clock: { now: () => now },
    logger: createLogger('ingest-test'),
    metrics,
  });
  return { handler, published, log, metrics, faults };
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
    const { handler, published, log } = setup();
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
    expect(log.markers.get('t-1')?.transaction).toEqual(published[0]?.transaction);
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

describe('ingest POST /v1/transactions: the idempotency door', () => {
  it('answers 409 problem+json naming each differing field, and publishes nothing', async () => {
    // Prepare
    const { handler, published } = setup();
    await handler(event('POST /v1/transactions', withdrawal));
    published.length = 0;

    // Act
    const response = await handler(
      event(
        'POST /v1/transactions',
        { ...withdrawal, amount: 3_000, atmId: 'atm-2' },
        { 'x-correlation-id': 'corr-2' },
      ),
    );

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.headers?.['x-correlation-id']).toBe('corr-2');
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: '/problems/idempotency-conflict',
      title: 'Transaction id already used',
      status: 409,
      detail: expect.stringContaining(
        'Transaction t-1 was already accepted with a different payload',
      ),
      errors: [
        {
          field: 'atmId',
          message: 'differs from the payload this transactionId was accepted with',
        },
        {
          field: 'amount',
          message: 'differs from the payload this transactionId was accepted with',
        },
      ],
    });
    expect(published).toEqual([]);
  });

  it('names a different card as pan without showing a digit of either PAN', async () => {
    // Prepare
    const { handler, published } = setup();
    await handler(event('POST /v1/transactions', withdrawal));
    published.length = 0;

    // Act
    const response = await handler(
      event('POST /v1/transactions', { ...withdrawal, pan: '5500000000000004' }),
    );

    // Assess
    expect(response.statusCode).toBe(409);
    const body = JSON.parse(response.body ?? '');
    expect(body.errors).toEqual([
      { field: 'pan', message: 'is not the card this transactionId was accepted with' },
    ]);
    expect(response.body).not.toMatch(/1111|0004|4111|5500/);
    expect(published).toEqual([]);
  });

  it('answers 202 to an identical retry and publishes it again, in case the first put was lost', async () => {
    // Prepare
    const { handler, published } = setup();
    await handler(event('POST /v1/transactions', withdrawal));

    // Act
    const retry = await handler(event('POST /v1/transactions', withdrawal));

    // Assess
    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body ?? '')).toEqual({ transactionId: 't-1', status: 'ACCEPTED' });
    expect(published).toHaveLength(2);
    expect(published[1]?.transaction).toEqual(published[0]?.transaction);
  });

  it('answers 202 to a payload equal up to canonical form: the same instant at another offset', async () => {
    // Prepare
    const { handler, published } = setup();
    await handler(
      event('POST /v1/transactions', { ...withdrawal, occurredAt: '2026-11-27T09:00:00.000Z' }),
    );

    // Act
    const response = await handler(
      event('POST /v1/transactions', { ...withdrawal, occurredAt: '2026-11-27T10:00:00+01:00' }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(published).toHaveLength(2);
  });

  it('answers 503 and publishes nothing when the marker cannot be written, so the ATM retries with the same id', async () => {
    // Prepare
    const { handler, published } = setup({ claimFails: true });

    // Act
    const response = await handler(event('POST /v1/transactions', withdrawal));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: '/problems/unavailable',
      status: 503,
      detail: expect.stringContaining('retry with the same transactionId'),
    });
    expect(published).toEqual([]);
  });

  it('keeps the id for the payload whose publish failed: its retry is 202, another payload 409', async () => {
    // Prepare
    const { handler, published, faults } = setup({ publishFails: true });
    const failed = await handler(event('POST /v1/transactions', withdrawal));
    faults.publishFails = false;

    // Act
    const other = await handler(event('POST /v1/transactions', { ...withdrawal, amount: 1 }));
    const retry = await handler(event('POST /v1/transactions', withdrawal));

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(other.statusCode).toBe(409);
    expect(retry.statusCode).toBe(202);
    expect(published.map((r) => r.transaction.amount)).toEqual([withdrawal.amount]);
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
    await handler(event('POST /v1/transactions', { ...withdrawal, amount: 1 }));
    await handler(event('GET /v1/openapi.json'));
    await handler(event('GET /v1/health'));
    await failing.handler(event('POST /v1/transactions', withdrawal));

    // Assess
    expect(metrics.published).toEqual([
      { TransactionsAccepted: 1 },
      { RequestsRefused: 1 },
      { RequestsConflicting: 1 },
    ]);
    expect(failing.metrics.published).toEqual([{ RequestsFailed: 1 }]);
  });
});
