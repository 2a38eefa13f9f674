import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { HttpHandler } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';

/**
 * Where AWS SDK clients point. In AWS this is empty and the SDK resolves the
 * regional endpoint; on the local cloud it is the emulator's URL.
 */
export interface AwsEndpointConfig {
  /** Emulator URL, e.g. `http://127.0.0.1:4566`. Absent in AWS. */
  readonly endpoint?: string | undefined;
  readonly region: string;
}

export interface SdkClientOptionsInput {
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
    throwOnRequestTimeout: config.endpoint === undefined,
  });
  const requestHandler: NodeHttpHandler | HttpHandler<HttpHandlerOptions> =
    opts.requestHandler === undefined ? nodeHandler : opts.requestHandler(nodeHandler);
  if (config.endpoint === undefined) {
    return { region: config.region, requestHandler };
  }
  return {
    region: config.region,
    endpoint: config.endpoint,
    requestHandler,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}
