import * as z from 'zod';
import {
  AuthorizationApproved,
  AuthorizationCompleted,
  AuthorizationDeclined,
  AuthorizationExpired,
  AuthorizationReleased,
  LedgerEvent,
  ReversalPending,
  TransactionConflict,
  TransactionPosted,
  TransactionRejected,
} from './events.js';

/** The published events, by the name their JSON Schema file takes. */
const PUBLISHED_EVENTS = {
  LedgerEvent,
  TransactionPosted,
  TransactionRejected,
  TransactionConflict,
  ReversalPending,
  AuthorizationApproved,
  AuthorizationDeclined,
  AuthorizationCompleted,
  AuthorizationReleased,
  AuthorizationExpired,
} as const;

export type EventSchemaName = keyof typeof PUBLISHED_EVENTS;

/**
 * JSON Schema (draft 2020-12) of every event the ledger publishes, generated
 * from the zod schemas, for consumers outside TypeScript and for an
 * EventBridge schema registry. `contracts/schemas/<name>.json` holds the same
 * documents; a test fails when they differ from what the schemas generate.
 */
export function eventJsonSchemas(): Record<EventSchemaName, Record<string, unknown>> {
  const out = {} as Record<EventSchemaName, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(PUBLISHED_EVENTS) as [EventSchemaName, z.ZodType][]) {
    // `output`: what a consumer reads; the events carry no defaults or transforms anyway.
    out[name] = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<
      string,
      unknown
    >;
  }
  return out;
}
