import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { NodeSha256, signedHeaders, sigV4Signer } from '../../src/traffic/sigv4.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('SigV4 on node:crypto', () => {
  it("reproduces AWS's get-vanilla test vector", async () => {
    // Prepare: the signature v4 test suite's simplest case.
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials,
      sha256: NodeSha256,
      applyChecksum: false,
    });

    // Act
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );

    // Assess
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs an execute-api request with its body and query, and leaves Host to fetch', async () => {
    // Act
    const headers = await signedHeaders(sigV4Signer({ region: 'eu-west-1', credentials }), {
      method: 'POST',
      url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/transactions?x=1'),
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    // Assess
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-content-sha256']).toBe(
      '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
    expect(headers).not.toHaveProperty('host');
  });
});
