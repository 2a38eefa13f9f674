import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256 (or HMAC-SHA-256 with a secret) on node:crypto, in the shape the
 * signer asks for. `@aws-crypto/sha256-js` would do the same in pure
 * JavaScript; Node has it natively, and it saves a dependency.
 */
export class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }

  update(data: SourceData): void {
    this.#hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }
}

export interface SigV4Options {
  readonly region: string;
  /** A named profile of the shared config files; the default chain otherwise. */
  readonly profile?: string | undefined;
  /** Fixed credentials (tests); the default provider chain when absent. */
  readonly credentials?: SignerCredentials | undefined;
  /** `execute-api` for API Gateway. */
  readonly service?: string;
}

/** Signs requests to an IAM-authorised API Gateway route (what the deployed API requires). */
export function sigV4Signer(options: SigV4Options): SignatureV4 {
  return new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials:
      options.credentials ??
      defaultProvider(options.profile === undefined ? {} : { profile: options.profile }),
    sha256: NodeSha256,
  });
}

/**
 * The headers that authorise one request: the signature covers the method,
 * path, query, host and body, so the request must be sent exactly as signed.
 */
export async function signedHeaders(
  signer: SignatureV4,
  request: { method: string; url: URL; headers: Record<string, string>; body?: string },
): Promise<Record<string, string>> {
  const { url } = request;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query,
    headers: { ...request.headers, host: url.host },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  // fetch derives Host from the URL, with the same value that was signed.
  const { host: _host, ...headers } = signed.headers;
  return headers;
}
