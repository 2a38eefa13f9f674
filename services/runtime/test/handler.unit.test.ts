import { describe, expect, it } from 'vitest';
import type { SdkRequestHandlerDecorator } from '../src/aws.js';
import { functionRuntime } from '../src/handler.js';
import { InMemoryMetricsSink } from '../src/metrics.js';

describe('functionRuntime', () => {
  const endpoint = { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' };

  it('gives every client the host request handler, and none without one', () => {
    // Prepare
    const wrapped: unknown[] = [];
    const decorate: SdkRequestHandlerDecorator = (inner) => {
      wrapped.push(inner);
      return inner as unknown as ReturnType<SdkRequestHandlerDecorator>;
    };

    // Act
    const hosted = functionRuntime('svc', endpoint, { requestHandler: decorate });
    hosted.clientOptions('dynamodb');
    hosted.clientOptions('kinesis', { maxSockets: 5 });
    functionRuntime('svc', endpoint).clientOptions('dynamodb');

    // Assess: one wrap per client built with the host's options, none for the plain one.
    expect(wrapped).toHaveLength(2);
  });

  it("points each client at its service's emulator when the endpoints are per service", () => {
    // Prepare
    const perService = {
      endpoint: { dynamodb: 'http://127.0.0.1:1001', kinesis: 'http://127.0.0.1:1002' },
      region: 'us-east-1',
    };

    // Act
    const runtime = functionRuntime('svc', perService);

    // Assess
    expect(runtime.clientOptions('dynamodb')).toMatchObject({ endpoint: 'http://127.0.0.1:1001' });
    expect(runtime.clientOptions('kinesis')).toMatchObject({ endpoint: 'http://127.0.0.1:1002' });
    expect(() => runtime.clientOptions('sqs')).toThrow('no endpoint is given for sqs');
  });

  it('uses the given clock, logger level and metrics sink, or none when metrics are off', () => {
    // Prepare
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    const sink = new InMemoryMetricsSink();

    // Act
    const given = functionRuntime('svc', endpoint, { clock, logLevel: 'ERROR', metrics: sink });
    const off = functionRuntime('svc', endpoint, { metrics: false });

    // Assess
    expect(given.clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(given.logger.getLevelName()).toBe('ERROR');
    expect(given.metrics).toBe(sink);
    expect(off.metrics).toBeUndefined();
    expect(Math.abs(off.clock.now().getTime() - Date.now())).toBeLessThan(5_000);
  });
});
