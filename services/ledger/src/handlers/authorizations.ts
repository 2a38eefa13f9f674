import { AuthorizationRequest, Identifier } from '@atm-ledger/contracts';
import {
  correlationIdOf,
  type HttpEvent,
  type HttpResult,
  json,
  jsonOrNotFound,
  type MetricsSink,
  MetricUnit,
  parseJsonBody,
  parsePathParameter,
  problem,
  withHeaders,
} from '@atm-ledger/runtime';
import { type AuthorizeDeps, type AuthorizeOutcome, authorize } from '../application/authorize.js';
import * as queries from '../application/queries.js';

export type AuthorizationsDeps = AuthorizeDeps & { readonly metrics?: MetricsSink | undefined };

/**
 * `POST /v1/authorizations`: decided now, in one conditional write. 201 with
 * the decision (a decline too: it is remembered), 200 with the same body for
 * an identical retry; 409 naming the fields when the id is another payload's.
 */
export async function postAuthorization(
  deps: AuthorizationsDeps,
  event: HttpEvent,
): Promise<HttpResult> {
  const body = parseJsonBody(event, AuthorizationRequest);
  if (!body.ok) return body.response;
  const correlationId = correlationIdOf(event);
  const outcome = await authorize(deps, body.value, correlationId);
  return withHeaders(answer(deps, outcome), { 'x-correlation-id': correlationId });
}

function answer(deps: AuthorizationsDeps, outcome: AuthorizeOutcome): HttpResult {
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  switch (outcome.kind) {
    case 'Decided': {
      const decision = queries.toAuthorizationDecision(outcome.record);
      count(decision.status === 'APPROVED' ? 'AuthorizationsApproved' : 'AuthorizationsDeclined');
      return json(201, decision, { location: `/v1/authorizations/${decision.authorizationId}` });
    }
    case 'Identical':
      return json(200, queries.toAuthorizationDecision(outcome.record));
    case 'Conflict': {
      count('AuthorizationsConflicting');
      const id = outcome.existing.fields.authorizationId;
      return problem(
        409,
        'idempotency-conflict',
        'Authorization id already used',
        `Authorization ${id} was already decided for a different payload; nothing changed. A new authorization needs a new authorizationId.`,
        outcome.fields.map((field) => ({
          field: field === 'panLast4' ? 'pan' : field,
          message:
            field === 'panLast4'
              ? 'is not the card this authorizationId was decided for'
              : 'differs from the payload this authorizationId was decided for',
        })),
      );
    }
    default: {
      const never: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(never)}`);
    }
  }
}

/** `GET /v1/authorizations/{authorizationId}`: its status now; 404 if never seen. */
export async function getAuthorization(
  deps: Pick<AuthorizeDeps, 'store'>,
  event: HttpEvent,
): Promise<HttpResult> {
  const id = parsePathParameter(event, 'authorizationId', Identifier);
  if (!id.ok) return id.response;
  const view = queries.authorizationView(deps.store, id.value);
  return jsonOrNotFound(view, `Authorization ${id.value} was never seen`);
}
