import { randomUUID } from 'node:crypto';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

/**
 * The idempotency door over HTTP, as an ATM meets it: a transactionId another
 * payload already holds is refused at ingest with 409, before the stream, so
 * the ledger never sees the second payload.
 */
describe('local cloud: one transactionId, two payloads', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const account = `A-${run}`;
  const occurredAt = new Date().toISOString();
  const withdrawal = (transactionId: string, amount: number) => ({
    transactionId,
    type: 'WITHDRAWAL',
    accountId: account,
    amount,
    currency: 'USD',
    atmId: 'atm-1',
    occurredAt,
    pan: '4111111111111111',
  });
  const balanceOf = async () => (await api.get(`/v1/accounts/${account}`)).body.balance;
  /** Waits for the ledger to decide an id; the read says PENDING until then. */
  const decided = (transactionId: string) =>
    eventually(
      async () => {
        const tx = await api.get(`/v1/transactions/${transactionId}`);
        return tx.status === 200 && tx.body.status !== 'PENDING' ? tx.body : undefined;
      },
      { timeoutMs: 5_000, what: `${transactionId} decided` },
    );

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2e-door-${run}`,
      token: 'e2e-token',
    });
    api = apiClient(cloud.apiUrl, cloud.token);
    expect((await api.post('/v1/accounts', { accountId: account, currency: 'USD' })).status).toBe(
      201,
    );
    const deposit = await api.post('/v1/transactions', {
      transactionId: `dep-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt,
    });
    expect(deposit.status).toBe(202);
    await decided(`dep-${run}`);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('refuses the same id with another amount with 409 naming amount, and changes nothing', async () => {
    // Prepare
    const id = `wd-${run}`;
    const first = await api.post('/v1/transactions', withdrawal(id, 2_500));

    // Act: at once, while the first may still be on its way to the ledger
    const second = await api.post('/v1/transactions', withdrawal(id, 3_000));

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.contentType).toMatch(/^application\/problem\+json/);
    expect(second.body).toMatchObject({
      type: '/problems/idempotency-conflict',
      status: 409,
      title: expect.any(String),
      detail: expect.stringContaining('already accepted with a different payload'),
    });
    expect(second.body.errors).toEqual([expect.objectContaining({ field: 'amount' })]);
    expect(JSON.stringify(second.body)).not.toContain('4111');
    const { value: tx } = await decided(id);
    expect(tx).toMatchObject({ transactionId: id, status: 'POSTED', amount: 2_500, conflicts: 0 });
    // A record that did reach the stream would be posted well within this window.
    await new Promise((r) => setTimeout(r, 500));
    expect(await balanceOf()).toBe(7_500);
    expect((await api.get(`/v1/transactions/${id}`)).body).toMatchObject({
      amount: 2_500,
      conflicts: 0,
    });
    expect(cloud.ledgerConsumer.state).toBe('running');
  });

  it('accepts exactly one of two payloads raced on a new id; the ledger posts only that one', async () => {
    // Prepare
    const id = `race-${run}`;
    const before = await balanceOf();
    if (typeof before !== 'number') throw new Error(`no balance for ${account}`);
    const amounts = [100, 200];

    // Act
    const responses = await Promise.all(
      amounts.map((amount) => api.post('/v1/transactions', withdrawal(id, amount))),
    );

    // Assess
    expect(responses.map((r) => r.status).sort()).toEqual([202, 409]);
    const winner = amounts[responses.findIndex((r) => r.status === 202)];
    const { value: tx } = await decided(id);
    expect(tx).toMatchObject({ status: 'POSTED', amount: winner, conflicts: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await balanceOf()).toBe(before - (winner ?? 0));
  });
});
