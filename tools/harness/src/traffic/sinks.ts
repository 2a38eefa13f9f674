import { randomUUID } from 'node:crypto';
import {
  type AtmTransactionRecord,
  PostTransactionRequest,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import { KinesisTransactionPublisher } from '@atm-ledger/ingest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LedgerApiClient } from './api.js';

export interface SendOutcome {
  /** 202 accepted, 400 refused by the contract, anything else an error; 0 when nothing answered. */
  readonly status: number;
  /** Time to the answer, on this machine's clock. */
  readonly ms: number;
  readonly error?: string;
  /** For an authorization answered 200 or 201: the decision. */
  readonly decision?: 'APPROVED' | 'DECLINED';
}

/** Where generated transactions go. */
export interface TrafficSink {
  readonly name: string;
  send(body: unknown): Promise<SendOutcome>;
  /**
   * `POST /v1/authorizations`: always through the API, whatever carries the
   * transactions, since the answer is the point. Absent where there is none.
   */
  authorize?(body: unknown): Promise<SendOutcome>;
}

/** `POST /v1/authorizations`, its decision read from the answer. */
export async function authorizeThrough(api: LedgerApiClient, body: unknown): Promise<SendOutcome> {
  const r = await api.postAuthorization(body);
  const status = (r.body as { status?: unknown } | undefined)?.status;
  return {
    status: r.status,
    ms: r.ms,
    ...(r.error === undefined ? {} : { error: r.error }),
    ...((r.status === 200 || r.status === 201) && (status === 'APPROVED' || status === 'DECLINED')
      ? { decision: status }
      : {}),
  };
}

/** `POST /v1/transactions` on the local API (bearer token) or a deployed one (SigV4). */
export class HttpSink implements TrafficSink {
  readonly name = 'http';
  constructor(private readonly api: LedgerApiClient) {}

  async send(body: unknown): Promise<SendOutcome> {
    const r = await this.api.postTransaction(body);
    return { status: r.status, ms: r.ms, ...(r.error === undefined ? {} : { error: r.error }) };
  }

  authorize(body: unknown): Promise<SendOutcome> {
    return authorizeThrough(this.api, body);
  }
}

/**
 * Straight onto the Kinesis stream, as the record ingest would have put there
 * (same `toAtmTransaction`, same publisher). There is no edge to refuse an
 * invalid message on this path, so it is checked here against the same
 * contract, counted as a 400 and not sent; putting it on the stream would only
 * exercise the ledger's poison path.
 */
export class KinesisSink implements TrafficSink {
  readonly name = 'kinesis';
  readonly #publisher: KinesisTransactionPublisher;
  readonly authorize?: (body: unknown) => Promise<SendOutcome>;

  /** `api`: where authorizations go; without it the sink has none to send. */
  constructor(client: KinesisClient, streamName: string, api?: LedgerApiClient) {
    this.#publisher = new KinesisTransactionPublisher(client, streamName);
    if (api !== undefined) this.authorize = (body) => authorizeThrough(api, body);
  }

  async send(body: unknown): Promise<SendOutcome> {
    const started = performance.now();
    const parsed = PostTransactionRequest.safeParse(body);
    if (!parsed.success) return { status: 400, ms: performance.now() - started };
    const transaction = toAtmTransaction(parsed.data);
    const record: AtmTransactionRecord = {
      type: 'atm.transaction.accepted',
      schemaVersion: 1,
      id: transaction.transactionId,
      correlationId: randomUUID(),
      receivedAt: new Date().toISOString(),
      transaction,
    };
    try {
      await this.#publisher.publish([record]);
      return { status: 202, ms: performance.now() - started };
    } catch (error) {
      return { status: 503, ms: performance.now() - started, error: (error as Error).message };
    }
  }
}
