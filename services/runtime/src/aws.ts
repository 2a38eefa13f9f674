import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Where AWS SDK clients point. In AWS this is empty and the SDK resolves the
 * regional endpoint; on the local cloud it is the emulator's URL.
 */
export interface AwsEndpointConfig {
  /** Emulator URL, e.g. `http://127.0.0.1:4566`. Absent in AWS. */
  readonly endpoint?: string | undefined;
  readonly region: string;
}

/**
 * Options every SDK v3 client of this project is built with.
 *
 * - Keep-alive sockets: a Lambda reuses its clients across invocations, and a
 *   fresh TLS handshake per call would dominate the latency of a posting.
 * - An explicit HTTP/1.1 handler. The Kinesis client defaults to an HTTP/2
 *   handler, which the local emulator does not speak; HTTP/1.1 is what every
 *   other client uses anyway, so all clients share one handler shape.
 * - Static dummy credentials for the local endpoint only, so no developer
 *   machine needs an AWS profile and no real credentials can leak to it.
 */
export function sdkClientOptions(config: AwsEndpointConfig, opts: { maxSockets?: number } = {}) {
  const maxSockets = opts.maxSockets ?? 50;
  const requestHandler = new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
  });
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
