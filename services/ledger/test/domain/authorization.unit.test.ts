import type { AuthorizationEvent, LedgerEvent } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  type AuthorizationRecord,
  accountChangesOf,
  applyAccountChange,
  applyAccountChanges,
  DAILY_USAGE_RETENTION_DAYS,
  decide,
  decideAuthorization,
  decideHoldExpiry,
  evolveAuthorization,
  evolveAuthorizationState,
  initialAuthorization,
  LedgerInvariantError,
  oldestKeptDay,
} from '../../src/domain/index.js';
import {
  aDeposit,
  anAccount,
  anAuthorization,
  aRelease,
  authorizeCommand,
  authorized,
  aWithdrawal,
  NOW,
  postCommand,
  stateOf,
} from '../support/builders.js';

const DAY = '2026-03-01';
const EXPIRES = '2026-03-08T12:00:00.000Z';
const LATER = '2026-03-02T09:00:00.000Z';

/** Decides `fields` against `account` (undefined: absent), as the API does. */
function authorize(
  account: Account | undefined,
  fields = anAuthorization(),
  options: { now?: string; holdTtlSeconds?: number; correlationId?: string } = {},
) {
  const command = authorizeCommand(fields, options.correlationId);
  const state = { request: command, existing: undefined, account };
  const events = decideAuthorization(
    command,
    state,
    options.now ?? NOW,
    options.holdTtlSeconds === undefined ? undefined : { holdTtlSeconds: options.holdTtlSeconds },
  );
  return { command, state, events };
}

/** The one event a decision made, failing if it made none or several. */
function only<E>(events: readonly E[]): E {
  expect(events).toHaveLength(1);
  return events[0] as E;
}

/** The events of a completion (or release) posted against `record`, the account as `account`. */
function postedAgainst(
  record: AuthorizationRecord,
  account: Account,
  tx = aWithdrawal({ authorizationId: record.fields.authorizationId }),
): readonly LedgerEvent[] {
  return decide(postCommand(tx), stateOf({ accounts: [account], authorization: record }), LATER);
}

/** The hold and usage changes of events, a hold of -0 (nothing released) read as 0. */
const changesOf = (events: readonly LedgerEvent[]) =>
  events
    .flatMap((e) => accountChangesOf(e))
    .map((c) => ({ held: c.held + 0, withdrawn: Object.fromEntries(c.withdrawn) }));

describe('decideAuthorization: approval', () => {
  it('approves, holding the amount, with the whole event the bus carries', () => {
    // Prepare
    const fields = anAuthorization({ amount: 100, panLast4: '4242' });

    // Act
    const { events } = authorize(anAccount({ balance: 500 }), fields, { correlationId: 'c-1' });

    // Assess
    expect(events).toEqual([
      {
        schemaVersion: 1,
        id: 'auth-1:authorization:approved',
        type: 'ledger.authorization.approved',
        authorizationId: 'auth-1',
        accountId: 'acct-1',
        occurredAt: fields.occurredAt,
        correlationId: 'c-1',
        atmId: 'atm-1',
        amount: 100,
        currency: 'EUR',
        panLast4: '4242',
        availableBalance: 400,
        decidedAt: NOW,
        expiresAt: EXPIRES,
      },
    ]);
  });

  it('approves exactly the available balance: balance plus overdraft less the holds already placed', () => {
    // Prepare: 300 + 200 - 150 = 350 available
    const account = anAccount({ balance: 300, overdraftLimit: 200, heldAmount: 150 });

    // Act
    const exact = only(authorize(account, anAuthorization({ amount: 350 })).events);
    const oneMore = only(authorize(account, anAuthorization({ amount: 351 })).events);

    // Assess
    expect(exact).toMatchObject({ type: 'ledger.authorization.approved', availableBalance: 0 });
    expect(oneMore).toMatchObject({
      type: 'ledger.authorization.declined',
      reason: 'INSUFFICIENT_FUNDS',
      availableBalance: 350,
    });
  });

  it('approves into the overdraft, answering a negative balance as available after', () => {
    const event = only(
      authorize(anAccount({ balance: 0, overdraftLimit: 500 }), anAuthorization({ amount: 200 }))
        .events,
    );

    expect(event).toMatchObject({ type: 'ledger.authorization.approved', availableBalance: 300 });
  });

  it('expires the hold holdTtlSeconds after the decision, not after occurredAt', () => {
    const event = only(
      authorize(
        anAccount({ balance: 500 }),
        anAuthorization({ occurredAt: '2026-02-01T00:00:00Z' }),
        {
          now: NOW,
          holdTtlSeconds: 90,
        },
      ).events,
    );

    expect(event).toMatchObject({ decidedAt: NOW, expiresAt: '2026-03-01T12:01:30.000Z' });
  });

  it('decides nothing for an id already decided, whatever the account now holds', () => {
    // Prepare: approved when there was money; now there is none
    const first = authorized(anAuthorization(), anAccount({ balance: 500 }));
    const command = authorizeCommand(anAuthorization());

    // Act
    const events = decideAuthorization(
      command,
      { request: command, existing: first.record, account: anAccount({ balance: 0 }) },
      LATER,
    );

    // Assess
    expect(events).toEqual([]);
  });

  it('folds an approval into the account: the hold, and the amount counted against its UTC day', () => {
    // Prepare
    const { state, events } = authorize(
      anAccount({ balance: 500, heldAmount: 20, withdrawn: { [DAY]: 30 } }),
      anAuthorization({ amount: 100 }),
    );

    // Act
    const after = events.reduce(evolveAuthorizationState, state);

    // Assess
    expect(after.account).toMatchObject({
      balance: 500,
      heldAmount: 120,
      withdrawn: { [DAY]: 130 },
    });
    expect(after.existing).toMatchObject({ status: 'APPROVED', availableBalance: 380 });
  });
});

