import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  correlationIdOf,
  type HttpEvent,
  json,
  jsonOrNotFound,
  MAX_BODY_BYTES,
  parseJsonBody,
  parsePathParameter,
  problem,
  requestOrigin,
  stringifyExact,
  withHeaders,
} from '../src/http.js';

const event = (
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): HttpEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /x',
    rawPath: '/x',
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  }) as unknown as HttpEvent;

const Schema = z.strictObject({ name: z.string().min(1), n: z.number().int() });

describe('parseJsonBody', () => {
  it('returns the parsed value of a valid body', () => {
    expect(parseJsonBody(event('{"name":"a","n":1}'), Schema)).toEqual({
      ok: true,
      value: { name: 'a', n: 1 },
    });
  });

  it('answers 400 problem+json naming every invalid and unknown field', () => {
    const result = parseJsonBody(event('{"name":"","n":1.5,"extra":true}'), Schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.statusCode).toBe(400);
    expect(result.response.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(result.response.body ?? '');
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'extra',
      'n',
      'name',
    ]);
    expect(body.detail).toContain('name');
  });

  it('names an unknown field with an empty or dotted name as a JSON string, never as ""', () => {
    // Prepare: found by the API fuzzer (`?=null` on a query read with a strict schema).
    const body = '{"name":"a","n":1,"":1,"a.b":2}';

    // Act
    const result = parseJsonBody(event(body), Schema);

    // Assess
    if (result.ok) throw new Error('expected a validation problem');
    const problemBody = JSON.parse(result.response.body ?? '');
    expect(problemBody.errors).toEqual([
      { field: '""', message: 'unknown field' },
      { field: '"a.b"', message: 'unknown field' },
    ]);
    expect(problemBody.detail).toBe('The request body is invalid: "", "a.b"');
  });

  it('answers 400 for malformed JSON, 413 past the size cap and 415 for another media type', () => {
    const status = (e: HttpEvent) => {
      const r = parseJsonBody(e, Schema);
      return r.ok ? 200 : r.response.statusCode;
    };
    expect(status(event('{"name":'))).toBe(400);
    expect(status(event(JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES), n: 1 })))).toBe(413);
    expect(status(event('{"name":"a","n":1}', { 'content-type': 'text/plain' }))).toBe(415);
    expect(
      status(event('{"name":"a","n":1}', { 'Content-Type': 'application/merge-patch+json' })),
    ).toBe(200);
  });
});

describe('correlationIdOf', () => {
  it("uses the caller's x-correlation-id when it is well-formed, else the request id", () => {
    expect(correlationIdOf(event(undefined, { 'x-correlation-id': 'atm-7:42' }))).toBe('atm-7:42');
    expect(correlationIdOf(event(undefined, { 'x-correlation-id': 'bad id\n' }))).toBe('req-1');
    expect(correlationIdOf(event(undefined, {}))).toBe('req-1');
  });
});

describe('problem', () => {
  it('builds an RFC 9457 body', () => {
    const r = problem(404, 'not-found', 'Not found', 'No account A');
    expect(JSON.parse(r.body ?? '')).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No account A',
    });
  });
});

describe('stringifyExact', () => {
  it('writes bigints as bare JSON integers, exactly, and everything else as JSON.stringify does', () => {
    const value = { big: 9_007_199_254_740_993n, small: 1, text: 'bigint:1', nested: [-12n] };

    const text = stringifyExact(value);

    expect(text).toBe('{"big":9007199254740993,"small":1,"text":"bigint:1","nested":[-12]}');
    expect(stringifyExact({ a: 1 })).toBe(JSON.stringify({ a: 1 }));
  });
});

describe('parsePathParameter', () => {
  const pathEvent = (value: string | undefined) =>
    ({ pathParameters: value === undefined ? {} : { accountId: value } }) as unknown as HttpEvent;
  const Id = z.string().regex(/^[a-z]+$/);

  it('returns the valid value', () => {
    expect(parsePathParameter(pathEvent('abc'), 'accountId', Id)).toEqual({
      ok: true,
      value: 'abc',
    });
  });

  it('answers 400 naming the parameter when it is invalid or missing', () => {
    for (const value of ['ABC', undefined]) {
      const result = parsePathParameter(pathEvent(value), 'accountId', Id);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.response.statusCode).toBe(400);
      const body = JSON.parse(String(result.response.body));
      expect(body.errors.map((e: { field: string }) => e.field)).toEqual(['accountId']);
      expect(body.detail).toContain('path');
    }
  });
});

describe('jsonOrNotFound, requestOrigin, withHeaders', () => {
  it('answers 200 with a view and 404 without one', async () => {
    expect((await jsonOrNotFound(Promise.resolve({ a: 1 }), 'gone')).statusCode).toBe(200);
    const missing = await jsonOrNotFound(Promise.resolve(undefined), 'No account x');
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(String(missing.body)).detail).toBe('No account x');
  });

  it('reads the origin from host and x-forwarded-proto', () => {
    const at = (headers: Record<string, string>) =>
      requestOrigin({ headers } as unknown as HttpEvent);
    expect(at({ host: 'api.example', 'x-forwarded-proto': 'https' })).toBe('https://api.example');
    expect(at({ host: '127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
    expect(at({})).toBeUndefined();
  });

  it('adds headers without dropping the content type', () => {
    const result = withHeaders(json(202, {}), { 'x-correlation-id': 'c-1' });
    expect(result.headers).toEqual({
      'content-type': 'application/json',
      'x-correlation-id': 'c-1',
    });
  });
});
