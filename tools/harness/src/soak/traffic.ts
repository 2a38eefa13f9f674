import { backoffDelayMs, sleep } from '@atm-ledger/runtime';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { type ApiAuth, type ApiResponse, LedgerApiClient } from '../traffic/api.js';
import type { Prng } from '../traffic/prng.js';
import {
  authorizationIdOf,
  isAuthorizationBody,
  type TrafficRequest,
} from '../traffic/workload.js';

/** How the soak's traffic retries: ATMs that lost an answer do not all retry at the same instant. */
const RETRY_BACKOFF = { baseMs: 200, maxMs: 2_000 };

/**
 * An ATM's view of the API: a request that got no answer, or a 5xx/429, is
 * sent again with the same body (so the same transaction id) until it is
 * answered, as a terminal would. Every retry is counted, because each one is
 * a duplicate the ledger must absorb.
 */
export class RetryingApiClient extends LedgerApiClient {
  retries = 0;
  readonly #deadlineMs: number;

  constructor(apiUrl: string, auth: ApiAuth, options: { deadlineMs?: number } = {}) {
    super(apiUrl, auth, { timeoutMs: 15_000 });
    this.#deadlineMs = options.deadlineMs ?? 180_000;
  }

  override async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<ApiResponse> {
    const deadline = Date.now() + this.#deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const r = await super.request(method, path, body);
      const retryable = r.status === 0 || r.status === 429 || r.status >= 500;
      if (!retryable || Date.now() > deadline) return r;
      this.retries++;
      await sleep(backoffDelayMs(RETRY_BACKOFF, attempt));
    }
  }
}

/** What became of each request of the traffic phase. */
export interface TrafficOutcome {
  readonly request: TrafficRequest;
  /** HTTP status; undefined when not sent (a completion or release after a decline). */
  readonly status: number | undefined;
  /** An authorization's decision, when it was answered with one. */
  readonly decision?: 'APPROVED' | 'DECLINED';
}

/**
 * Sends the workload's requests at their planned offsets, at most
 * `concurrency` in flight, until the requests run out or `untilMs` passes.
 * Authorizations go to `POST /v1/authorizations`; one account's requests go
 * one at a time (a card session), so a completion or release leaves after
 * its authorization's answer, and only after an approval.
 */
export async function sendTraffic(
  api: RetryingApiClient,
  requests: readonly TrafficRequest[],
  options: { readonly startAt: number; readonly untilMs: number; readonly concurrency: number },
): Promise<TrafficOutcome[]> {
  const outcomes: TrafficOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const lastOfAccount = new Map<string, Promise<void>>();
  const decisions = new Map<string, 'APPROVED' | 'DECLINED'>();
  for (const request of requests) {
    const due = options.startAt + request.offsetMs;
    if (due > options.untilMs) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const account = (request.body as { accountId?: unknown }).accountId;
    const before = typeof account === 'string' ? lastOfAccount.get(account) : undefined;
    const p = (async () => {
      if (before !== undefined) await before;
      if (isAuthorizationBody(request.body)) {
        const r = await api.postAuthorization(request.body);
        const status = (r.body as { status?: unknown } | undefined)?.status;
        const decision =
          (r.status === 200 || r.status === 201) && (status === 'APPROVED' || status === 'DECLINED')
            ? status
            : undefined;
        if (decision !== undefined) decisions.set(request.body.authorizationId, decision);
        outcomes.push({ request, status: r.status, ...(decision ? { decision } : {}) });
        return;
      }
      const dependsOn = authorizationIdOf(request.body);
      if (dependsOn !== undefined && decisions.get(dependsOn) !== 'APPROVED') {
        outcomes.push({ request, status: undefined });
        return;
      }
      const r = await api.postTransaction(request.body);
      outcomes.push({ request, status: r.status });
    })();
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (typeof account === 'string') lastOfAccount.set(account, tracked);
  }
  await Promise.all(inFlight);
  return outcomes;
}

/** A record put straight on the stream that no decoder can read, and where it went. */
export interface InjectedPoison {
  readonly partitionKey: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly kind: 'garbage-bytes' | 'unknown-schema-version' | 'not-a-transaction';
}

/**
 * Puts a poison record on the stream, bypassing the API, as a buggy or
 * hostile producer would. Its partition key is a live account, so the
 * records behind it in the same lane must keep moving.
 */
export async function injectPoison(
  kinesis: KinesisClient,
  streamName: string,
  partitionKey: string,
  prng: Prng,
  n: number,
): Promise<InjectedPoison> {
  const kinds = ['garbage-bytes', 'unknown-schema-version', 'not-a-transaction'] as const;
  const kind = kinds[n % kinds.length] ?? 'garbage-bytes';
  let data: Uint8Array;
  switch (kind) {
    case 'garbage-bytes':
      data = Uint8Array.from({ length: 64 }, () => prng.int(0, 255));
      break;
    case 'unknown-schema-version':
      data = Buffer.from(
        JSON.stringify({
          type: 'atm.transaction.accepted',
          schemaVersion: 99,
          id: `soak-poison-${n}`,
          transaction: {},
        }),
      );
      break;
    case 'not-a-transaction':
      data = Buffer.from(JSON.stringify({ hello: 'world', n }));
      break;
    default: {
      const unknown: never = kind;
      throw new Error(`unknown poison ${String(unknown)}`);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await kinesis.send(
        new PutRecordCommand({ StreamName: streamName, PartitionKey: partitionKey, Data: data }),
      );
      return {
        partitionKey,
        shardId: out.ShardId ?? '',
        sequenceNumber: out.SequenceNumber ?? '',
        kind,
      };
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(backoffDelayMs(RETRY_BACKOFF, attempt));
    }
  }
}
