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

  /** Every property of a request schema, following $refs and oneOf. */
  function requestProperties(id: string): [string, Record<string, unknown>][] {
    const schema = (doc.components.schemas as Record<string, Record<string, unknown>>)[id] ?? {};
    const branches = (schema.oneOf as { $ref: string }[] | undefined)?.map((b) =>
      requestProperties(b.$ref.split('/').at(-1) as string),
    );
    if (branches !== undefined) return branches.flat();
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    return Object.entries(properties).map(([name, p]) => [`${id}.${name}`, p]);
  }

  it('shows a limit for every string and number a client sends', () => {
    // Prepare
    const properties = [
      ...requestProperties('OpenAccountRequest'),
      ...requestProperties('PostTransactionRequest'),
      ...requestProperties('AuthorizationRequest'),
    ];

    // Act
    const unbounded = properties
      .filter(([, p]) =>
        p.type === 'string'
          ? p.const === undefined && p.enum === undefined && p.maxLength === undefined
          : (p.type === 'integer' || p.type === 'number') &&
            (p.maximum === undefined || p.minimum === undefined),
      )
      .map(([name]) => name);

    // Assess
    expect(properties.length).toBeGreaterThan(30);
    expect(unbounded).toEqual([]);
    expect(Object.fromEntries(requestProperties('WithdrawalRequest'))).toMatchObject({
      'WithdrawalRequest.transactionId': { minLength: 1, maxLength: 64 },
      'WithdrawalRequest.pan': { minLength: 12, maxLength: 19, pattern: '^[0-9]*$' },
      'WithdrawalRequest.currency': { $ref: '#/components/schemas/Currency' },
      'WithdrawalRequest.occurredAt': { maxLength: 35 },
      'WithdrawalRequest.amount': { type: 'integer', minimum: 1, maximum: 1_000_000_000_000 },
    });
  });

  it('describes path and query parameters from the same zod schemas the handlers use', () => {
    // Act
    const entries = (
      doc.paths['/v1/accounts/{accountId}/entries'].get as {
        parameters: { name: string; schema: object }[];
      }
    ).parameters;

    // Assess
    expect(Object.fromEntries(entries.map((p) => [p.name, p.schema]))).toMatchObject({
      accountId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]*$' },
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
      cursor: { type: 'string', minLength: 1, maxLength: 512 },
    });
  });

  it('documents 413 and 415 problems on every operation with a body', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, object>)) {
        const op = operation as { requestBody?: unknown; responses: Record<string, unknown> };
        if (op.requestBody === undefined) continue;
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(['400', '401', '413', '415']),
        );
      }
    }
  });

  it('documents the authorization routes: 201 decided, 200 retry, 409 conflict; GET 404 if never seen', () => {
    // Act
    const paths = doc.paths as Record<string, Record<string, { responses: object }>>;
    const post = paths['/v1/authorizations']?.post;
    const get = paths['/v1/authorizations/{authorizationId}']?.get;

    // Assess
    expect(Object.keys(post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '409']),
    );
    expect(post?.responses).toMatchObject({
      '201': {
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/AuthorizationDecision' } },
        },
      },
      '200': {
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/AuthorizationDecision' } },
        },
      },
    });
    expect(get?.responses).toMatchObject({
      '200': {
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/AuthorizationView' } },
        },
      },
      '404': expect.any(Object),
    });
  });

  it('shows the hold fields: availability on the account, the daily limit, completion and release', () => {
    // Prepare
    const schemas = doc.components.schemas as Record<
      string,
      { required?: string[]; properties?: Record<string, { enum?: string[] }> }
    >;
    const properties = (id: string) => Object.keys(schemas[id]?.properties ?? {});

    // Assess
    expect(schemas.AuthorizationRequest?.required).toEqual(
      expect.arrayContaining([
        'authorizationId',
        'accountId',
        'amount',
        'currency',
        'atmId',
        'occurredAt',
      ]),
    );
    expect(properties('AuthorizationRequest')).toContain('pan');
    expect(properties('AuthorizationDecision')).toEqual(
      expect.arrayContaining([
        'authorizationId',
        'status',
        'reason',
        'amount',
        'availableBalance',
        'expiresAt',
      ]),
    );
    expect(schemas.AuthorizationView?.properties?.status?.enum).toEqual([
      'APPROVED',
      'DECLINED',
      'COMPLETED',
      'RELEASED',
      'EXPIRED',
    ]);
    expect(properties('AuthorizationView')).toEqual(
      expect.arrayContaining(['completedAmount', 'expiresAt', 'decidedAt', 'reason']),
    );
    expect(schemas.Account?.required).toEqual(
      expect.arrayContaining(['heldAmount', 'availableBalance']),
    );
    expect(properties('Account')).toContain('dailyWithdrawalLimit');
    expect(properties('OpenAccountRequest')).toContain('dailyWithdrawalLimit');
    expect(properties('WithdrawalRequest')).toEqual(
      expect.arrayContaining(['authorizationId', 'advice']),
    );
    expect(properties('ReversalRequest')).toContain('authorizationId');
    expect(properties('Transaction')).toEqual(
      expect.arrayContaining(['authorizationId', 'advice']),
    );
  });

  it('states the refinements a client must follow in JSON Schema: a reversal names one thing, a completion is no advice', () => {
    // Act
    const schemas = doc.components.schemas as Record<string, Record<string, unknown>>;

    // Assess: the server refuses these with 400, so a schema-valid body must not be one of them
    expect(schemas.ReversalRequest).toMatchObject({
      dependentRequired: { amount: ['currency'], currency: ['amount'] },
      anyOf: [{ required: ['originalTransactionId'] }, { required: ['authorizationId'] }],
      allOf: [
        { not: { required: ['originalTransactionId', 'authorizationId'] } },
        { not: { required: ['authorizationId', 'dispensedAmount'] } },
      ],
    });
    expect(schemas.WithdrawalRequest).toMatchObject({
      not: { required: ['authorizationId', 'advice'], properties: { advice: { const: true } } },
    });
  });

  it('documents the door on POST /v1/transactions: 409 for an id held by another payload, 503 to retry', () => {
    // Act
    const responses = (doc.paths['/v1/transactions'] as { post: { responses: object } }).post
      .responses;

    // Assess
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['202', '409', '503']));
  });
});
