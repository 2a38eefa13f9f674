import type { AtmTransaction } from '@atm-ledger/contracts';
import type { HttpResult } from '@atm-ledger/runtime';
import { describe, expect, it, vi } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { postTransaction } from '../../src/application/postTransaction.js';
import { DEFAULT_LEDGER_POLICY } from '../../src/domain/index.js';
import { makeApiHandler } from '../../src/handlers/apiHandler.js';
import { RetryableStoreError } from '../../src/ports.js';
import {
  aDeposit,
  aWithdrawal,
  fixedClock,
  NOW,
  postCommand,
  silentLogger,
} from '../support/builders.js';
import { httpEvent } from '../support/events.js';

function setup() {
  const store = new InMemoryLedgerStore();
  const logger = silentLogger();
  const clock = fixedClock();
  const handler = makeApiHandler({ store, clock, logger, policy: DEFAULT_LEDGER_POLICY });
  const post = (tx: AtmTransaction) => postTransaction({ store, clock }, postCommand(tx));
  const open = (body: Record<string, unknown>) => handler(httpEvent('POST /v1/accounts', { body }));
  return { store, logger, handler, post, open };
}

const body = (result: HttpResult) => JSON.parse(String(result.body)) as Record<string, unknown>;
const contentType = (result: HttpResult) => result.headers?.['content-type'];

/** A problem+json response: its status, problem type and the fields it names. */
function expectProblem(result: HttpResult, status: number, slug: string) {
  expect(result.statusCode).toBe(status);
  expect(contentType(result)).toBe('application/problem+json');
  const problem = body(result);
  expect(problem).toMatchObject({ type: `/problems/${slug}`, status });
  return problem;
}

const fields = (problem: Record<string, unknown>) =>
  ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

