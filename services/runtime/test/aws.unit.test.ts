import { describe, expect, it } from 'vitest';
import { sdkClientOptions } from '../src/aws.js';

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
});
