import type { SignatureV4 } from '@smithy/signature-v4';
import { signedHeaders } from './sigv4.js';

/** How requests to the API are authorised: the local gateway's bearer token, or IAM (SigV4) in AWS. */
export type ApiAuth =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'sigv4'; readonly signer: SignatureV4 };

export interface ApiResponse {
  /** HTTP status; 0 when no answer came (connection refused, reset, timeout). */
  readonly status: number;
  readonly body: unknown;
  /** Round trip on this machine's clock. */
  readonly ms: number;
  readonly error?: string;
}

/** The few calls the traffic tools make, over plain fetch, against the local or a deployed API. */
export class LedgerApiClient {
  readonly #base: string;

  constructor(
    apiUrl: string,
    private readonly auth: ApiAuth,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    this.#base = apiUrl.replace(/\/+$/, '');
  }

  get apiUrl(): string {
    return this.#base;
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse> {
    const url = new URL(`${this.#base}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> =
      payload === undefined ? {} : { 'content-type': 'application/json' };
    const started = performance.now();
    try {
      if (this.auth.kind === 'bearer') {
        headers = { ...headers, authorization: `Bearer ${this.auth.token}` };
      } else {
        headers = await signedHeaders(this.auth.signer, {
          method,
          url,
          headers,
          ...(payload === undefined ? {} : { body: payload }),
        });
      }
      const response = await fetch(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): keep the text for the report.
      }
      return { status: response.status, body: parsed, ms: performance.now() - started };
    } catch (error) {
      return {
        status: 0,
        body: undefined,
        ms: performance.now() - started,
        error: (error as Error).message,
      };
    }
  }

  postTransaction(body: unknown): Promise<ApiResponse> {
    return this.request('POST', '/v1/transactions', body);
  }

  postAuthorization(body: unknown): Promise<ApiResponse> {
    return this.request('POST', '/v1/authorizations', body);
  }

  getAuthorization(authorizationId: string): Promise<ApiResponse> {
    return this.request('GET', `/v1/authorizations/${encodeURIComponent(authorizationId)}`);
  }

  getAccount(accountId: string): Promise<ApiResponse> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(accountId)}`);
  }

  openAccount(body: unknown): Promise<ApiResponse> {
    return this.request('POST', '/v1/accounts', body);
  }

  getTransaction(transactionId: string): Promise<ApiResponse> {
    return this.request('GET', `/v1/transactions/${encodeURIComponent(transactionId)}`);
  }

  /** Local cloud only: what the notifiers "sent" to an account. 404 where the route does not exist. */
  getNotifications(accountId: string): Promise<ApiResponse> {
    return this.request('GET', `/local/notifications?accountId=${encodeURIComponent(accountId)}`);
  }
}
