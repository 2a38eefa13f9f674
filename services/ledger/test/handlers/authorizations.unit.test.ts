import type { HttpResult } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { postTransaction } from '../../src/application/postTransaction.js';
import { makeApiHandler } from '../../src/handlers/apiHandler.js';
import {
  anAccount,
  aWithdrawal,
  fixedClock,
  NOW,
  postCommand,
  silentLogger,
} from '../support/builders.js';
import { httpEvent } from '../support/events.js';

const OCCURRED_AT = '2026-03-01T11:59:59.000Z';
/** NOW + 60 s, the hold TTL these tests run with. */
const EXPIRES = '2026-03-01T12:01:00.000Z';

function setup() {
  const store = new InMemoryLedgerStore();
  const handler = makeApiHandler({
    store,
    clock: fixedClock(),
    logger: silentLogger(),
    policy: { holdTtlSeconds: 60 },
  });
  const authorize = (body: unknown, headers: Record<string, string> = {}) =>
    handler(httpEvent('POST /v1/authorizations', { body, headers }));
  const get = (authorizationId: string) =>
    handler(
      httpEvent('GET /v1/authorizations/{authorizationId}', {
        pathParameters: { authorizationId },
      }),
    );
  const account = (accountId = 'acct-1') =>
    handler(httpEvent('GET /v1/accounts/{accountId}', { pathParameters: { accountId } }));
  return { store, handler, authorize, get, account };
}

const request = (o: Record<string, unknown> = {}) => ({
  authorizationId: 'auth-1',
  accountId: 'acct-1',
  amount: 100,
  currency: 'EUR',
  atmId: 'atm-1',
  occurredAt: OCCURRED_AT,
  ...o,
});

const body = (result: HttpResult) => JSON.parse(String(result.body)) as Record<string, unknown>;

function expectProblem(result: HttpResult, status: number, slug: string) {
  expect(result.statusCode).toBe(status);
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  const problem = body(result);
  expect(problem).toMatchObject({ type: `/problems/${slug}`, status });
  return problem;
}

const fields = (problem: Record<string, unknown>) =>
  ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

describe('POST /v1/authorizations', () => {
  it('answers 201 with exactly the decision, its location and the correlation id', async () => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 500, overdraftLimit: 100 }));

    // Act
    const result = await authorize(request(), { 'x-correlation-id': 'corr-1' });

    // Assess
    expect(result.statusCode).toBe(201);
    expect(result.headers?.location).toBe('/v1/authorizations/auth-1');
    expect(result.headers?.['x-correlation-id']).toBe('corr-1');
    expect(body(result)).toEqual({
      authorizationId: 'auth-1',
      status: 'APPROVED',
      amount: 100,
      availableBalance: 500,
      expiresAt: EXPIRES,
    });
  });

  it('answers 201 for a decline too, with its reason and no expiry: a decline is remembered', async () => {
    // Prepare
    const { store, authorize, get } = setup();
    await store.createAccount(anAccount({ balance: 50 }));

    // Act
    const result = await authorize(request());

    // Assess
    expect(result.statusCode).toBe(201);
    expect(body(result)).toEqual({
      authorizationId: 'auth-1',
      status: 'DECLINED',
      reason: 'INSUFFICIENT_FUNDS',
      amount: 100,
      availableBalance: 50,
    });
    expect(body(await get('auth-1'))).toMatchObject({ status: 'DECLINED' });
  });

  it('declines an unknown account ACCOUNT_NOT_FOUND, with nothing available', async () => {
    const { authorize } = setup();

    const result = await authorize(request());

    expect(result.statusCode).toBe(201);
    expect(body(result)).toEqual({
      authorizationId: 'auth-1',
      status: 'DECLINED',
      reason: 'ACCOUNT_NOT_FOUND',
      amount: 100,
      availableBalance: 0,
    });
  });

  it('declines DAILY_LIMIT_EXCEEDED past the account’s daily limit', async () => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 1_000, dailyWithdrawalLimit: 150 }));
    await authorize(request({ authorizationId: 'auth-0' }));

    // Act
    const result = await authorize(request());

    // Assess
    expect(body(result)).toMatchObject({ status: 'DECLINED', reason: 'DAILY_LIMIT_EXCEEDED' });
  });

  it('answers an identical retry 200 with the same body, even once the balance has moved', async () => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 500 }));
    const first = await authorize(request({ pan: '4111111111111111' }));
    await postTransaction(
      { store, clock: fixedClock() },
      postCommand(aWithdrawal({ transactionId: 'w-1', amount: 300 })),
    );

    // Act
    const retry = await authorize(request({ pan: '4111111111111111' }));

    // Assess
    expect([first.statusCode, retry.statusCode]).toEqual([201, 200]);
    expect(retry.headers?.location).toBeUndefined();
    expect(body(retry)).toEqual(body(first));
    expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 100 });
  });

  it('answers 409 problem+json naming the field that differs, and changes nothing', async () => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 500 }));
    await authorize(request());

    // Act
    const result = await authorize(request({ amount: 101 }));

    // Assess
    const problem = expectProblem(result, 409, 'idempotency-conflict');
    expect(fields(problem)).toEqual(['amount']);
    expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 100 });
    expect(await store.getAuthorization('auth-1')).toMatchObject({ fields: { amount: 100 } });
  });

  it('names pan, never panLast4, when the card differs, and every field that differs', async () => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 500 }));
    await authorize(request({ pan: '4111111111111111' }));

    // Act
    const result = await authorize(
      request({ pan: '4111111111112222', atmId: 'atm-9', occurredAt: '2026-03-01T12:59:59+01:00' }),
    );

    // Assess: the same instant written another way is not a difference
    expect(fields(expectProblem(result, 409, 'idempotency-conflict'))).toEqual(['atmId', 'pan']);
  });

  it.each([
    ['amount', { amount: 0 }],
    ['amount', { amount: 1.5 }],
    ['currency', { currency: 'eur' }],
    ['occurredAt', { occurredAt: 'yesterday' }],
    ['pan', { pan: '4111' }],
    ['authorizationId', { authorizationId: 'no spaces allowed' }],
    ['accountId', { accountId: undefined }],
    ['transactionId', { transactionId: 'x' }],
  ])('answers 400 naming %s when it is invalid, and decides nothing', async (field, change) => {
    // Prepare
    const { store, authorize } = setup();
    await store.createAccount(anAccount({ balance: 500 }));

    // Act
    const result = await authorize(request(change));

    // Assess
    expect(fields(expectProblem(result, 400, 'validation-error'))).toEqual([field]);
    expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 0 });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { handler } = setup();

    const result = await handler(httpEvent('POST /v1/authorizations', { body: '{"amount":' }));

    expectProblem(result, 400, 'malformed-json');
  });
});

