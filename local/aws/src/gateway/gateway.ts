import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';

export type { HttpEvent, HttpResult };
export type HttpHandler = (event: HttpEvent) => Promise<HttpResult>;

/** One row of the route table: an HTTP API route key and the integration serving it. */
export interface GatewayRoute {
  /** `METHOD /path/{param}`, as an HTTP API route key. */
  readonly routeKey: string;
  readonly handler: HttpHandler;
  /** Whether the route requires the bearer token (where AWS would check IAM). */
  readonly authenticated: boolean;
}

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  /** Bearer token every authenticated route requires. */
  readonly token: string;
  /** The route table: each route and the Lambda handler behind it. */
  readonly routes: readonly GatewayRoute[];
  /** Largest request body, in bytes, the gateway passes on; larger ones get 413. */
  readonly maxBodyBytes: number;
  readonly onRequest?: (info: { method: string; path: string; status: number; ms: number }) => void;
}

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly handler: HttpHandler;
  readonly authenticated: boolean;
}

function compile(routeKey: string, handler: HttpHandler, authenticated: boolean): CompiledRoute {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const params: string[] = [];
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(
    `^${escaped.replace(/\{(\w+)\}/g, (_match, name: string) => {
      params.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { routeKey, method, pattern, params, handler, authenticated };
}

/**
 * Plays API Gateway (HTTP API, payload format 2.0) for the local cloud: it
 * matches the same route table, checks the bearer token where AWS would check
 * IAM, caps the body size, builds a faithful v2 event, and calls the unmodified
 * Lambda handlers.
 */
export class LocalGateway {
  #server: Server | undefined;
  readonly #routes: CompiledRoute[];
  readonly #tokenDigest: Buffer;

  constructor(private readonly options: GatewayOptions) {
    this.#routes = options.routes.map((r) => compile(r.routeKey, r.handler, r.authenticated));
    this.#tokenDigest = digest(options.token);
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('gateway not started');
    return `http://${this.options.host}:${address.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        send(res, 500, problemBody(500, 'internal', 'Internal error', (error as Error).message), {
          'content-type': 'application/problem+json',
        });
      });
    });
    server.keepAliveTimeout = 5_000;
    // A request Node cannot parse never reaches #handle; its default answer has no body.
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Constant-time comparison of digests: the token's length and content leak
   * nothing through timing, unlike `===` on the raw strings.
   */
  #authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1]) return false;
    return timingSafeEqual(digest(match[1].trim()), this.#tokenDigest);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const candidates = this.#routes.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === method);
    const finish = (status: number, body: string, headers: Record<string, string>) => {
      send(res, status, body, headers);
      this.options.onRequest?.({
        method,
        path: url.pathname,
        status,
        ms: performance.now() - started,
      });
    };
    if (route === undefined) {
      if (candidates.length > 0) {
        return finish(
          405,
          problemBody(
            405,
            'method-not-allowed',
            'Method not allowed',
            `${method} is not allowed on ${url.pathname}`,
          ),
          {
            'content-type': 'application/problem+json',
            allow: candidates.map((c) => c.method).join(', '),
          },
        );
      }
      return finish(
        404,
        problemBody(404, 'no-route', 'Not found', `No route for ${method} ${url.pathname}`),
        {
          'content-type': 'application/problem+json',
        },
      );
    }
    // Read (and cap) the body before answering, even on a 401, so the client never sees a reset connection.
    const body = await readBody(req, this.options.maxBodyBytes);
    if (route.authenticated && !this.#authorized(req)) {
      return finish(
        401,
        problemBody(
          401,
          'unauthorized',
          'Unauthorized',
          'Send Authorization: Bearer <token> (see LEDGER_API_TOKEN)',
        ),
        {
          'content-type': 'application/problem+json',
          'www-authenticate': 'Bearer realm="atm-ledger"',
        },
      );
    }
    if (body === 'too-large') {
      return finish(
        413,
        problemBody(
          413,
          'body-too-large',
          'Body too large',
          `The body must be at most ${this.options.maxBodyBytes} bytes`,
        ),
        {
          'content-type': 'application/problem+json',
        },
      );
    }
    const match = route.pattern.exec(url.pathname);
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      const raw = match?.[i + 1];
      if (raw !== undefined) pathParameters[name] = safeDecode(raw);
    });
    const event = toEvent(req, url, route.routeKey, pathParameters, body);
    const result = await route.handler(event);
    const status = result.statusCode ?? 200;
    finish(status, typeof result.body === 'string' ? result.body : '', {
      ...Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
    });
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Answers a request the HTTP parser refused (request line and headers over
 * Node's 16 KiB `maxHeaderSize`, a malformed header, a timeout) with a problem,
 * as every other error of the API is, then closes the connection.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? {
          status: 431,
          slug: 'headers-too-large',
          title: 'Request header fields too large',
          detail: 'The request line and headers must be at most 16 KiB',
        }
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? {
            status: 408,
            slug: 'request-timeout',
            title: 'Request timeout',
            detail: 'The request was not received in time',
          }
        : {
            status: 400,
            slug: 'malformed-request',
            title: 'Malformed request',
            detail: 'The request is not valid HTTP/1.1',
          };
  const body = problemBody(refusal.status, refusal.slug, refusal.title, refusal.detail);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.title}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? 'too-large' : Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    body: body.length > 0 ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

function problemBody(status: number, slug: string, title: string, detail: string): string {
  return JSON.stringify({ type: `/problems/${slug}`, title, status, detail });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
