import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DeclineReason } from './api.js';
import {
  AccountId,
  AtmId,
  AuthorizationId,
  Currency,
  CustomerAccountId,
  MinorUnits,
  Pan,
  PanLast4,
  Timestamp,
} from './primitives.js';
import { canonicalInstant } from './transaction.js';

/**
 * `POST /v1/authorizations`: an ATM asks, before it dispenses, whether the
 * money is there. The fields follow the rules of `POST /v1/transactions`;
 * `authorizationId` is the idempotency key, in a namespace of its own.
 */
export const AuthorizationRequest = z
  .strictObject({
    authorizationId: AuthorizationId,
    accountId: CustomerAccountId,
    amount: MinorUnits,
    currency: Currency,
    atmId: AtmId,
    occurredAt: Timestamp,
    pan: Pan.optional(),
  })
  .meta({ id: 'AuthorizationRequest' });
export type AuthorizationRequest = z.infer<typeof AuthorizationRequest>;

export const AuthorizationStatus = z.enum([
  'APPROVED',
  'DECLINED',
  'COMPLETED',
  'RELEASED',
  'EXPIRED',
]);
export type AuthorizationStatus = z.infer<typeof AuthorizationStatus>;

/**
 * The answer to `POST /v1/authorizations`: 201 when decided now, 200 for an
 * identical retry (the same body, as first decided).
 */
export const AuthorizationDecision = z
  .object({
    authorizationId: AuthorizationId,
    status: AuthorizationStatus.extract(['APPROVED', 'DECLINED']),
    reason: DeclineReason.optional(),
    amount: MinorUnits,
    availableBalance: z
      .number()
      .int()
      .describe(
        'The account’s available balance after this decision (balance + overdraftLimit - heldAmount); 0 for an unknown account, which has nothing available',
      ),
    expiresAt: Timestamp.optional().describe(
      'For an approval: when the hold expires unless completed or released',
    ),
  })
  .meta({ id: 'AuthorizationDecision' });
export type AuthorizationDecision = z.infer<typeof AuthorizationDecision>;

/** `GET /v1/authorizations/{authorizationId}` */
export const AuthorizationView = z
  .object({
    authorizationId: AuthorizationId,
    accountId: AccountId,
    status: AuthorizationStatus,
    reason: DeclineReason.optional(),
    amount: MinorUnits,
    completedAmount: MinorUnits.optional().describe('What the completing withdrawal posted'),
    expiresAt: Timestamp.optional(),
    decidedAt: Timestamp,
  })
  .meta({ id: 'AuthorizationView' });
export type AuthorizationView = z.infer<typeof AuthorizationView>;

/** An authorization as the ledger keeps it: the request, the PAN reduced to its last 4 digits. */
export const AuthorizationFields = z.object({
  authorizationId: AuthorizationId,
  accountId: AccountId,
  amount: MinorUnits,
  currency: Currency,
  atmId: AtmId,
  occurredAt: Timestamp,
  panLast4: PanLast4.optional(),
});
export type AuthorizationFields = z.infer<typeof AuthorizationFields>;

export function toAuthorizationFields(request: AuthorizationRequest): AuthorizationFields {
  const { pan, ...rest } = request;
  return pan === undefined ? rest : { ...rest, panLast4: pan.slice(-4) };
}

/** The fields two requests must agree on to be one authorization, in fingerprint order. */
const AUTHORIZATION_FIELDS = [
  'authorizationId',
  'accountId',
  'amount',
  'currency',
  'atmId',
  'occurredAt',
  'panLast4',
] as const satisfies readonly (keyof AuthorizationFields)[];

const canonical = (fields: AuthorizationFields) =>
  AUTHORIZATION_FIELDS.filter((f) => fields[f] !== undefined).map((f) => [
    f,
    f === 'occurredAt' ? canonicalInstant(fields.occurredAt) : fields[f],
  ]);

/**
 * The fingerprint of an authorization's fields, over their canonical form
 * (`occurredAt` as its UTC instant), like a transaction's: two requests of
 * one id are the same authorization exactly when their fingerprints match.
 */
export function authorizationPayloadHash(fields: AuthorizationFields): string {
  return `a1.${createHash('sha256')
    .update(JSON.stringify(canonical(fields)))
    .digest('base64url')}`;
}

/** The fields on which two authorizations differ, for the 409's `errors`. */
export function differingAuthorizationFields(
  a: AuthorizationFields,
  b: AuthorizationFields,
): string[] {
  const ca = Object.fromEntries(canonical(a));
  const cb = Object.fromEntries(canonical(b));
  return AUTHORIZATION_FIELDS.filter((f) => JSON.stringify(ca[f]) !== JSON.stringify(cb[f]));
}