describe('GET /v1/authorizations/{authorizationId}', () => {
  it('answers 200 with the authorization as it stands', async () => {
    // Prepare
    const { store, authorize, get } = setup();
    await store.createAccount(anAccount({ balance: 500 }));
    await authorize(request());

    // Act
    const result = await get('auth-1');

    // Assess
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({
      authorizationId: 'auth-1',
      accountId: 'acct-1',
      status: 'APPROVED',
      amount: 100,
      expiresAt: EXPIRES,
      decidedAt: NOW,
    });
  });

  it('shows a partial completion as COMPLETED with the amount it posted', async () => {
    // Prepare
    const { store, authorize, get } = setup();
    await store.createAccount(anAccount({ balance: 500 }));
    await authorize(request());
    await postTransaction(
      { store, clock: fixedClock() },
      postCommand(aWithdrawal({ transactionId: 'w-1', authorizationId: 'auth-1', amount: 40 })),
    );

    // Act
    const result = await get('auth-1');

    // Assess
    expect(body(result)).toMatchObject({ status: 'COMPLETED', amount: 100, completedAmount: 40 });
  });

  it('answers 404 for an id never seen', async () => {
    const { get } = setup();

    expectProblem(await get('auth-404'), 404, 'not-found');
  });

  it('answers 400 naming authorizationId for an id that cannot be one', async () => {
    const { get } = setup();

    expect(fields(expectProblem(await get('no such id'), 400, 'validation-error'))).toEqual([
      'authorizationId',
    ]);
  });
});

describe('authorization routes the API does not serve', () => {
  it.each([
    'GET /v1/authorizations',
    'PUT /v1/authorizations/{authorizationId}',
    'DELETE /v1/authorizations/{authorizationId}',
    'POST /v1/authorizations/{authorizationId}',
  ])('answers %s 404 no-route', async (routeKey) => {
    const { handler } = setup();

    const result = await handler(
      httpEvent(routeKey, { pathParameters: { authorizationId: 'auth-1' } }),
    );

    expectProblem(result, 404, 'no-route');
  });
});

describe('GET /v1/accounts/{accountId} with holds', () => {
  it('shows the hold and the available balance: balance + overdraftLimit - heldAmount', async () => {
    // Prepare
    const { store, authorize, account } = setup();
    await store.createAccount(
      anAccount({ balance: 500, overdraftLimit: 200, dailyWithdrawalLimit: 1_000 }),
    );
    await authorize(request({ amount: 300 }));

    // Act
    const result = await account();

    // Assess
    expect(body(result)).toEqual({
      accountId: 'acct-1',
      currency: 'EUR',
      balance: 500,
      overdraftLimit: 200,
      lowBalanceThreshold: 1_000,
      heldAmount: 300,
      availableBalance: 400,
      dailyWithdrawalLimit: 1_000,
      version: 0,
      updatedAt: NOW,
    });
  });
});