describe('decideAuthorization: declines, in order (account, currency, funds, daily limit)', () => {
  const limited = (o: Partial<Account> = {}) =>
    anAccount({ balance: 1_000, dailyWithdrawalLimit: 500, withdrawn: { [DAY]: 450 }, ...o });

  it('declines ACCOUNT_NOT_FOUND for an unknown account, with no available balance to tell', () => {
    const event = only(authorize(undefined).events);

    expect(event).toMatchObject({
      id: 'auth-1:authorization:declined',
      type: 'ledger.authorization.declined',
      reason: 'ACCOUNT_NOT_FOUND',
      decidedAt: NOW,
    });
    expect(event).not.toHaveProperty('availableBalance');
    expect(event).not.toHaveProperty('expiresAt');
  });

  it('declines CURRENCY_MISMATCH before looking at the funds or the day', () => {
    const event = only(
      authorize(limited({ balance: 0 }), anAuthorization({ currency: 'GBP', amount: 900 })).events,
    );

    expect(event).toMatchObject({ reason: 'CURRENCY_MISMATCH', availableBalance: 0 });
  });

  it('declines INSUFFICIENT_FUNDS before the daily limit, when both would refuse', () => {
    const event = only(
      authorize(limited({ balance: 60 }), anAuthorization({ amount: 100 })).events,
    );

    expect(event).toMatchObject({ reason: 'INSUFFICIENT_FUNDS', availableBalance: 60 });
  });

  it('declines DAILY_LIMIT_EXCEEDED one minor unit past the limit, and approves up to it exactly', () => {
    // Act
    const past = only(authorize(limited(), anAuthorization({ amount: 51 })).events);
    const upTo = only(authorize(limited(), anAuthorization({ amount: 50 })).events);

    // Assess
    expect(past).toMatchObject({ reason: 'DAILY_LIMIT_EXCEEDED', availableBalance: 1_000 });
    expect(upTo).toMatchObject({ type: 'ledger.authorization.approved', availableBalance: 950 });
  });

  it('counts the UTC day of occurredAt: usage of another day does not count', () => {
    // Prepare: 00:30 at +01:00 is still 1 March in UTC
    const account = limited({ withdrawn: { '2026-02-28': 500, [DAY]: 450 } });

    // Act
    const sameUtcDay = only(
      authorize(
        account,
        anAuthorization({ amount: 100, occurredAt: '2026-03-02T00:30:00.000+01:00' }),
      ).events,
    );
    const nextDay = only(
      authorize(account, anAuthorization({ amount: 500, occurredAt: '2026-03-02T00:30:00Z' }))
        .events,
    );

    // Assess
    expect(sameUtcDay).toMatchObject({ reason: 'DAILY_LIMIT_EXCEEDED' });
    expect(nextDay).toMatchObject({ type: 'ledger.authorization.approved' });
  });

  it('has no daily limit when the account has none', () => {
    const event = only(
      authorize(
        anAccount({ balance: 10_000, withdrawn: { [DAY]: 9_000 } }),
        anAuthorization({
          amount: 1_000,
        }),
      ).events,
    );

    expect(event).toMatchObject({ type: 'ledger.authorization.approved' });
  });

  it('remembers a decline without touching the hold or the day', () => {
    // Prepare
    const { state, events } = authorize(limited(), anAuthorization({ amount: 51 }));

    // Act
    const after = events.reduce(evolveAuthorizationState, state);

    // Assess
    expect(after.existing).toMatchObject({ status: 'DECLINED', reason: 'DAILY_LIMIT_EXCEEDED' });
    expect(after.account).toEqual(state.account);
    expect(changesOf(events)).toEqual([]);
  });
});