describe('apiHandler: POST /v1/accounts', () => {
  it('opens an account: 201, its location, and the account with defaults applied', async () => {
    // Prepare
    const { open } = setup();

    // Act
    const result = await open({ accountId: 'acct-1', currency: 'EUR' });

    // Assess
    expect(result.statusCode).toBe(201);
    expect(result.headers?.location).toBe('/v1/accounts/acct-1');
    expect(body(result)).toEqual({
      accountId: 'acct-1',
      currency: 'EUR',
      balance: 0,
      overdraftLimit: 0,
      lowBalanceThreshold: 10_000,
      heldAmount: 0,
      availableBalance: 0,
      version: 0,
      updatedAt: NOW,
    });
  });

  it('answers 200 with the existing account when the same account is opened again', async () => {
    // Prepare
    const { open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR', overdraftLimit: 50 });
    await post(aDeposit({ amount: 70 }));

    // Act
    const result = await open({ accountId: 'acct-1', currency: 'EUR', overdraftLimit: 50 });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.location).toBeUndefined();
    expect(body(result)).toMatchObject({ balance: 70, version: 1 });
  });

  it('answers 409 when the account exists with other fields, saying which', async () => {
    // Prepare
    const { open } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });

    // Act
    const result = await open({ accountId: 'acct-1', currency: 'USD' });

    // Assess
    const problem = expectProblem(result, 409, 'account-conflict');
    expect(problem.detail).toContain('EUR');
    expect(problem.detail).toContain('USD');
  });

  it('keeps dailyWithdrawalLimit as part of the account: the same limit is 200, another or none is 409', async () => {
    // Prepare
    const { open } = setup();
    const created = await open({ accountId: 'acct-1', currency: 'EUR', dailyWithdrawalLimit: 500 });

    // Act
    const same = await open({ accountId: 'acct-1', currency: 'EUR', dailyWithdrawalLimit: 500 });
    const other = await open({ accountId: 'acct-1', currency: 'EUR', dailyWithdrawalLimit: 501 });
    const none = await open({ accountId: 'acct-1', currency: 'EUR' });

    // Assess
    expect(created.statusCode).toBe(201);
    expect(body(created)).toMatchObject({ dailyWithdrawalLimit: 500 });
    expect(same.statusCode).toBe(200);
    expect(body(same)).toEqual(body(created));
    expect(String(expectProblem(other, 409, 'account-conflict').detail)).toContain('501');
    expectProblem(none, 409, 'account-conflict');
  });

  it('answers 409 for a limit asked of an account opened without one', async () => {
    const { open } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });

    const result = await open({ accountId: 'acct-1', currency: 'EUR', dailyWithdrawalLimit: 500 });

    expectProblem(result, 409, 'account-conflict');
  });

  it('answers 400 naming dailyWithdrawalLimit when it is not a count of minor units', async () => {
    const { open } = setup();

    const result = await open({ accountId: 'acct-1', currency: 'EUR', dailyWithdrawalLimit: -1 });

    expect(fields(expectProblem(result, 400, 'validation-error'))).toEqual([
      'dailyWithdrawalLimit',
    ]);
  });

  it('answers 400 naming the field for an invalid currency', async () => {
    const { open, store } = setup();

    const result = await open({ accountId: 'acct-1', currency: 'eur' });

    expect(fields(expectProblem(result, 400, 'validation-error'))).toEqual(['currency']);
    expect(await store.getAccount('acct-1')).toBeUndefined();
  });

  it('answers 400 naming each invalid field', async () => {
    const { open } = setup();

    const result = await open({ accountId: 'bad id!', currency: 'EUR', overdraftLimit: -1 });

    expect(fields(expectProblem(result, 400, 'validation-error')).sort()).toEqual([
      'accountId',
      'overdraftLimit',
    ]);
  });

  it('answers 400 naming a field it does not know', async () => {
    const { open } = setup();

    const result = await open({ accountId: 'acct-1', currency: 'EUR', balance: 1_000_000 });

    expect(fields(expectProblem(result, 400, 'validation-error'))).toEqual(['balance']);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { handler } = setup();

    const result = await handler(httpEvent('POST /v1/accounts', { body: '{"accountId":' }));

    expectProblem(result, 400, 'malformed-json');
  });

  it('answers 415 for a body that is not sent as JSON', async () => {
    const { handler } = setup();

    const result = await handler(
      httpEvent('POST /v1/accounts', {
        body: { accountId: 'acct-1', currency: 'EUR' },
        headers: { 'content-type': 'text/plain' },
      }),
    );

    expectProblem(result, 415, 'unsupported-media-type');
  });
});

