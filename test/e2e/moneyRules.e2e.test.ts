import { randomUUID } from 'node:crypto';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

/** The window of this cloud: short, so an early reversal can be watched expire. */
const WINDOW_SECONDS = 8;

/**
 * The money rules of reversals, through the HTTP API as an ATM network drives
 * it, on the local cloud with a short reversal window.
 */
describe('local cloud: reversals correct what happened', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const now = () => new Date().toISOString();

  const open = async (accountId: string, extra: Record<string, unknown> = {}) => {
    const response = await api.post('/v1/accounts', { accountId, currency: 'USD', ...extra });
    expect(response.status).toBe(201);
  };
  const send = async (body: Record<string, unknown>) => {
    const response = await api.post('/v1/transactions', body);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
  };
  const decided = async (transactionId: string, timeoutMs = 5_000) =>
    (
      await eventually(
        async () => {
          const tx = await api.get(`/v1/transactions/${transactionId}`);
          return tx.status === 200 && tx.body.status !== 'PENDING' ? tx.body : undefined;
        },
        { timeoutMs, what: `${transactionId} decided` },
      )
    ).value;
  const balanceOf = async (accountId: string) =>
    (await api.get(`/v1/accounts/${accountId}`)).body.balance;
  const notifications = async (accountId: string) =>
    ((await api.get(`/local/notifications?accountId=${accountId}`)).body.items ?? []) as {
      kind: string;
      transactionId: string;
      message: string;
    }[];

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2r-${run}`,
      token: 'e2e',
      reversalWindowSeconds: WINDOW_SECONDS,
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('applies the first of two early reversals to arrive, the partial one, whatever their ids', async () => {
    // Prepare: 10000 in the account
    const account = `ER-${run}`;
    await open(account);
    await send({
      transactionId: `d-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt: now(),
    });
    await decided(`d-${run}`);
    const withdrawalId = `w-${run}`;
    const at = now();

    // Act: the partial reversal (2000 dispensed) first, under an id that sorts last; then a full one; then the withdrawal
    await send({
      transactionId: `z-partial-${run}`,
      type: 'REVERSAL',
      accountId: account,
      atmId: 'atm-1',
      occurredAt: at,
      originalTransactionId: withdrawalId,
      dispensedAmount: 2_000,
    });
    await send({
      transactionId: `a-full-${run}`,
      type: 'REVERSAL',
      accountId: account,
      atmId: 'atm-1',
      occurredAt: at,
      originalTransactionId: withdrawalId,
    });
    await send({
      transactionId: withdrawalId,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 6_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt: at,
    });

    // Assess: the ATM dispensed 2000 of the 6000, so 4000 comes back, once
    expect(await decided(withdrawalId)).toMatchObject({ status: 'POSTED' });
    expect(await decided(`z-partial-${run}`)).toMatchObject({
      status: 'POSTED',
      dispensedAmount: 2_000,
    });
    expect(await decided(`a-full-${run}`)).toMatchObject({
      status: 'REJECTED',
      reason: 'ALREADY_REVERSED',
    });
    expect(await balanceOf(account)).toBe(8_000);
  });

  it('refuses a stale reversal, one from another ATM and one of another amount ORIGINAL_MISMATCH, and posts the true one', async () => {
    // Prepare
    const account = `SR-${run}`;
    await open(account);
    const originalAt = new Date(Date.now() - 60_000).toISOString();
    await send({
      transactionId: `d2-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt: originalAt,
    });
    await send({
      transactionId: `w2-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 3_000,
      currency: 'USD',
      atmId: 'atm-1',
      occurredAt: originalAt,
    });
    await decided(`w2-${run}`);
    const reversal = { type: 'REVERSAL', accountId: account, originalTransactionId: `w2-${run}` };

    // Act
    // A minute after its original, with an 8 s window: stale.
    await send({ ...reversal, transactionId: `stale-${run}`, atmId: 'atm-1', occurredAt: now() });
    const inWindow = new Date(Date.parse(originalAt) + 1_000).toISOString();
    await send({
      ...reversal,
      transactionId: `foreign-${run}`,
      atmId: 'atm-9',
      occurredAt: inWindow,
    });
    await send({
      ...reversal,
      transactionId: `amount-${run}`,
      atmId: 'atm-1',
      occurredAt: inWindow,
      amount: 2_999,
      currency: 'USD',
    });
    await send({
      ...reversal,
      transactionId: `true-${run}`,
      atmId: 'atm-1',
      occurredAt: inWindow,
      amount: 3_000,
      currency: 'USD',
    });

    // Assess
    for (const id of [`stale-${run}`, `foreign-${run}`, `amount-${run}`]) {
      expect(await decided(id)).toMatchObject({ status: 'REJECTED', reason: 'ORIGINAL_MISMATCH' });
    }
    expect(await decided(`true-${run}`)).toMatchObject({
      status: 'POSTED',
      amount: 3_000,
      currency: 'USD',
    });
    expect(await balanceOf(account)).toBe(10_000);
  });

  it('ends an early reversal whose original never comes REJECTED ORIGINAL_NOT_FOUND once the window has passed', async () => {
    // Prepare
    const account = `NF-${run}`;
    await open(account);

    // Act
    await send({
      transactionId: `orphan-${run}`,
      type: 'REVERSAL',
      accountId: account,
      atmId: 'atm-1',
      occurredAt: now(),
      originalTransactionId: `never-${run}`,
    });

    // Assess: waiting first, then refused within a minute of the window's end
    const pending = await eventually(
      async () => {
        const tx = await api.get(`/v1/transactions/orphan-${run}`);
        return tx.body.status === 'PENDING' && tx.body.type === 'REVERSAL' ? tx.body : undefined;
      },
      { timeoutMs: 5_000, what: 'the reversal waiting' },
    );
    expect(pending.value).toMatchObject({ originalTransactionId: `never-${run}` });
    expect(await decided(`orphan-${run}`, (WINDOW_SECONDS + 60) * 1_000)).toMatchObject({
      status: 'REJECTED',
      reason: 'ORIGINAL_NOT_FOUND',
    });
  }, 90_000);

  it('takes a reversed deposit back even below the overdraft limit, and tells the customer twice: a receipt and an overdrawn alert', async () => {
    // Prepare: 5000 deposited, then 4500 withdrawn, with an overdraft of 1000
    const account = `DR-${run}`;
    await open(account, { overdraftLimit: 1_000 });
    const at = now();
    await send({
      transactionId: `dd-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 5_000,
      currency: 'USD',
      atmId: 'atm-3',
      occurredAt: at,
    });
    await send({
      transactionId: `dw-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 4_500,
      currency: 'USD',
      atmId: 'atm-3',
      occurredAt: at,
    });
    await decided(`dw-${run}`);

    // Act
    await send({
      transactionId: `drev-${run}`,
      type: 'REVERSAL',
      accountId: account,
      atmId: 'atm-3',
      occurredAt: at,
      originalTransactionId: `dd-${run}`,
    });

    // Assess: 500 - 5000 = -4500, past the -1000 floor
    expect(await decided(`drev-${run}`)).toMatchObject({ status: 'POSTED' });
    expect(await balanceOf(account)).toBe(-4_500);
    const { value: about } = await eventually(
      async () => {
        const items = (await notifications(account)).filter(
          (n) => n.transactionId === `drev-${run}`,
        );
        return items.length >= 2 ? items : undefined;
      },
      { timeoutMs: 10_000, what: 'the reversal receipt and the overdrawn alert' },
    );
    expect(about.map((n) => n.kind).sort()).toEqual(['OVERDRAWN', 'RECEIPT']);
    expect(about.find((n) => n.kind === 'RECEIPT')?.message).toContain(
      'Deposit of 50.00 USD reversed',
    );
    expect(about.find((n) => n.kind === 'OVERDRAWN')?.message).toContain('-45.00 USD');
  });

  it('sends a receipt for a refund: a withdrawal the ATM did not dispense', async () => {
    // Prepare
    const account = `RR-${run}`;
    await open(account);
    const at = now();
    await send({
      transactionId: `rd-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      atmId: 'atm-5',
      occurredAt: at,
    });
    await send({
      transactionId: `rw-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 4_000,
      currency: 'USD',
      atmId: 'atm-5',
      occurredAt: at,
    });

    // Act: nothing came out of the ATM
    await send({
      transactionId: `rr-${run}`,
      type: 'REVERSAL',
      accountId: account,
      atmId: 'atm-5',
      occurredAt: at,
      originalTransactionId: `rw-${run}`,
      amount: 4_000,
      currency: 'USD',
      dispensedAmount: 0,
    });

    // Assess
    expect(await decided(`rr-${run}`)).toMatchObject({ status: 'POSTED' });
    const { value: receipt } = await eventually(
      async () =>
        (await notifications(account)).find(
          (n) => n.transactionId === `rr-${run}` && n.kind === 'RECEIPT',
        ),
      { timeoutMs: 10_000, what: 'the refund receipt' },
    );
    expect(receipt.message).toContain('Refund of 40.00 USD');
    expect(receipt.message).toContain('Balance: 100.00 USD');
  });

  it('shows the balance a balance inquiry showed, and the business fields of what stands', async () => {
    // Prepare
    const account = `BI-${run}`;
    await open(account);
    await send({
      transactionId: `bd-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 1_234,
      currency: 'USD',
      atmId: 'atm-4',
      occurredAt: now(),
      pan: '4111111111111111',
    });
    await decided(`bd-${run}`);

    // Act
    await send({
      transactionId: `bi-${run}`,
      type: 'BALANCE_INQUIRY',
      accountId: account,
      atmId: 'atm-4',
      occurredAt: now(),
    });

    // Assess
    expect(await decided(`bi-${run}`)).toMatchObject({
      status: 'POSTED',
      type: 'BALANCE_INQUIRY',
      balance: 1_234,
    });
    const deposit = await api.get(`/v1/transactions/bd-${run}`);
    expect(deposit.body).toMatchObject({
      type: 'DEPOSIT',
      accountId: account,
      amount: 1_234,
      currency: 'USD',
      atmId: 'atm-4',
    });
    expect(JSON.stringify(deposit.body)).not.toContain('4111');
  });
});
