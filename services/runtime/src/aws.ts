import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { HttpHandler } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import * as z from 'zod';

/** The services our SDK clients call, by the name their requests are signed for. */
export const AWS_SERVICES = [
  'dynamodb',
  'dynamodbstreams',
  'kinesis',
  'sqs',
  'sns',
  'events',
  'sesv2',
] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/**
 * An emulator's URL for every service, or one URL per service: the local
 * cloud runs one emulator process per group of services, so both cores work.
 */
export type AwsEndpoint = string | Readonly<Partial<Record<AwsService, string>>>;

/**
 * Where AWS SDK clients point. In AWS this is empty and the SDK resolves the
 * regional endpoint; on the local cloud it is the emulator's URL, or URLs.
 */
export interface AwsEndpointConfig {
  /** Emulator URL(s), e.g. `http://127.0.0.1:4566`. Absent in AWS. */
  readonly endpoint?: AwsEndpoint | undefined;
  readonly region: string;
}

/**
 * `LEDGER_AWS_ENDPOINT`: one URL for every service, or `service=URL` pairs
 * separated by commas (`dynamodb=http://127.0.0.1:4566,kinesis=http://127.0.0.1:4567`).
 */
export const AwsEndpointSetting = z.string().transform((value, ctx): AwsEndpoint => {
  const url = z.url({ protocol: /^https?$/ });
  if (!value.includes('=')) {
    if (url.safeParse(value).success) return value;
    ctx.addIssue({ code: 'custom', message: 'must be a URL, or service=URL pairs' });
    return z.NEVER;
  }
  const endpoints: Partial<Record<AwsService, string>> = {};
  for (const pair of value.split(',')) {
    const [service = '', target = ''] = pair.split(/=(.*)/s).map((p) => p.trim());
    if (!(AWS_SERVICES as readonly string[]).includes(service)) {
      ctx.addIssue({
        code: 'custom',
        message: `names an unknown service "${service}" (known: ${AWS_SERVICES.join(', ')})`,
      });
      return z.NEVER;
    }
    if (!url.safeParse(target).success) {
      ctx.addIssue({ code: 'custom', message: `gives ${service} an endpoint that is not a URL` });
      return z.NEVER;
    }
    endpoints[service as AwsService] = target;
  }
  return endpoints;
});

/** The `LEDGER_AWS_ENDPOINT` value for these endpoints. */
export function formatAwsEndpoint(endpoint: AwsEndpoint): string {
  if (typeof endpoint === 'string') return endpoint;
  return Object.entries(endpoint)
    .map(([service, url]) => `${service}=${url}`)
    .join(',');
}

/** The URL a client of `service` points at; undefined in AWS. */
export function endpointFor(
  endpoint: AwsEndpoint | undefined,
  service: AwsService | undefined,
): string | undefined {
  if (endpoint === undefined || typeof endpoint === 'string') return endpoint;
  if (service === undefined) {
    throw new Error('the endpoints are given per service: name the service of this client');
  }
  const url = endpoint[service];
  if (url === undefined) throw new Error(`no endpoint is given for ${service}`);
  return url;
}

export interface SdkClientOptionsInput {
  /** The service of the client: required when the endpoints are given per service. */
  readonly service?: AwsService | undefined;
  /** Sockets per client and protocol (default 50). */
  readonly maxSockets?: number;
  /**
   * Wraps the client's HTTP handler: the local cloud's fault injection, given
   * to the functions it runs through their {@link HandlerOptions}. Absent in
   * AWS, and for the clients that play AWS's own parts locally (an event
   * source mapping, the pipe), so injected faults hit only the code we deploy.
   */
  readonly requestHandler?: SdkRequestHandlerDecorator | undefined;
}

/**
 * Wraps an SDK client's HTTP handler. The handler is the innermost step of a
 * client's middleware stack: what a decorator returns is seen by the SDK's
 * real retry strategy and deserializers exactly as an HTTP response (or a
 * transport error) from the service would be.
 */
export type SdkRequestHandlerDecorator = (
  inner: NodeHttpHandler,
) => HttpHandler<HttpHandlerOptions>;

/**
 * Options every SDK v3 client of this project is built with.
 *
 * - Keep-alive sockets: a Lambda reuses its clients across invocations, and a
 *   fresh TLS handshake per call would dominate the latency of a posting.
 * - A 10 s request timeout that throws in AWS (see below), so a hung call is
 *   retried instead of holding the shard or the queue until the function times out.
 * - An explicit HTTP/1.1 handler. The Kinesis client defaults to an HTTP/2
 *   handler, which the local emulator does not speak; HTTP/1.1 is what every
 *   other client uses anyway, so all clients share one handler shape.
 * - Static dummy credentials for the local endpoint only, so no developer
 *   machine needs an AWS profile and no real credentials can leak to it.
 * - The handler goes through `requestHandler`, when one is given.
 */
export function sdkClientOptions(config: AwsEndpointConfig, opts: SdkClientOptionsInput = {}) {
  const endpoint = endpointFor(config.endpoint, opts.service);
  const maxSockets = opts.maxSockets ?? 50;
  const nodeHandler = new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Without this the handler only logs a warning at 10 s and a hung call (a half-open
    // keep-alive socket) runs to the function's timeout. It throws `TimeoutError`, which the
    // SDK retries; every write we make is idempotent, so a retry after a lost answer is safe.
    // Not against the emulator: it serves one request at a time and may hold a call past 10 s
    // while a large scan runs, which is a wait there, not a hang (docs/local-cloud.md).
    throwOnRequestTimeout: endpoint === undefined,
  });
  const requestHandler: NodeHttpHandler | HttpHandler<HttpHandlerOptions> =
    opts.requestHandler === undefined ? nodeHandler : opts.requestHandler(nodeHandler);
  if (endpoint === undefined) {
    return { region: config.region, requestHandler };
  }
  return {
    region: config.region,
    endpoint,
    requestHandler,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}