describe('apiHandler: GET /v1/accounts/{accountId}', () => {
  const get = (accountId: string) =>
    httpEvent('GET /v1/accounts/{accountId}', { pathParameters: { accountId } });

  it('answers 404 for an unknown account', async () => {
    const { handler } = setup();

    expectProblem(await handler(get('acct-1')), 404, 'not-found');
  });

  it('answers 200 with the account as postings left it', async () => {
    // Prepare
    const { handler, open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });
    await post(aDeposit({ transactionId: 'd-1', amount: 500 }));
    await post(aWithdrawal({ transactionId: 'w-1', amount: 120 }));

    // Act
    const result = await handler(get('acct-1'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(contentType(result)).toBe('application/json');
    expect(body(result)).toMatchObject({ accountId: 'acct-1', balance: 380, version: 2 });
  });

  it('answers 400 naming accountId for an id that cannot be one', async () => {
    const { handler } = setup();

    const problem = expectProblem(await handler(get('no/such id')), 400, 'validation-error');

    expect(fields(problem)).toEqual(['accountId']);
  });
});

describe('apiHandler: GET /v1/accounts/{accountId}/entries', () => {
  const entries = (accountId: string, query?: Record<string, string>) =>
    httpEvent('GET /v1/accounts/{accountId}/entries', {
      pathParameters: { accountId },
      ...(query === undefined ? {} : { queryStringParameters: query }),
    });

  async function withThreeDeposits() {
    const context = setup();
    await context.open({ accountId: 'acct-1', currency: 'EUR' });
    for (const i of [1, 2, 3])
      await context.post(aDeposit({ transactionId: `d-${i}`, amount: i * 10 }));
    return context;
  }

  it('pages through the entries with limit and cursor', async () => {
    // Prepare
    const { handler } = await withThreeDeposits();

    // Act
    const first = body(await handler(entries('acct-1', { limit: '2' })));
    const second = body(
      await handler(entries('acct-1', { limit: '2', cursor: String(first.nextCursor) })),
    );

    // Assess
    expect(first.items).toEqual([
      {
        sequence: 1,
        transactionId: 'd-1',
        type: 'DEPOSIT',
        amount: 10,
        balanceAfter: 10,
        postedAt: NOW,
      },
      {
        sequence: 2,
        transactionId: 'd-2',
        type: 'DEPOSIT',
        amount: 20,
        balanceAfter: 30,
        postedAt: NOW,
      },
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second).toEqual({
      items: [
        {
          sequence: 3,
          transactionId: 'd-3',
          type: 'DEPOSIT',
          amount: 30,
          balanceAfter: 60,
          postedAt: NOW,
        },
      ],
      nextCursor: null,
    });
  });

  it('answers 404 for an unknown account', async () => {
    const { handler } = setup();

    expectProblem(await handler(entries('acct-1')), 404, 'not-found');
  });

  it('answers 400 invalid-cursor for a cursor it did not issue', async () => {
    const { handler } = await withThreeDeposits();

    expectProblem(await handler(entries('acct-1', { cursor: 'Zm9yZ2Vk' })), 400, 'invalid-cursor');
  });

  it.each(['0', '101', 'ten'])('answers 400 naming limit for limit=%s', async (limit) => {
    const { handler } = await withThreeDeposits();

    const problem = expectProblem(
      await handler(entries('acct-1', { limit })),
      400,
      'validation-error',
    );

    expect(fields(problem)).toEqual(['limit']);
  });
});

describe('apiHandler: GET /v1/transactions/{transactionId}', () => {
  const get = (transactionId: string) =>
    httpEvent('GET /v1/transactions/{transactionId}', { pathParameters: { transactionId } });

  it('answers 404 for an id never seen', async () => {
    const { handler } = setup();

    expectProblem(await handler(get('tx-1')), 404, 'not-found');
  });

  it('answers PENDING, with the accepted payload, for an id accepted but not yet decided', async () => {
    // Prepare
    const { handler, store } = setup();
    const accepted = aDeposit({ transactionId: 'tx-1', panLast4: '1111' });
    store.accepted.set('tx-1', { transaction: accepted, payloadHash: 'h', acceptedAt: NOW });

    // Act
    const result = await handler(get('tx-1'));

    // Assess: the business fields, never the card.
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({
      transactionId: 'tx-1',
      status: 'PENDING',
      conflicts: 0,
      type: 'DEPOSIT',
      accountId: accepted.accountId,
      atmId: accepted.atmId,
      occurredAt: accepted.occurredAt,
      amount: accepted.amount,
      currency: accepted.currency,
    });
  });

  it('answers POSTED with the time it was posted', async () => {
    const { handler, open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });
    const deposit = aDeposit({ transactionId: 'd-1', panLast4: '4242' });
    await post(deposit);

    const result = await handler(get('d-1'));

    expect(body(result)).toEqual({
      transactionId: 'd-1',
      status: 'POSTED',
      conflicts: 0,
      postedAt: NOW,
      type: 'DEPOSIT',
      accountId: deposit.accountId,
      atmId: deposit.atmId,
      occurredAt: deposit.occurredAt,
      amount: deposit.amount,
      currency: deposit.currency,
    });
  });

  it('answers REJECTED with the reason and no posting time', async () => {
    const { handler, open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });
    const withdrawal = aWithdrawal({ transactionId: 'w-1', amount: 1 });
    await post(withdrawal);

    const result = await handler(get('w-1'));

    expect(body(result)).toEqual({
      transactionId: 'w-1',
      status: 'REJECTED',
      reason: 'INSUFFICIENT_FUNDS',
      conflicts: 0,
      type: 'WITHDRAWAL',
      accountId: withdrawal.accountId,
      atmId: withdrawal.atmId,
      occurredAt: withdrawal.occurredAt,
      amount: 1,
      currency: withdrawal.currency,
    });
  });

  it('counts conflicting deliveries of the id, and shows the payload that stands', async () => {
    const { handler, open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });
    await post(aDeposit({ transactionId: 'd-1', amount: 1 }));
    await post(aDeposit({ transactionId: 'd-1', amount: 2 }));

    const result = await handler(get('d-1'));

    expect(body(result)).toMatchObject({ status: 'POSTED', conflicts: 1, amount: 1 });
  });
});