describe('decideHoldExpiry', () => {
  const approved = () => authorized(anAuthorization(), anAccount({ balance: 500 })).record;

  it('expires an APPROVED hold at its expiresAt exactly, and not a millisecond before', () => {
    // Act
    const early = decideHoldExpiry(approved(), '2026-03-08T11:59:59.999Z');
    const due = decideHoldExpiry(approved(), EXPIRES);

    // Assess
    expect(early).toEqual([]);
    expect(due).toEqual([
      {
        schemaVersion: 1,
        id: 'auth-1:authorization:expired',
        type: 'ledger.authorization.expired',
        authorizationId: 'auth-1',
        accountId: 'acct-1',
        occurredAt: anAuthorization().occurredAt,
        amount: 100,
        currency: 'EUR',
        expiresAt: EXPIRES,
        expiredAt: EXPIRES,
      },
    ]);
  });

  it.each(['COMPLETED', 'RELEASED', 'EXPIRED'] as const)(
    'decides nothing for a hold already %s',
    (status) => {
      expect(decideHoldExpiry({ ...approved(), status }, '2026-04-01T00:00:00.000Z')).toEqual([]);
    },
  );

  it('decides nothing for a declined authorization, which never held anything', () => {
    const declined = only(authorize(undefined).events);
    const record = evolveAuthorization(
      initialAuthorization(authorizeCommand(anAuthorization())),
      declined,
    );

    expect(decideHoldExpiry(record, '2027-01-01T00:00:00.000Z')).toEqual([]);
  });
});

describe('evolveAuthorization', () => {
  const account = anAccount({ balance: 500 });

  it('folds each event into its status', () => {
    // Prepare
    const { record } = authorized(anAuthorization(), account);
    const [, completed] = postedAgainst(
      record,
      account,
      aWithdrawal({ authorizationId: 'auth-1', amount: 60 }),
    );
    const [, released] = postedAgainst(
      record,
      account,
      aRelease('auth-1', { transactionId: 'r-1' }),
    );
    const [expired] = decideHoldExpiry(record, EXPIRES);

    // Act
    const fold = (e: LedgerEvent | undefined) =>
      evolveAuthorization(record, e as AuthorizationEvent);

    // Assess
    expect(record).toMatchObject({
      status: 'APPROVED',
      decidedAt: NOW,
      expiresAt: EXPIRES,
      availableBalance: 400,
    });
    expect(record.events.map((e) => e.type)).toEqual(['ledger.authorization.approved']);
    expect(fold(completed)).toMatchObject({
      status: 'COMPLETED',
      completedAmount: 60,
      endedBy: 'w-1',
    });
    expect(fold(released)).toMatchObject({ status: 'RELEASED', endedBy: 'r-1' });
    expect(fold(expired)).toMatchObject({ status: 'EXPIRED', expiresAt: EXPIRES });
    expect(fold(expired).events.map((e) => e.type)).toEqual([
      'ledger.authorization.approved',
      'ledger.authorization.expired',
    ]);
  });

  it('folds a decline into DECLINED with its reason', () => {
    const declined = only(authorize(undefined).events);

    const record = evolveAuthorization(
      initialAuthorization(authorizeCommand(anAuthorization())),
      declined,
    );

    expect(record).toMatchObject({
      status: 'DECLINED',
      reason: 'ACCOUNT_NOT_FOUND',
      decidedAt: NOW,
    });
  });

  it('throws LedgerInvariantError for an event of another authorization', () => {
    const { record } = authorized(anAuthorization(), account);
    const other = only(authorize(account, anAuthorization({ authorizationId: 'auth-2' })).events);

    expect(() => evolveAuthorization(record, other)).toThrow(LedgerInvariantError);
  });
});

