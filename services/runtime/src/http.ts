import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Largest request body we accept; an ATM transaction is well under 1 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

const PROBLEM_BASE = '/problems/';

/** Marks a bigint while JSON.stringify runs, so it can be written as bare digits after. */
const BIGINT_MARK = '\u0000bigint:';
const MARKED_BIGINT = /"\\u0000bigint:(-?\d+)"/g;

/**
 * JSON in which a `bigint` is written exactly, as a JSON number: money totals
 * pass 2^53, which JSON allows and `JSON.stringify` refuses. Readers that
 * need the exact value parse with a big-number aware parser; the others get
 * the nearest double, as from any large JSON number.
 */
export function stringifyExact(value: unknown): string {
  let marked = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marked = true;
    return `${BIGINT_MARK}${v}`;
  });
  return marked ? text.replace(MARKED_BIGINT, '$1') : text;
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: stringifyExact(body),
  };
}

/** An RFC 9457 problem details response. */
export function problem(
  statusCode: number,
  slug: string,
  title: string,
  detail: string,
  errors?: readonly FieldError[],
): HttpResult {
  const body: Record<string, unknown> = {
    type: `${PROBLEM_BASE}${slug}`,
    title,
    status: statusCode,
    detail,
  };
  if (errors !== undefined) body.errors = errors;
  return {
    statusCode,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(body),
  };
}

/**
 * One segment of a dotted field name. A name that is empty or holds a dot
 * (an unknown key a caller sent, say `?=1`) is written as a JSON string, so
 * every field is named, and names a single segment.
 */
function segment(key: PropertyKey): string {
  const name = String(key);
  return name === '' || name.includes('.') ? JSON.stringify(name) : name;
}

/** Turns zod issues into one entry per offending field, named by its dotted path. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(segment).join('.');
    const field = (key: PropertyKey) => (base ? `${base}.${segment(key)}` : segment(key));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: field(key), message: 'unknown field' });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      out.push({ field: field(issue.discriminator), message: issue.message });
      continue;
    }
    out.push({ field: base || '(body)', message: issue.message });
  }
  return out;
}

export function validationProblem(error: z.ZodError, what = 'request body'): HttpResult {
  const errors = fieldErrors(error);
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return problem(
    400,
    'validation-error',
    'Invalid request',
    `The ${what} is invalid: ${fields}`,
    errors,
  );
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: HttpResult };

/** Decodes and validates a JSON body against a contract schema. */
export function parseJsonBody<S extends z.ZodType>(
  event: HttpEvent,
  schema: S,
): BodyResult<z.output<S>> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    return {
      ok: false,
      response: problem(
        413,
        'body-too-large',
        'Body too large',
        `The body must be at most ${MAX_BODY_BYTES} bytes`,
      ),
    };
  }
  const contentType = headerValue(event, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    return {
      ok: false,
      response: problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the body as application/json',
      ),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      response: problem(
        400,
        'malformed-json',
        'Malformed JSON',
        'The request body is not valid JSON',
        [{ field: '(body)', message: 'expected a JSON object' }],
      ),
    };
  }
  const result = schema.safeParse(parsed);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, response: validationProblem(result.error) };
}

export function headerValue(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The correlation id of a request: the caller's `x-correlation-id`, else the gateway's request id. */
export function correlationIdOf(event: HttpEvent): string {
  const given = headerValue(event, 'x-correlation-id');
  if (given !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(given)) return given;
  return event.requestContext.requestId;
}

export const notFound = (detail: string) => problem(404, 'not-found', 'Not found', detail);

/** A path parameter validated against a contract schema; a 400 naming it when it is not valid. */
export function parsePathParameter<S extends z.ZodType>(
  event: HttpEvent,
  name: string,
  schema: S,
): BodyResult<z.output<S>> {
  const parsed = schema.safeParse(event.pathParameters?.[name]);
  if (parsed.success) return { ok: true, value: parsed.data };
  // Named from the path's root, as a body's fields are from the body's.
  for (const issue of parsed.error.issues as { path: PropertyKey[] }[])
    issue.path = [name, ...issue.path];
  return { ok: false, response: validationProblem(parsed.error, 'path') };
}

/** 200 with the view, or 404 with `missing` when there is none. */
export async function jsonOrNotFound(view: Promise<unknown>, missing: string): Promise<HttpResult> {
  const value = await view;
  return value === undefined ? notFound(missing) : json(200, value);
}

/** The origin the caller used (`https://host`), from the request's headers; absent without a host. */
export function requestOrigin(event: HttpEvent): string | undefined {
  const host = headerValue(event, 'host');
  return host === undefined
    ? undefined
    : `${headerValue(event, 'x-forwarded-proto') ?? 'http'}://${host}`;
}

/** The result with these headers added. */
export const withHeaders = (result: HttpResult, headers: Record<string, string>): HttpResult => ({
  ...result,
  headers: { ...result.headers, ...headers },
});
