import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpEvent, type HttpResult, LocalGateway } from '../../src/gateway/gateway.js';

/** A route table shaped like the ledger's, to exercise matching, parameters and auth. */
const ROUTE_KEYS = [
  ['POST /v1/transactions', true],
  ['GET /v1/health', false],
  ['GET /v1/accounts/{accountId}/entries', true],
  ['GET /v1/ledger/trial-balance', true],
] as const;
const MAX_BODY_BYTES = 16 * 1024;

describe('LocalGateway', () => {
  const seen: HttpEvent[] = [];
  const echo = async (event: HttpEvent): Promise<HttpResult> => {
    seen.push(event);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routeKey: event.routeKey }),
    };
  };
  const gateway = new LocalGateway({
    host: '127.0.0.1',
    port: 0,
    token: 's3cret',
    maxBodyBytes: MAX_BODY_BYTES,
    routes: ROUTE_KEYS.map(([routeKey, authenticated]) => ({
      routeKey,
      handler: echo,
      authenticated,
    })),
  });
  const auth = { authorization: 'Bearer s3cret' };

  beforeAll(() => gateway.start());
  afterAll(() => gateway.stop());

  it('routes by its route table and passes path parameters, decoded', async () => {
    const response = await fetch(`${gateway.url}/v1/accounts/a%3Ab/entries?limit=2&cursor=x`, {
      headers: auth,
    });
    expect(response.status).toBe(200);
    const event = seen.at(-1);
    expect(event?.routeKey).toBe('GET /v1/accounts/{accountId}/entries');
    expect(event?.pathParameters).toEqual({ accountId: 'a:b' });
    expect(event?.queryStringParameters).toEqual({ limit: '2', cursor: 'x' });
    expect(event?.requestContext.http.method).toBe('GET');
  });

  it('requires the bearer token on authenticated routes only', async () => {
    const before = seen.length;
    const none = await fetch(`${gateway.url}/v1/ledger/trial-balance`);
    const wrong = await fetch(`${gateway.url}/v1/ledger/trial-balance`, {
      headers: { authorization: 'Bearer s3cre' },
    });
    const open = await fetch(`${gateway.url}/v1/health`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(wrong.status).toBe(401);
    expect(open.status).toBe(200);
    expect(seen.length).toBe(before + 1);
  });

  it('answers 404 for unknown paths and 405 for known paths with another method', async () => {
    expect((await fetch(`${gateway.url}/v2/nothing`, { headers: auth })).status).toBe(404);
    const wrongMethod = await fetch(`${gateway.url}/v1/ledger/trial-balance`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('refuses bodies over the limit with 413 before calling the handler', async () => {
    const before = seen.length;
    const response = await fetch(`${gateway.url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(100_000) }),
    });
    expect(response.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  /** Sends raw bytes and returns what came back before the server closed the connection. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(gateway.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  it('answers a request line and headers over 16 KiB with a 431 problem, not a bare status line', async () => {
    // Prepare: a long query string; Node alone answered 431 with no body.
    const url = `${gateway.url}/v1/accounts/A/entries?cursor=${'x'.repeat(20_000)}`;

    // Act
    const response = await fetch(url, { headers: auth });

    // Assess
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: '/problems/headers-too-large',
      status: 431,
    });
  });

  it('answers a request Node cannot parse with a 400 problem', async () => {
    // Act
    const answer = await raw('GET /v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');

    // Assess
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ type: '/problems/malformed-request', status: 400 });
  });
});
