import type { SdkRequestHandlerDecorator } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { isIdleSweep, STREAM_WRITES, wakeOn } from '../../src/wake-ups.js';

type Inner = Parameters<SdkRequestHandlerDecorator>[0];

/** A stand-in for the SDK's Node handler that answers every request with `status`. */
function answering(status: number): Inner {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async () => ({ response: { statusCode: status, headers: {}, body: undefined } }),
    destroy: () => {},
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  } as unknown as Inner;
}

const request = (target: string) =>
  ({ headers: { 'x-amz-target': target }, method: 'POST', path: '/' }) as never;

describe('wakeOn', () => {
  it('wakes after a successful call of a listed target, and only then', async () => {
    // Prepare
    let wakes = 0;
    const decorate = wakeOn(STREAM_WRITES, () => wakes++);

    // Act
    await decorate(answering(200)).handle(request('Kinesis_20131202.PutRecords'));
    await decorate(answering(200)).handle(request('Kinesis_20131202.GetRecords'));
    await decorate(answering(400)).handle(request('Kinesis_20131202.PutRecord'));

    // Assess
    expect(wakes).toBe(1);
  });

  it("wraps the host's own decorator, so faults still see every call first", async () => {
    // Prepare
    const seen: string[] = [];
    const faults: SdkRequestHandlerDecorator = (inner) => ({
      ...(inner as unknown as ReturnType<SdkRequestHandlerDecorator>),
      handle: async (req, options) => {
        seen.push('fault');
        return (inner as unknown as ReturnType<SdkRequestHandlerDecorator>).handle(req, options);
      },
    });
    const decorate = wakeOn(STREAM_WRITES, () => seen.push('wake'), faults);

    // Act
    await decorate(answering(200)).handle(request('Kinesis_20131202.PutRecord'));

    // Assess
    expect(seen).toEqual(['fault', 'wake']);
  });
});

describe('isIdleSweep', () => {
  const nothing = { fired: 0, expired: 0, holdsExpired: 0, alreadyDecided: 0, failed: 0 };

  it.each([
    ['a sweep that found nothing', nothing, true],
    ['one that fired a timer', { ...nothing, fired: 1 }, false],
    ['one that expired a reversal', { ...nothing, expired: 1 }, false],
    ['one that expired a hold', { ...nothing, holdsExpired: 1 }, false],
    ['one that cleaned up a decided timer', { ...nothing, alreadyDecided: 1 }, false],
    ['one that failed a timer', { ...nothing, failed: 1 }, false],
  ])('calls %s idle: %s', (_name, report, idle) => {
    // Act
    const result = isIdleSweep(report);

    // Assess
    expect(result).toBe(idle);
  });
});