describe('accountChangesOf: holds and daily usage', () => {
  const account = anAccount({ balance: 500, dailyWithdrawalLimit: 1_000 });
  const approved = () => authorized(anAuthorization({ amount: 100 }), account);

  it('an approval holds its amount and counts it against its day', () => {
    const { events } = authorize(account, anAuthorization({ amount: 100 }));

    expect(changesOf(events)).toEqual([{ held: 100, withdrawn: { [DAY]: 100 } }]);
  });

  it('a full completion stops the hold and keeps the day as counted', () => {
    // Prepare
    const { record, account: held } = approved();

    // Act
    const events = postedAgainst(
      record,
      held,
      aWithdrawal({ authorizationId: 'auth-1', amount: 100 }),
    );

    // Assess: the posting itself counts nothing: the approval counted it
    expect(changesOf(events)).toEqual([{ held: -100, withdrawn: {} }]);
  });

  it('a partial completion stops the hold and gives the day back what it did not dispense', () => {
    // Prepare
    const { record, account: held } = approved();

    // Act
    const events = postedAgainst(
      record,
      held,
      aWithdrawal({ authorizationId: 'auth-1', amount: 60 }),
    );
    const after = applyAccountChanges(new Map([['acct-1', held]]), events[1] as LedgerEvent);

    // Assess
    expect(changesOf(events)).toEqual([{ held: -100, withdrawn: { [DAY]: -40 } }]);
    expect(after.get('acct-1')).toMatchObject({ heldAmount: 0, withdrawn: { [DAY]: 60 } });
  });

  it('a release stops the hold and gives all of it back to the day', () => {
    // Prepare
    const { record, account: held } = approved();

    // Act
    const events = postedAgainst(record, held, aRelease('auth-1', { transactionId: 'r-1' }));

    // Assess
    expect(changesOf(events)).toEqual([{ held: -100, withdrawn: { [DAY]: -100 } }]);
  });

  it('an expiry stops the hold but keeps the day: the completion may still come', () => {
    const [expired] = decideHoldExpiry(approved().record, EXPIRES);

    expect(changesOf(expired === undefined ? [] : [expired])).toEqual([
      { held: -100, withdrawn: {} },
    ]);
  });

  it('a completion after the expiry releases no hold, and gives back what it did not dispense', () => {
    // Prepare
    const { record } = approved();
    const [expiredEvent] = decideHoldExpiry(record, EXPIRES);
    const expired = evolveAuthorization(record, expiredEvent as AuthorizationEvent);

    // Act
    const events = postedAgainst(
      expired,
      account,
      aWithdrawal({ authorizationId: 'auth-1', amount: 70 }),
    );

    // Assess
    expect(events[1]).toMatchObject({ type: 'ledger.authorization.completed', releasedHold: 0 });
    expect(changesOf(events)).toEqual([{ held: 0, withdrawn: { [DAY]: -30 } }]);
  });

  it('a withdrawal posted without an authorization counts against its day, and holds nothing', () => {
    const events = decide(
      postCommand(aWithdrawal({ amount: 70 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    expect(changesOf(events)).toEqual([{ held: 0, withdrawn: { [DAY]: 70 } }]);
  });

  it('an advice counts against its day too, though nothing refuses it', () => {
    const events = decide(
      postCommand(aWithdrawal({ amount: 900, advice: true })),
      stateOf({ accounts: [anAccount({ balance: 0, dailyWithdrawalLimit: 100 })] }),
      NOW,
    );

    expect(events[0]).toMatchObject({ type: 'ledger.transaction.posted' });
    expect(changesOf(events)).toEqual([{ held: 0, withdrawn: { [DAY]: 900 } }]);
  });

  it('deposits, declines and rejections change neither', () => {
    const deposit = decide(postCommand(aDeposit()), stateOf({ accounts: [account] }), NOW);
    const rejected = decide(
      postCommand(aWithdrawal({ amount: 501 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    expect(changesOf([...deposit, ...rejected, ...authorize(undefined).events])).toEqual([]);
  });
});

describe(`daily usage: ${DAILY_USAGE_RETENTION_DAYS} days kept`, () => {
  it(`keeps the day ${DAILY_USAGE_RETENTION_DAYS} days before the write, and drops the days before it`, () => {
    // Prepare
    const account = anAccount({
      withdrawn: { '2026-01-24': 10, '2026-01-25': 20, [DAY]: 30 },
    });
    const { events } = authorize(anAccount({ balance: 500 }), anAuthorization({ amount: 5 }));
    const [change] = accountChangesOf(events[0] as LedgerEvent);

    // Act
    const after = applyAccountChange(account, change as NonNullable<typeof change>, NOW);

    // Assess
    expect(oldestKeptDay(NOW)).toBe('2026-01-25');
    expect(after.withdrawn).toEqual({ '2026-01-25': 20, [DAY]: 35 });
  });

  it('writes nothing back to a day already forgotten: a late completion gives back to no one', () => {
    // Prepare: approved on 1 January, completed partly on 1 March
    const old = authorized(
      anAuthorization({ occurredAt: '2026-01-01T10:00:00.000Z' }),
      anAccount({ balance: 500 }),
      '2026-01-01T10:00:00.000Z',
    );
    const [expiredEvent] = decideHoldExpiry(old.record, '2026-01-08T10:00:00.000Z');
    const expired = evolveAuthorization(old.record, expiredEvent as AuthorizationEvent);

    // Act
    const events = decide(
      postCommand(aWithdrawal({ authorizationId: 'auth-1', amount: 10 })),
      stateOf({ accounts: [anAccount({ balance: 500 })], authorization: expired }),
      NOW,
    );

    // Assess
    expect(events.map((e) => e.type)).toEqual([
      'ledger.transaction.posted',
      'ledger.authorization.completed',
    ]);
    expect(changesOf(events)).toEqual([{ held: 0, withdrawn: {} }]);
  });
});
