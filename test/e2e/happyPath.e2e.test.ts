import { randomUUID } from 'node:crypto';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

/**
 * The walking skeleton, end to end over HTTP: ingest → Kinesis → the ledger
 * consumer (behind the local event source mapping) → DynamoDB → read API.
 */
describe('local cloud: an ATM transaction posted end to end', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const account = `A-${run}`;
  const occurredAt = new Date().toISOString();

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2e-${run}`,
      token: 'e2e-token',
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('opens an account, deposits 10000, withdraws 2500 and shows 7500 within 2 s', async () => {
    // Prepare
    const opened = await api.post('/v1/accounts', { accountId: account, currency: 'USD' });
    expect(opened.status).toBe(201);

    // Act
    const deposit = await api.post('/v1/transactions', {
      transactionId: `dep-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt,
    });
    const withdrawal = await api.post('/v1/transactions', {
      transactionId: `wd-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 2_500,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt,
      pan: '4111111111111111',
    });

    // Assess
    expect(deposit).toMatchObject({
      status: 202,
      body: { transactionId: `dep-${run}`, status: 'ACCEPTED' },
    });
    expect(withdrawal.status).toBe(202);
    const { value: balance } = await eventually(
      async () => {
        const a = await api.get(`/v1/accounts/${account}`);
        return a.body.balance === 7_500 ? a.body : undefined;
      },
      { timeoutMs: 2_000, what: 'balance 7500' },
    );
    expect(balance).toMatchObject({
      accountId: account,
      currency: 'USD',
      balance: 7_500,
      overdraftLimit: 0,
      version: 2,
    });
    const entries = await api.get(`/v1/accounts/${account}/entries`);
    expect(entries.body).toMatchObject({
      items: [
        {
          sequence: 1,
          transactionId: `dep-${run}`,
          type: 'DEPOSIT',
          amount: 10_000,
          balanceAfter: 10_000,
        },
        {
          sequence: 2,
          transactionId: `wd-${run}`,
          type: 'WITHDRAWAL',
          amount: -2_500,
          balanceAfter: 7_500,
        },
      ],
      nextCursor: null,
    });
    const tx = await api.get(`/v1/transactions/wd-${run}`);
    expect(tx.body).toMatchObject({ transactionId: `wd-${run}`, status: 'POSTED', conflicts: 0 });
    expect(typeof tx.body.postedAt).toBe('string');
    const trial = await api.get('/v1/ledger/trial-balance');
    expect(trial.body).toEqual({
      currencies: { USD: { debits: 12_500, credits: 12_500, balanced: true } },
    });
  });

  it('answers 400 problem+json naming the field, and changes nothing', async () => {
    // Act
    const response = await api.post('/v1/transactions', {
      transactionId: `bad-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 2.5,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt,
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 400,
      title: expect.any(String),
      detail: expect.stringContaining('amount'),
    });
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'amount' })]);
    await expectNothingHappened(`bad-${run}`);
  });

  it('answers 401 without a token or with a wrong one, and changes nothing', async () => {
    // Prepare
    const body = {
      transactionId: `unauth-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 1,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt,
    };

    // Act
    const missing = await fetch(`${cloud.apiUrl}/v1/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const wrong = await api.post('/v1/transactions', body, {
      authorization: 'Bearer not-the-token',
    });

    // Assess
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(wrong.status).toBe(401);
    await expectNothingHappened(`unauth-${run}`);
  });

  it('serves the OpenAPI 3.1 document and health without a token', async () => {
    const openapi = await fetch(`${cloud.apiUrl}/v1/openapi.json`);
    const health = await fetch(`${cloud.apiUrl}/v1/health`);
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toMatchObject({
      openapi: '3.1.0',
      paths: { '/v1/transactions': expect.any(Object) },
    });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'UP' });
  });

  /** Waits out the pipeline, then checks the rejected request left no trace anywhere. */
  async function expectNothingHappened(transactionId: string) {
    const before = await api.get(`/v1/accounts/${account}`);
    // A record that did reach the stream would be posted well within this window.
    await new Promise((r) => setTimeout(r, 500));
    expect((await api.get(`/v1/transactions/${transactionId}`)).status).toBe(404);
    expect(await api.get(`/v1/accounts/${account}`)).toEqual(before);
    expect(cloud.ledgerConsumer.state).toBe('running');
  }
});
