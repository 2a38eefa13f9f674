import * as z from 'zod';
import { EntriesQuery } from './api.js';
import './authorization.js';
import './events.js';
import { Identifier } from './primitives.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const secured = [{ bearerAuth: [] }];

const unauthorized = problem('Missing or invalid bearer token');
const notFound = problem('Not found');
const tooLarge = problem('Body larger than the limit (16 KiB)');
const unsupportedMediaType = problem('Body not sent as application/json');

/** A standalone JSON Schema of a zod schema, for parameters (which cannot $ref a component). */
function parameterSchema(schema: z.ZodType, io: 'input' | 'output' = 'input') {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return rest;
}

const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: parameterSchema(Identifier),
});

/** Query parameters as the handler reads them: coerced from strings, so described by their output. */
const entriesQuery = parameterSchema(EntriesQuery, 'output') as {
  properties: Record<string, { description?: string }>;
};
const queryParams = Object.entries(entriesQuery.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  ...(schema.description === undefined ? {} : { description: schema.description }),
  schema,
}));

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas,
 * which stay the single source of truth. Served at `GET /v1/openapi.json`.
 */
export function buildOpenApiDocument(opts: { serverUrl?: string } = {}) {
  // Every schema that carries a `.meta({ id })` becomes a component; cross-references use $ref.
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const schema of Object.values(schemas)) {
    delete (schema as { $schema?: string }).$schema;
    delete (schema as { $id?: string }).$id;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'atm-ledger API',
      version: '1.0.0',
      description:
        'Ingest ATM transactions and read the ledger. Amounts are integers in minor units. Errors are application/problem+json (RFC 9457).',
    },
    servers: [{ url: opts.serverUrl ?? 'http://127.0.0.1:3000' }],
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Local cloud: the token from LEDGER_API_TOKEN. In AWS the routes use IAM (SigV4) instead.',
        },
      },
    },
    paths: {
      '/v1/accounts': {
        post: {
          operationId: 'openAccount',
          security: secured,
          requestBody: { required: true, content: json('OpenAccountRequest') },
          responses: {
            '201': { description: 'Account created', content: json('Account') },
            '200': { description: 'An identical account already exists', content: json('Account') },
            '400': problem('Invalid body'),
            '401': unauthorized,
            '409': problem('The account exists with different fields'),
            '413': tooLarge,
            '415': unsupportedMediaType,
          },
        },
      },
      '/v1/accounts/{accountId}': {
        get: {
          operationId: 'getAccount',
          security: secured,
          parameters: [idParam('accountId', 'Customer account id')],
          responses: {
            '200': { description: 'The account', content: json('Account') },
            '400': problem('Invalid account id'),
            '401': unauthorized,
            '404': notFound,
          },
        },
      },
      '/v1/accounts/{accountId}/entries': {
        get: {
          operationId: 'listEntries',
          security: secured,
          parameters: [idParam('accountId', 'Customer account id'), ...queryParams],
          responses: {
            '200': { description: 'Entries, oldest first', content: json('EntriesPage') },
            '400': problem('Invalid query'),
            '401': unauthorized,
            '404': notFound,
          },
        },
      },
      '/v1/authorizations': {
        post: {
          operationId: 'authorize',
          description:
            'Decided at once, in one conditional write on the account: approved when amount ≤ availableBalance and the daily limit allows it, which places a hold. A decline is remembered like an approval. Complete it with a WITHDRAWAL carrying authorizationId; release it with a REVERSAL carrying authorizationId.',
          security: secured,
          requestBody: { required: true, content: json('AuthorizationRequest') },
          responses: {
            '201': { description: 'Decided now', content: json('AuthorizationDecision') },
            '200': {
              description: 'An identical retry: the decision already made, as first answered',
              content: json('AuthorizationDecision'),
            },
            '400': problem('Invalid body'),
            '401': unauthorized,
            '409': problem(
              'The authorizationId was already decided for a different payload (/problems/idempotency-conflict); `errors` names each field that differs',
            ),
            '413': tooLarge,
            '415': unsupportedMediaType,
            '503': problem(
              'Not decided: the store is unavailable. Retry with the same authorizationId',
            ),
          },
        },
      },
      '/v1/authorizations/{authorizationId}': {
        get: {
          operationId: 'getAuthorization',
          security: secured,
          parameters: [idParam('authorizationId', 'Authorization id')],
          responses: {
            '200': { description: 'The authorization', content: json('AuthorizationView') },
            '400': problem('Invalid authorization id'),
            '401': unauthorized,
            '404': notFound,
          },
        },
      },
      '/v1/transactions': {
        post: {
          operationId: 'postTransaction',
          security: secured,
          requestBody: { required: true, content: json('PostTransactionRequest') },
          responses: {
            '202': {
              description:
                'Accepted for posting (also for a retry with the same payload: the id is applied once)',
              content: json('TransactionAccepted'),
            },
            '400': problem('Invalid body'),
            '401': unauthorized,
            '409': problem(
              'The transactionId was already accepted with a different payload (/problems/idempotency-conflict); `errors` names each field that differs. Nothing was published',
            ),
            '413': tooLarge,
            '415': unsupportedMediaType,
            '503': problem(
              'Not accepted, nothing published: the acceptance marker or the stream is unavailable (/problems/unavailable). Retry with the same transactionId',
            ),
          },
        },
      },
      '/v1/transactions/{transactionId}': {
        get: {
          operationId: 'getTransaction',
          security: secured,
          parameters: [idParam('transactionId', 'Transaction id')],
          responses: {
            '200': { description: 'The transaction outcome', content: json('Transaction') },
            '400': problem('Invalid transaction id'),
            '401': unauthorized,
            '404': notFound,
          },
        },
      },
      '/v1/ledger/trial-balance': {
        get: {
          operationId: 'getTrialBalance',
          security: secured,
          responses: {
            '200': {
              description: 'Debits and credits per currency',
              content: json('TrialBalance'),
            },
            '401': unauthorized,
          },
        },
      },
      '/v1/health': {
        get: {
          operationId: 'getHealth',
          security: [],
          responses: {
            '200': { description: 'Every part of the pipeline is up', content: json('Health') },
            '503': { description: 'Some part is down', content: json('Health') },
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          security: [],
          responses: { '200': { description: 'This document' } },
        },
      },
    },
  };
}
