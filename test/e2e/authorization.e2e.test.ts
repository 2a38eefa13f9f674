import { randomUUID } from 'node:crypto';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

/**
 * How long this cloud's holds last. Short, so an expiry can be watched; long
 * enough that a completion and a release, which travel through the stream,
 * land well before their holds expire on a loaded machine.
 */
const HOLD_TTL_SECONDS = 8;

/** The contract's bound on the local cloud: EXPIRED shows, and the hold stops counting, this soon after expiresAt. */
const EXPIRY_BOUND_MS = 5_000;

interface Notification {
  readonly kind: string;
  readonly accountId: string;
  readonly transactionId?: string;
  readonly authorizationId?: string;
  readonly message: string;
}

/**
 * Real-time authorization through the HTTP API, as an ATM network drives it:
 * a hold is decided at once, then completed (partly), released or left to
 * expire, on the local cloud with a short hold TTL.
 */
describe('local cloud: authorizations hold, complete, release and expire', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const occurredAt = new Date().toISOString();

  const open = async (accountId: string, extra: Record<string, unknown> = {}) => {
    const response = await api.post('/v1/accounts', { accountId, currency: 'USD', ...extra });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  };
  const send = async (body: Record<string, unknown>) => {
    const response = await api.post('/v1/transactions', {
      atmId: 'atm-1',
      occurredAt,
      ...body,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
  };
  const decided = async (transactionId: string) =>
    (
      await eventually(
        async () => {
          const tx = await api.get(`/v1/transactions/${transactionId}`);
          return tx.status === 200 && tx.body.status !== 'PENDING' ? tx.body : undefined;
        },
        { timeoutMs: 5_000, what: `${transactionId} decided` },
      )
    ).value;
  const deposit = async (accountId: string, amount: number) => {
    await send({
      transactionId: `dep-${accountId}`,
      type: 'DEPOSIT',
      accountId,
      amount,
      currency: 'USD',
    });
    expect(await decided(`dep-${accountId}`)).toMatchObject({ status: 'POSTED' });
  };
  const authorization = (authorizationId: string, accountId: string, amount: number) => ({
    authorizationId,
    accountId,
    amount,
    currency: 'USD',
    atmId: 'atm-1',
    occurredAt,
    pan: '4111111111111111',
  });
  const authorize = (authorizationId: string, accountId: string, amount: number) =>
    api.post('/v1/authorizations', authorization(authorizationId, accountId, amount));
  const accountOf = async (accountId: string) => (await api.get(`/v1/accounts/${accountId}`)).body;
  const authorizationOf = async (authorizationId: string) =>
    (await api.get(`/v1/authorizations/${authorizationId}`)).body;
  const notifications = async (accountId: string) =>
    ((await api.get(`/local/notifications?accountId=${accountId}`)).body.items ??
      []) as Notification[];

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2a-${run}`,
      token: 'e2e',
      holdTtlSeconds: HOLD_TTL_SECONDS,
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('holds at once, completes partly, releases, and answers a retry 200 and another payload 409', async () => {
    // Prepare: 1,000.00, no overdraft
    const account = `AU-${run}`;
    await open(account);
    await deposit(account, 100_000);
    const [h1, h2] = [`h1-${run}`, `h2-${run}`];

    // Act: hold 300.00
    const approved = await authorize(h1, account, 30_000);

    // Assess: decided in the answer, and on the account before anything reaches the stream
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({
      authorizationId: h1,
      status: 'APPROVED',
      amount: 30_000,
      availableBalance: 70_000,
    });
    expect(approved.body.reason).toBeUndefined();
    const expiresAt = Date.parse(String(approved.body.expiresAt));
    expect(expiresAt - Date.now()).toBeGreaterThan(0);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(HOLD_TTL_SECONDS * 1_000);
    expect(await accountOf(account)).toMatchObject({
      balance: 100_000,
      heldAmount: 30_000,
      availableBalance: 70_000,
    });
    expect(await authorizationOf(h1)).toMatchObject({
      authorizationId: h1,
      accountId: account,
      status: 'APPROVED',
      amount: 30_000,
      expiresAt: approved.body.expiresAt,
    });

    // Act: the same request again, then the same id for another amount and card
    const retry = await authorize(h1, account, 30_000);
    const conflicting = await api.post('/v1/authorizations', {
      ...authorization(h1, account, 30_001),
      pan: '4000123412341234',
    });

    // Assess: the first decision, unchanged; the conflict names what differs and holds nothing
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(approved.body);
    expect(conflicting.status).toBe(409);
    expect(conflicting.contentType).toContain('application/problem+json');
    expect((conflicting.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'amount',
      'pan',
    ]);
    expect(await accountOf(account)).toMatchObject({ heldAmount: 30_000 });

    // Act: a second hold of 100.00; the ATM dispenses 200.00 of the first, and cancels the second
    const second = await authorize(h2, account, 10_000);
    expect(second.body).toMatchObject({ status: 'APPROVED', availableBalance: 60_000 });
    await send({
      transactionId: `c1-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 20_000,
      currency: 'USD',
      authorizationId: h1,
      pan: '4111111111111111',
    });
    await send({
      transactionId: `r2-${run}`,
      type: 'REVERSAL',
      accountId: account,
      authorizationId: h2,
    });

    // Assess: 1,000.00 - 200.00 posted; nothing held; both holds ended
    expect(await decided(`c1-${run}`)).toMatchObject({
      status: 'POSTED',
      type: 'WITHDRAWAL',
      amount: 20_000,
      authorizationId: h1,
    });
    expect(await decided(`r2-${run}`)).toMatchObject({
      status: 'POSTED',
      type: 'REVERSAL',
      authorizationId: h2,
    });
    expect(await authorizationOf(h1)).toMatchObject({
      status: 'COMPLETED',
      amount: 30_000,
      completedAmount: 20_000,
    });
    const released = await authorizationOf(h2);
    expect(released).toMatchObject({ status: 'RELEASED', amount: 10_000 });
    expect(released.completedAmount).toBeUndefined();
    expect(await accountOf(account)).toMatchObject({
      balance: 80_000,
      heldAmount: 0,
      availableBalance: 80_000,
    });
    const entries = (await api.get(`/v1/accounts/${account}/entries`)).body.items as {
      transactionId: string;
      amount: number;
    }[];
    expect(entries.map((e) => [e.transactionId, e.amount])).toEqual([
      [`dep-${account}`, 100_000],
      [`c1-${run}`, -20_000],
    ]);

    // Act: a second completion of the completed hold, and a release of it
    await send({
      transactionId: `c1-again-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 10_000,
      currency: 'USD',
      authorizationId: h1,
    });
    await send({
      transactionId: `r1-${run}`,
      type: 'REVERSAL',
      accountId: account,
      authorizationId: h1,
    });

    // Assess: both refused; the posted completion is the withdrawal to reverse, if any
    expect(await decided(`c1-again-${run}`)).toMatchObject({
      status: 'REJECTED',
      reason: 'ALREADY_COMPLETED',
    });
    expect(await decided(`r1-${run}`)).toMatchObject({
      status: 'REJECTED',
      reason: 'ALREADY_COMPLETED',
    });
    expect(await accountOf(account)).toMatchObject({ balance: 80_000, heldAmount: 0 });

    // Assess: the receipt shows what was dispensed, not what was authorized; a release sends nothing
    const { value: receipt } = await eventually(
      async () =>
        (await notifications(account)).find(
          (n) => n.kind === 'RECEIPT' && n.transactionId === `c1-${run}`,
        ),
      { timeoutMs: 10_000, what: 'the completion receipt' },
    );
    expect(receipt.message).toContain('Withdrawal of 200.00 USD');
    expect(receipt.message).toContain('with card **** 1111');
    expect(receipt.message).toContain('Balance: 800.00 USD');
    expect((await notifications(account)).filter((n) => n.transactionId === `r2-${run}`)).toEqual(
      [],
    );
  });

  it('expires a hold nobody completed within 5 s of expiresAt, and still posts its completion afterwards', async () => {
    // Prepare: 500.00
    const account = `EX-${run}`;
    await open(account);
    await deposit(account, 50_000);
    const hold = `hx-${run}`;

    // Act
    const approved = await authorize(hold, account, 20_000);
    expect(approved.body).toMatchObject({ status: 'APPROVED', availableBalance: 30_000 });
    const expiresAt = Date.parse(String(approved.body.expiresAt));

    // Assess: EXPIRED on GET, and the hold no longer counts, soon after expiresAt
    const { value: expired } = await eventually(
      async () => {
        const [auth, acct] = await Promise.all([authorizationOf(hold), accountOf(account)]);
        return auth.status === 'EXPIRED' && acct.heldAmount === 0 ? { auth, acct } : undefined;
      },
      { timeoutMs: HOLD_TTL_SECONDS * 1_000 + EXPIRY_BOUND_MS, intervalMs: 100, what: 'expiry' },
    );
    const late = Date.now() - expiresAt;
    expect(late).toBeLessThanOrEqual(EXPIRY_BOUND_MS);
    expect(expired.auth).toMatchObject({ status: 'EXPIRED', amount: 20_000 });
    expect(expired.acct).toMatchObject({
      balance: 50_000,
      heldAmount: 0,
      availableBalance: 50_000,
    });

    // Act: the ATM reports, late, that it dispensed 150.00: the cash left, so it posts
    await send({
      transactionId: `cx-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 15_000,
      currency: 'USD',
      authorizationId: hold,
    });

    // Assess
    expect(await decided(`cx-${run}`)).toMatchObject({ status: 'POSTED', amount: 15_000 });
    expect(await authorizationOf(hold)).toMatchObject({
      status: 'COMPLETED',
      completedAmount: 15_000,
    });
    expect(await accountOf(account)).toMatchObject({
      balance: 35_000,
      heldAmount: 0,
      availableBalance: 35_000,
    });
  }, 60_000);

  it('declines past the daily limit or the funds, remembers the decline, and tells the customer', async () => {
    // Prepare: 1,000.00, at most 500.00 a day
    const account = `DL-${run}`;
    await open(account, { dailyWithdrawalLimit: 50_000 });
    await deposit(account, 100_000);
    const [d1, d2, d3, d4] = [`d1-${run}`, `d2-${run}`, `d3-${run}`, `d4-${run}`];

    // Act: 400.00 held, then 200.00 more the same day
    expect((await authorize(d1, account, 40_000)).body).toMatchObject({ status: 'APPROVED' });
    const declined = await authorize(d2, account, 20_000);

    // Assess: decided (201), declined, and the available balance after it (only the first hold)
    expect(declined.status).toBe(201);
    expect(declined.body).toMatchObject({
      authorizationId: d2,
      status: 'DECLINED',
      reason: 'DAILY_LIMIT_EXCEEDED',
      amount: 20_000,
      availableBalance: 60_000,
    });
    expect(declined.body.expiresAt).toBeUndefined();
    expect(await authorizationOf(d2)).toMatchObject({
      status: 'DECLINED',
      reason: 'DAILY_LIMIT_EXCEEDED',
      amount: 20_000,
    });
    const retry = await authorize(d2, account, 20_000);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(declined.body);
    expect(await accountOf(account)).toMatchObject({
      balance: 100_000,
      heldAmount: 40_000,
      availableBalance: 60_000,
      dailyWithdrawalLimit: 50_000,
    });

    // Act: a plain withdrawal past the limit; then the hold released, which gives the day back
    await send({
      transactionId: `w-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount: 15_000,
      currency: 'USD',
    });
    expect(await decided(`w-${run}`)).toMatchObject({
      status: 'REJECTED',
      reason: 'DAILY_LIMIT_EXCEEDED',
    });
    await send({
      transactionId: `rd1-${run}`,
      type: 'REVERSAL',
      accountId: account,
      authorizationId: d1,
    });
    expect(await decided(`rd1-${run}`)).toMatchObject({ status: 'POSTED' });
    const whole = await authorize(d3, account, 50_000);
    const tooMuch = await authorize(d4, account, 60_000);

    // Assess: the whole limit is free again; more than the funds left is declined for funds first
    expect(whole.body).toMatchObject({ status: 'APPROVED', availableBalance: 50_000 });
    expect(tooMuch.body).toMatchObject({
      status: 'DECLINED',
      reason: 'INSUFFICIENT_FUNDS',
      availableBalance: 50_000,
    });

    // Assess: each decline is a rejected-withdrawal notice about its authorization
    const { value: rejected } = await eventually(
      async () => {
        const items = (await notifications(account)).filter(
          (n) => n.kind === 'WITHDRAWAL_REJECTED',
        );
        return items.length >= 3 ? items : undefined;
      },
      { timeoutMs: 10_000, what: 'three rejected-withdrawal notices' },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const about = (await notifications(account))
      .filter((n) => n.kind === 'WITHDRAWAL_REJECTED')
      .map((n) => n.authorizationId ?? n.transactionId)
      .sort();
    expect(about).toEqual([d2, d4, `w-${run}`].sort());
    const notice = rejected.find((n) => n.authorizationId === d2);
    expect(notice?.transactionId).toBeUndefined();
    expect(notice?.message).toContain('200.00 USD');
    expect(notice?.message).toContain('daily withdrawal limit');
  });

  it('declines an unknown account, refuses a bad field 400 naming it, and says 404 for an id never seen', async () => {
    // Act
    const unknown = await authorize(`u-${run}`, `NOPE-${run}`, 1_000);
    const bad = await api.post('/v1/authorizations', {
      ...authorization(`b-${run}`, `AU-${run}`, 1_000),
      amount: -5,
    });
    const extra = await api.post('/v1/authorizations', {
      ...authorization(`x-${run}`, `AU-${run}`, 1_000),
      type: 'WITHDRAWAL',
    });
    const never = await api.get(`/v1/authorizations/never-${run}`);

    // Assess
    expect(unknown.status).toBe(201);
    expect(unknown.body).toMatchObject({ status: 'DECLINED', reason: 'ACCOUNT_NOT_FOUND' });
    // The contract's body always carries availableBalance: nothing is available on no account.
    expect(unknown.body.availableBalance).toBe(0);
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['amount']);
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.errors)).toContain('type');
    expect((await api.get(`/v1/authorizations/b-${run}`)).status).toBe(404);
    expect(never.status).toBe(404);
  });

  it('serves the authorization routes and the hold fields in its OpenAPI document', async () => {
    // Act
    const doc = (await api.get('/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };

    // Assess
    expect(doc.paths['/v1/authorizations']).toHaveProperty('post');
    expect(doc.paths['/v1/authorizations/{authorizationId}']).toHaveProperty('get');
    expect(Object.keys(doc.components.schemas.Account?.properties ?? {})).toEqual(
      expect.arrayContaining(['heldAmount', 'availableBalance', 'dailyWithdrawalLimit']),
    );
  });
});
