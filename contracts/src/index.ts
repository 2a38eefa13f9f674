export * from './api.js';
export * from './authorization.js';
export * from './currency.js';
export * from './events.js';
export { type EventSchemaName, eventJsonSchemas } from './jsonSchema.js';
export { buildOpenApiDocument } from './openapi.js';
export * from './primitives.js';
export * from './publication.js';
export * from './routes.js';
export * from './settings.js';
export * from './topology.js';
export {
  BUSINESS_FIELDS,
  type BusinessField,
  canonicalInstant,
  canonicalTransaction,
  differingFields,
  isSamePayload,
  legacyPayloadHash,
  payloadHash,
  toAtmTransaction,
} from './transaction.js';
export { AtmTransactionShape } from './transactionShape.js';
