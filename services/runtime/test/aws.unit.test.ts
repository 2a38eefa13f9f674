import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  AwsEndpointSetting,
  endpointFor,
  formatAwsEndpoint,
  sdkClientOptions,
} from '../src/aws.js';

describe('sdkClientOptions', () => {
  it('points at the emulator with dummy credentials only when an endpoint is given', () => {
    const local = sdkClientOptions({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' });
    expect(local).toMatchObject({
      endpoint: 'http://127.0.0.1:4566',
      credentials: { accessKeyId: 'local' },
    });
    const aws = sdkClientOptions({ region: 'eu-west-1' });
    expect(aws).toEqual({ region: 'eu-west-1', requestHandler: expect.anything() });
  });

  it('throws on a request timeout in AWS, and only warns against the emulator', async () => {
    // Prepare: a server that accepts requests and never answers them.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = {
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      method: 'GET',
      path: '/',
      query: {},
      headers: { host: `127.0.0.1:${port}` },
    };
    /** What a call with a 100 ms request timeout comes to within 500 ms: its error, or still waiting. */
    const after500ms = async (options: ReturnType<typeof sdkClientOptions>) => {
      const abort = new AbortController();
      const handler = options.requestHandler as {
        handle(
          r: unknown,
          o: { requestTimeout: number; abortSignal: AbortSignal },
        ): Promise<unknown>;
      };
      const call = handler.handle(request, { requestTimeout: 100, abortSignal: abort.signal }).then(
        () => 'answered',
        (e: unknown) => (e as Error).name,
      );
      const seen = await Promise.race([
        call,
        new Promise<string>((r) => setTimeout(() => r('still waiting'), 500)),
      ]);
      abort.abort();
      await call;
      return seen;
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

    try {
      // Act
      const inAws = await after500ms(sdkClientOptions({ region: 'eu-west-1' }));
      const local = await after500ms(
        sdkClientOptions({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1' }),
      );

      // Assess
      expect(inAws).toBe('TimeoutError');
      expect(local).toBe('still waiting');
    } finally {
      warn.mockRestore();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('AwsEndpointSetting', () => {
  it('reads one URL for every service', () => {
    expect(AwsEndpointSetting.parse('http://127.0.0.1:4566')).toBe('http://127.0.0.1:4566');
  });

  it('reads service=URL pairs, and round-trips them through formatAwsEndpoint', () => {
    // Prepare
    const value = 'dynamodb=http://127.0.0.1:1,dynamodbstreams=http://127.0.0.1:1,sqs=http://h:2';

    // Act
    const parsed = AwsEndpointSetting.parse(value);

    // Assess
    expect(parsed).toEqual({
      dynamodb: 'http://127.0.0.1:1',
      dynamodbstreams: 'http://127.0.0.1:1',
      sqs: 'http://h:2',
    });
    expect(formatAwsEndpoint(parsed)).toBe(value);
  });

  it.each([
    ['not a url', 'must be a URL'],
    ['dynamo=http://127.0.0.1:1', 'unknown service "dynamo"'],
    ['kinesis=localhost', 'kinesis an endpoint that is not a URL'],
  ])('refuses %s, saying why', (value, message) => {
    const result = AwsEndpointSetting.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(message);
  });
});

describe('endpointFor', () => {
  it('needs the service when the endpoints are per service, and names a missing one', () => {
    expect(endpointFor(undefined, undefined)).toBeUndefined();
    expect(endpointFor('http://e:1', 'sns')).toBe('http://e:1');
    expect(() => endpointFor({ sns: 'http://e:1' }, undefined)).toThrow('name the service');
    expect(() => endpointFor({ sns: 'http://e:1' }, 'sqs')).toThrow('no endpoint is given for sqs');
  });
});
