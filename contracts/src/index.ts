export * from './api.js';
export * from './events.js';
export { type EventSchemaName, eventJsonSchemas } from './jsonSchema.js';
export { buildOpenApiDocument } from './openapi.js';
export * from './primitives.js';
export * from './publication.js';
export * from './routes.js';
export { payloadHash, toAtmTransaction } from './transaction.js';
export { AtmTransactionShape } from './transactionShape.js';