describe('apiHandler: GET /v1/ledger/trial-balance', () => {
  const trialBalance = httpEvent('GET /v1/ledger/trial-balance');

  it('answers the debits and credits per currency, and whether they balance', async () => {
    // Prepare
    const { handler, open, post } = setup();
    await open({ accountId: 'acct-1', currency: 'EUR' });
    await open({ accountId: 'acct-2', currency: 'USD' });
    await post(aDeposit({ transactionId: 'd-1', amount: 500 }));
    await post(aWithdrawal({ transactionId: 'w-1', amount: 200 }));
    await post(
      aDeposit({ transactionId: 'd-2', accountId: 'acct-2', currency: 'USD', amount: 30 }),
    );

    // Act
    const result = await handler(trialBalance);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({
      currencies: {
        EUR: { debits: 700, credits: 700, balanced: true },
        USD: { debits: 30, credits: 30, balanced: true },
      },
    });
  });

  it('flags a currency whose totals disagree', async () => {
    // Prepare: a corrupted record, which is what the report exists to catch
    const { handler, store } = setup();
    vi.spyOn(store, 'trialBalance').mockResolvedValue(
      new Map([['EUR', { debits: 10n, credits: 9n }]]),
    );

    // Act
    const result = await handler(trialBalance);

    // Assess
    expect(body(result)).toEqual({
      currencies: { EUR: { debits: 10, credits: 9, balanced: false } },
    });
  });

  it('writes totals past 2^53 exactly, as JSON integers', async () => {
    // Prepare: 9,007,199,254,740,993 is the first integer a double cannot hold
    const { handler, store } = setup();
    vi.spyOn(store, 'trialBalance').mockResolvedValue(
      new Map([['USD', { debits: 9_007_199_254_740_993n, credits: 9_007_199_254_740_993n }]]),
    );

    // Act
    const result = await handler(trialBalance);

    // Assess
    expect(result.body).toBe(
      '{"currencies":{"USD":{"debits":9007199254740993,"credits":9007199254740993,"balanced":true}}}',
    );
  });
});

describe('apiHandler: errors', () => {
  it('answers 404 no-route for a route it does not serve', async () => {
    const { handler } = setup();

    expectProblem(await handler(httpEvent('DELETE /v1/accounts/{accountId}')), 404, 'no-route');
  });

  it('answers 503 when the store is temporarily unavailable', async () => {
    const { handler, store } = setup();
    vi.spyOn(store, 'getAccount').mockRejectedValue(
      new RetryableStoreError('DynamoDB ThrottlingException failed'),
    );

    const result = await handler(
      httpEvent('GET /v1/accounts/{accountId}', { pathParameters: { accountId: 'acct-1' } }),
    );

    expectProblem(result, 503, 'unavailable');
  });

  it('answers 500 without the internal message, and logs it under the correlation id', async () => {
    // Prepare
    const { handler, store, logger } = setup();
    vi.spyOn(store, 'getAccount').mockRejectedValue(new Error('secret table name leaked'));
    const error = vi.spyOn(logger, 'error');

    // Act
    const result = await handler(
      httpEvent('GET /v1/accounts/{accountId}', {
        pathParameters: { accountId: 'acct-1' },
        headers: { 'x-correlation-id': 'corr-42' },
      }),
    );

    // Assess
    const problem = expectProblem(result, 500, 'internal');
    expect(String(problem.detail)).not.toContain('secret');
    expect(String(problem.detail)).toContain('corr-42');
    expect(error).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ correlationId: 'corr-42' }),
    );
  });
});
