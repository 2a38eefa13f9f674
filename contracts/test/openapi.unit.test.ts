import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.js';
import { ROUTES } from '../src/routes.js';

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument();

  it('is an OpenAPI 3.1 document with a path for every route', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const [method = '', path = ''] = route.routeKey.split(' ');
      const operation = (doc.paths as Record<string, Record<string, { security?: unknown[] }>>)[
        path
      ]?.[method.toLowerCase()];
      expect(operation, route.routeKey).toBeDefined();
      expect(operation?.security, route.routeKey).toEqual(
        route.authenticated ? [{ bearerAuth: [] }] : [],
      );
    }
  });

  it('resolves every $ref to a component generated from the zod schemas', () => {
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      expect(doc.components.schemas, ref).toHaveProperty(ref.split('/').at(-1) as string);
    }
  });

  it('describes the transaction body as one shape per type, discriminated by type', () => {
    const schema = doc.components.schemas.PostTransactionRequest as { oneOf?: unknown[] };
    expect(schema.oneOf).toHaveLength(5);
    const withdrawal = doc.components.schemas.WithdrawalRequest as {
      required?: string[];
      additionalProperties?: boolean;
    };
    expect(withdrawal.required).toEqual(
      expect.arrayContaining([
        'transactionId',
        'type',
        'accountId',
        'amount',
        'currency',
        'atmId',
        'occurredAt',
      ]),
    );
    expect(withdrawal.additionalProperties).toBe(false);
  });
});
