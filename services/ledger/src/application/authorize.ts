import {
  type AuthorizationRequest,
  authorizationPayloadHash,
  differingAuthorizationFields,
  toAuthorizationFields,
} from '@atm-ledger/contracts';
import { backoffDelayMs, type Clock, sleep } from '@atm-ledger/runtime';
import {
  type AuthorizationRecord,
  type AuthorizationState,
  type Authorize,
  decideAuthorization,
  evolveAuthorizationState,
  type LedgerPolicy,
  RetriesExhaustedError,
} from '../domain/index.js';
import type { AuthorizationStore } from '../ports.js';
import type { AccountCache } from './accountCache.js';
import { defaultRetryPolicy, type RetryPolicy, retrying } from './postTransaction.js';

export interface AuthorizeDeps {
  readonly store: AuthorizationStore;
  readonly clock: Clock;
  readonly policy: Pick<LedgerPolicy, 'holdTtlSeconds'>;
  /**
   * The accounts this API instance last saw: with it, an authorization of a
   * known account is one write and no read. Never trusted: the write is
   * conditional on the account exactly as cached, and a failed condition
   * returns it as it is.
   */
  readonly cache?: AccountCache;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** `attempts`: store calls this took (1 in steady state). */
export type AuthorizeOutcome =
  /** Decided by this call (201). */
  | { readonly kind: 'Decided'; readonly record: AuthorizationRecord; readonly attempts: number }
  /** An identical retry: the decision on file (200). */
  | { readonly kind: 'Identical'; readonly record: AuthorizationRecord; readonly attempts: number }
  /** The id was decided for another payload (409); `fields` are the ones that differ. */
  | {
      readonly kind: 'Conflict';
      readonly existing: AuthorizationRecord;
      readonly fields: readonly string[];
      readonly attempts: number;
    };

/**
 * Rounds of decide-and-write when the account keeps moving under us; many
 * authorizations racing on one account each win one round, so this bounds
 * how many may race, not how often one loses.
 */
const MAX_ROUNDS = 100;

/**
 * Authorizes a withdrawal now: read (or recall) the account, decide, write
 * conditionally, and on a lost race decide again from what the failed write
 * reported, backing off with jitter so racers spread out. An id decided
 * before answers its decision (an identical retry) or a conflict.
 */
export async function authorize(
  deps: AuthorizeDeps,
  request: AuthorizationRequest,
  correlationId?: string,
): Promise<AuthorizeOutcome> {
  const fields = toAuthorizationFields(request);
  const command: Authorize = {
    kind: 'Authorize',
    fields,
    payloadHash: authorizationPayloadHash(fields),
    ...(correlationId === undefined ? {} : { correlationId }),
  };
  const policy = deps.retry ?? defaultRetryPolicy;
  let attempts = 0;
  const call = <T>(fn: () => Promise<T>) =>
    retrying(deps, fields.authorizationId, () => {
      attempts += 1;
      return fn();
    });
  const cached = deps.cache?.lookup([fields.accountId])?.get(fields.accountId);
  let state: AuthorizationState =
    cached === undefined
      ? await call(() => deps.store.loadAuthorization(fields))
      : { existing: undefined, account: cached };
  state = { ...state, request: command };
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    remember(deps, fields.accountId, state);
    if (state.existing !== undefined) return answer(command, state.existing, attempts);
    const events = decideAuthorization(command, state, deps.clock.now().toISOString(), deps.policy);
    const result = await call(() => deps.store.commitAuthorization(state, events));
    switch (result.kind) {
      case 'Committed': {
        const after = events.reduce(evolveAuthorizationState, state);
        remember(deps, fields.accountId, after);
        if (after.existing === undefined) throw new Error('a committed decision left no record');
        return { kind: 'Decided', record: after.existing, attempts };
      }
      case 'AlreadyDecided':
        state = { ...state, existing: result.existing };
        break;
      case 'Stale':
        state = { ...state, account: result.account };
        await (deps.sleep ?? sleep)(
          backoffDelayMs(
            { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs },
            Math.min(round, 6),
            deps.random,
          ),
        );
        break;
      default: {
        const never: never = result;
        throw new Error(`unhandled outcome ${JSON.stringify(never)}`);
      }
    }
  }
  throw new RetriesExhaustedError(
    `authorization ${fields.authorizationId}: account ${fields.accountId} kept changing for ${MAX_ROUNDS} rounds`,
  );
}

function remember(deps: AuthorizeDeps, accountId: string, state: AuthorizationState) {
  deps.cache?.remember([[accountId, state.account]]);
}

/** The decision on file for this id: the same payload is a retry, another one a conflict. */
function answer(
  command: Authorize,
  existing: AuthorizationRecord,
  attempts: number,
): AuthorizeOutcome {
  if (existing.payloadHash === command.payloadHash)
    return { kind: 'Identical', record: existing, attempts };
  const fields = differingAuthorizationFields(existing.fields, command.fields);
  return { kind: 'Conflict', existing, fields, attempts };
}
