import {
  type AtmTransaction,
  type AtmTransactionRecord,
  type AuthorizationRequest,
  payloadHash,
} from '@atm-ledger/contracts';
import {
  AccountCache,
  type AuthorizeOutcome,
  authorize,
  DEFAULT_LEDGER_POLICY,
  emptyAccount,
  type LedgerStore,
  makeKinesisHandler,
  type PoisonRecordSink,
  queries,
  rebuild,
  sweepTimers,
  type TimerStore,
} from '@atm-ledger/ledger';
import { createLogger } from '@atm-ledger/runtime';
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type RefAuthorizeAnswer, ReferenceLedger } from './referenceLedger.js';

/** Runs scale with FC_NUM_RUNS; each run is a whole command sequence. */
export const numRuns = (fallback: number) => Number(process.env.FC_NUM_RUNS ?? fallback);

const ACCOUNTS = ['A', 'B', 'C', 'D', 'E'] as const;
/** Opened before every run; `E` only when an `open` command says so. */
const OPENED_AT_START = ['A', 'B', 'C', 'D'] as const;
const ATMS = ['atm-1', 'atm-2', 'atm-3'] as const;
const at = '2026-11-27T09:00:00.000Z';
/** The reversal window of the runs: an hour, so the clock steps can pass it. */
const WINDOW_SECONDS = 3_600;
/** How long a hold lasts uncompleted in the runs: two hours, so the clock steps can pass it too. */
const HOLD_TTL_SECONDS = 2 * WINDOW_SECONDS;
/** Deposited into the accounts opened at the start, so that authorizations have money to hold. */
const SEEDED: Readonly<Record<string, number>> = { A: 20_000, B: 40_000, C: 30_000, D: 10_000 };
/** Daily withdrawal limits of the accounts opened at the start (absent: none), low enough to bind. */
const DAILY_LIMITS: Readonly<Record<string, number>> = { B: 30_000, C: 12_000 };
const POLICY = {
  ...DEFAULT_LEDGER_POLICY,
  reversalWindowSeconds: WINDOW_SECONDS,
  holdTtlSeconds: HOLD_TTL_SECONDS,
};

/** The model's clock, shared by the reference and the real ledger; steps move it on. */
class ModelClock {
  ms = Date.parse(at);
  readonly now = () => new Date(this.ms);
  iso = () => new Date(this.ms).toISOString();
}

const logger = createLogger('model-test');
logger.setLogLevel('SILENT');

/**
 * The system under test: a store behind the real Kinesis handler, the real
 * authorization (as the API calls it, with or without the API instance's
 * account cache), and the real timer sweep.
 */
class RealLedger {
  #sequence = 0n;
  readonly poisoned: string[] = [];
  readonly handler;
  readonly #cache: AccountCache | undefined;
  constructor(
    readonly store: LedgerStore & TimerStore,
    readonly clock: ModelClock,
    cached: boolean,
  ) {
    const poison: PoisonRecordSink = { send: async (r) => void this.poisoned.push(r.reason) };
    this.handler = makeKinesisHandler({
      store,
      clock,
      poison,
      logger,
      concurrency: 4,
      policy: POLICY,
    });
    this.#cache = cached ? new AccountCache() : undefined;
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizeOutcome> {
    return authorize(
      {
        store: this.store,
        clock: this.clock,
        policy: POLICY,
        ...(this.#cache === undefined ? {} : { cache: this.#cache }),
        sleep: async () => {},
      },
      request,
      `c-${request.authorizationId}`,
    );
  }

  async sweep(): Promise<void> {
    await sweepTimers({ store: this.store, clock: this.clock, logger });
  }

  /** Delivers a batch like the event source mapping would, retrying what the handler reports failed. */
  async deliver(batch: readonly AtmTransaction[]): Promise<void> {
    let records = batch.map((tx) => this.#record(tx));
    for (let attempt = 0; records.length > 0; attempt++) {
      if (attempt > 20) throw new Error('batch kept failing');
      const result = await this.handler({ Records: records } as KinesisStreamEvent);
      const failed = result.batchItemFailures.map((f) => f.itemIdentifier);
      if (failed.length === 0) return;
      const lowest = failed.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
      records = records.filter((r) => BigInt(r.kinesis.sequenceNumber) >= BigInt(lowest));
    }
  }

  #record(tx: AtmTransaction) {
    this.#sequence += 1n;
    const record: AtmTransactionRecord = {
      type: 'atm.transaction.accepted',
      schemaVersion: 1,
      id: tx.transactionId,
      correlationId: `c-${tx.transactionId}`,
      receivedAt: at,
      transaction: tx,
    };
    const sequenceNumber = String(this.#sequence).padStart(21, '0');
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: tx.accountId,
        sequenceNumber,
        data: Buffer.from(JSON.stringify(record)).toString('base64'),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/ledger',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/model',
    };
  }
}

interface World {
  readonly model: ReferenceLedger;
  readonly real: RealLedger;
  readonly clock: ModelClock;
  /** Every message sent so far, for redelivery. */
  readonly history: AtmTransaction[];
  /** Originals whose early reversals were sent, kept back for a later step. */
  readonly heldBack: AtmTransaction[];
  /** Every authorization asked so far, for completions, releases and retries. */
  readonly asked: AuthorizationRequest[];
  next: number;
}

const newId = (w: World, prefix: string) => `${prefix}-${w.next++}`;

type Step = {
  readonly label: string;
  readonly make: (w: World) => AtmTransaction[][];
  /** Seconds the clock moves on before the sweep; a step that sends nothing. */
  readonly tick?: number;
  /** Authorizations asked, one after another, before any message is sent. */
  readonly asks?: (w: World) => AuthorizationRequest[];
};

const arbAccount = () => fc.constantFrom(...ACCOUNTS);
const arbAtm = () => fc.constantFrom(...ATMS);
/** Cash denominations, so sums hit boundaries (exactly zero, exactly the overdraft) often. */
const arbAmount = () => fc.constantFrom(1_000, 2_000, 5_000, 10_000, 20_000);

const arbMoney = (type: 'DEPOSIT' | 'WITHDRAWAL'): fc.Arbitrary<Step> =>
  fc
    .record({
      account: arbAccount(),
      amount: arbAmount(),
      atm: arbAtm(),
      foreign: fc.boolean(),
      // An advice: authorized elsewhere and dispensed already, so it posts past the overdraft.
      advice:
        type === 'WITHDRAWAL' ? fc.constantFrom(false, false, false, true) : fc.constant(false),
    })
    .map((c) => ({
      label: `${type} ${c.account} ${c.amount}${c.foreign ? ' EUR' : ''}${c.advice ? ' advice' : ''}`,
      make: (w) => [
        [
          {
            transactionId: newId(w, type[0] ?? 'x'),
            type,
            accountId: c.account,
            atmId: c.atm,
            occurredAt: w.clock.iso(),
            amount: c.amount,
            currency: c.foreign ? 'EUR' : 'USD',
            ...(c.advice ? { advice: true } : {}),
          },
        ],
      ],
    }));

const arbTransfer = (): fc.Arbitrary<Step> =>
  fc.record({ from: arbAccount(), to: arbAccount(), amount: arbAmount() }).map((c) => ({
    label: `TRANSFER ${c.from}->${c.to} ${c.amount}`,
    make: (w) => [
      [
        {
          transactionId: newId(w, 'T'),
          type: 'TRANSFER',
          accountId: c.from,
          toAccountId: c.to,
          atmId: 'atm-1',
          occurredAt: w.clock.iso(),
          amount: c.amount,
          currency: 'USD',
        },
      ],
    ],
  }));

const arbInquiry = (): fc.Arbitrary<Step> =>
  arbAccount().map((account) => ({
    label: `BALANCE_INQUIRY ${account}`,
    make: (w) => [
      [
        {
          transactionId: newId(w, 'I'),
          type: 'BALANCE_INQUIRY',
          accountId: account,
          atmId: 'atm-1',
          occurredAt: w.clock.iso(),
        },
      ],
    ],
  }));

/**
 * Reverses an earlier message (any type: the rules reject what cannot be
 * reversed), fully or partly; now and then from another ATM, dated before its
 * original or past the window, or carrying the original's amount and currency
 * (right or wrong), as ISO 8583 reversals do.
 */
const arbReverse = (): fc.Arbitrary<Step> =>
  fc
    .record({
      pick: fc.nat(),
      dispensed: fc.option(fc.constantFrom(0, 1_000, 5_000, 30_000), { nil: undefined }),
      atm: fc.constantFrom('same', 'same', 'same', 'other'),
      // When the reversal occurred against its original: with it, 1 ms before, at or past the window's end.
      dated: fc.constantFrom('now', 'now', 'now', 'before', 'windowEnd', 'pastWindow'),
      carries: fc.constantFrom('none', 'none', 'same', 'otherAmount'),
    })
    .map((c) => ({
      label: `REVERSAL of #${c.pick}${c.dispensed === undefined ? '' : ` dispensed ${c.dispensed}`} atm ${c.atm} dated ${c.dated} carries ${c.carries}`,
      make: (w) => {
        const original = w.history[c.pick % Math.max(1, w.history.length)];
        if (original === undefined) return [];
        const originalAt = Date.parse(original.occurredAt);
        const occurredAt = {
          now: w.clock.iso(),
          before: new Date(originalAt - 1).toISOString(),
          windowEnd: new Date(originalAt + WINDOW_SECONDS * 1000).toISOString(),
          pastWindow: new Date(originalAt + WINDOW_SECONDS * 1000 + 1).toISOString(),
        }[c.dated];
        const carried =
          c.carries === 'none' || original.amount === undefined || original.currency === undefined
            ? {}
            : {
                amount: original.amount + (c.carries === 'otherAmount' ? 1 : 0),
                currency: original.currency,
              };
        return [
          [
            {
              transactionId: newId(w, 'R'),
              type: 'REVERSAL',
              accountId: original.accountId,
              atmId: c.atm === 'same' ? original.atmId : `${original.atmId}-other`,
              occurredAt,
              originalTransactionId: original.transactionId,
              ...(c.dispensed === undefined ? {} : { dispensedAmount: c.dispensed }),
              ...carried,
            },
          ],
        ];
      },
    }));

/**
 * Reverses the latest deposit, the case where the money is most likely spent already: a deposit
 * the ATM never took in comes off whatever the balance.
 */
const arbReverseLatestDeposit = (): fc.Arbitrary<Step> =>
  fc.constant({
    label: 'REVERSAL of the latest DEPOSIT',
    make: (w: World) => {
      const deposit = [...w.history].reverse().find((tx) => tx.type === 'DEPOSIT');
      if (deposit === undefined) return [];
      return [
        [
          {
            transactionId: newId(w, 'RD'),
            type: 'REVERSAL',
            accountId: deposit.accountId,
            atmId: deposit.atmId,
            occurredAt: w.clock.iso(),
            originalTransactionId: deposit.transactionId,
          } satisfies AtmTransaction,
        ],
      ];
    },
  });

/**
 * One or two reversals that arrive before their withdrawal, the second under
 * an id that sorts before the first's, so only arrival order can tell them
 * apart: the first to arrive is the one applied.
 */
const arbEarlyReversal = (): fc.Arbitrary<Step> =>
  fc
    .record({
      account: arbAccount(),
      amount: arbAmount(),
      dispensed: fc.constantFrom(0, 1_000),
      second: fc.option(fc.constantFrom(0, 1_000, 2_000), { nil: undefined }),
      // The withdrawal comes right after, or is held back for a later step (maybe past the window).
      original: fc.constantFrom('now', 'now', 'later'),
    })
    .map((c) => ({
      label: `REVERSAL${c.second === undefined ? '' : 'S'} before their WITHDRAWAL ${c.account} ${c.amount} (dispensed ${c.dispensed}${c.second === undefined ? '' : `, then ${c.second}`})`,
      make: (w) => {
        const withdrawal: AtmTransaction = {
          transactionId: newId(w, 'W'),
          type: 'WITHDRAWAL',
          accountId: c.account,
          atmId: 'atm-2',
          occurredAt: w.clock.iso(),
          amount: c.amount,
          currency: 'USD',
        };
        const reversal = (prefix: string, dispensedAmount: number): AtmTransaction => ({
          transactionId: newId(w, prefix),
          type: 'REVERSAL',
          accountId: c.account,
          atmId: 'atm-2',
          occurredAt: w.clock.iso(),
          originalTransactionId: withdrawal.transactionId,
          dispensedAmount,
        });
        const first = reversal('Rz', c.dispensed);
        const reversals =
          c.second === undefined ? [[first]] : [[first], [reversal('Ra', c.second)]];
        if (c.original === 'later') {
          w.heldBack.push(withdrawal);
          return reversals;
        }
        return [...reversals, [withdrawal]];
      },
    }));

/** A withdrawal whose early reversals went first, arriving at last (after the window, maybe). */
const arbHeldBackOriginal = (): fc.Arbitrary<Step> =>
  fc.nat().map((pick) => ({
    label: `a held-back original arrives (#${pick})`,
    make: (w) => {
      if (w.heldBack.length === 0) return [];
      const [tx] = w.heldBack.splice(pick % w.heldBack.length, 1);
      return tx === undefined ? [] : [[tx]];
    },
  }));

/** The clock moves on, past the reversal window now and then, and the timer sweep runs. */
const arbTick = (): fc.Arbitrary<Step> =>
  fc.constantFrom(1, 20 * 60, WINDOW_SECONDS, 2 * WINDOW_SECONDS).map((seconds) => ({
    label: `${seconds} s pass, then the timer sweep`,
    make: () => [],
    tick: seconds,
  }));

/** A message again, its occurredAt written in another offset: the same instant, so a duplicate. */
const arbEquivalentRedelivery = (): fc.Arbitrary<Step> =>
  fc.nat().map((pick) => ({
    label: `redeliver #${pick} with occurredAt in +05:30`,
    make: (w) => {
      const tx = w.history[pick % Math.max(1, w.history.length)];
      if (tx === undefined) return [];
      const local = new Date(Date.parse(tx.occurredAt) + 330 * 60_000).toISOString().slice(0, 23);
      return [[{ ...tx, occurredAt: `${local}+05:30` }]];
    },
  }));

const arbRedeliver = (): fc.Arbitrary<Step> =>
  fc.nat().map((pick) => ({
    label: `redeliver #${pick}`,
    make: (w) => {
      const tx = w.history[pick % Math.max(1, w.history.length)];
      return tx === undefined ? [] : [[tx]];
    },
  }));

const arbConflictingRedelivery = (): fc.Arbitrary<Step> =>
  fc.record({ pick: fc.nat(), bump: fc.constantFrom(1, 7, 1_000) }).map((c) => ({
    label: `conflicting redelivery of #${c.pick} (+${c.bump})`,
    make: (w) => {
      const tx = w.history[c.pick % Math.max(1, w.history.length)];
      if (tx === undefined) return [];
      return [
        [
          {
            ...tx,
            ...(tx.amount === undefined
              ? { atmId: `${tx.atmId}-x` }
              : { amount: tx.amount + c.bump }),
          },
        ],
      ];
    },
  }));

/** A crash after the writes but before the checkpoint: the last k messages come again, as one batch. */
const arbCrashReplay = (): fc.Arbitrary<Step> =>
  fc.integer({ min: 1, max: 6 }).map((k) => ({
    label: `crash and replay the last ${k}`,
    make: (w) => (w.history.length === 0 ? [] : [w.history.slice(-k)]),
  }));

/**
 * An authorization asked before: mostly one whose hold is still there (approved, or expired
 * and still completable), else any, so the refusals come up too.
 */
function pickAsked(w: World, pick: number, active: boolean): AuthorizationRequest | undefined {
  const live = w.asked.filter((a) => {
    const status = w.model.authorizations.get(a.authorizationId)?.status;
    return status === 'APPROVED' || status === 'EXPIRED';
  });
  const from = active && live.length > 0 ? live : w.asked;
  return from[pick % Math.max(1, from.length)];
}

/** Amounts an ATM asks for: the denominations, and now and then more than any account has. */
const arbAuthorizedAmount = () => fc.constantFrom(1_000, 2_000, 5_000, 10_000, 20_000, 60_000);

/**
 * An ATM asks before it dispenses: for an account (maybe unopened), maybe in
 * another currency, dated now or the day before (another day's limit), with a PAN now and then.
 */
const arbAuthorize = (): fc.Arbitrary<Step> =>
  fc
    .record({
      account: arbAccount(),
      amount: arbAuthorizedAmount(),
      atm: arbAtm(),
      foreign: fc.constantFrom(false, false, false, false, true),
      dated: fc.constantFrom('now', 'now', 'now', 'dayBefore'),
      pan: fc.constantFrom(undefined, undefined, '4111111111111111'),
    })
    .map((c) => ({
      label: `authorize ${c.account} ${c.amount}${c.foreign ? ' EUR' : ''} dated ${c.dated}${c.pan ? ' with PAN' : ''}`,
      make: () => [],
      asks: (w) => [
        {
          authorizationId: newId(w, 'AU'),
          accountId: c.account,
          amount: c.amount,
          currency: c.foreign ? 'EUR' : 'USD',
          atmId: c.atm,
          occurredAt:
            c.dated === 'now' ? w.clock.iso() : new Date(w.clock.ms - 86_400_000).toISOString(),
          ...(c.pan === undefined ? {} : { pan: c.pan }),
        },
      ],
    }));

/**
 * An authorization asked again: identically (a retry, maybe with occurredAt
 * written in another offset, the same instant) or with a field changed, a
 * conflict that changes nothing.
 */
const arbAuthorizeAgain = (): fc.Arbitrary<Step> =>
  fc
    .record({
      pick: fc.nat(),
      change: fc.constantFrom('none', 'offset', 'amount', 'atm', 'account', 'occurredAt', 'pan'),
    })
    .map((c) => ({
      label: `authorize #${c.pick} again (${c.change})`,
      make: () => [],
      asks: (w) => {
        const asked = w.asked[c.pick % Math.max(1, w.asked.length)];
        if (asked === undefined) return [];
        const at = Date.parse(asked.occurredAt);
        switch (c.change) {
          case 'none':
            return [asked];
          case 'offset': {
            const local = new Date(at + 330 * 60_000).toISOString().slice(0, 23);
            return [{ ...asked, occurredAt: `${local}+05:30` }];
          }
          case 'amount':
            return [{ ...asked, amount: asked.amount + 1 }];
          case 'atm':
            return [{ ...asked, atmId: `${asked.atmId}-x` }];
          case 'account':
            return [{ ...asked, accountId: asked.accountId === 'A' ? 'B' : 'A' }];
          case 'occurredAt':
            return [{ ...asked, occurredAt: new Date(at + 1).toISOString() }];
          case 'pan':
            return [{ ...asked, pan: '4000000000000002' }];
          default:
            throw new Error(`unknown change ${c.change satisfies never}`);
        }
      },
    }));

/**
 * A WITHDRAWAL that completes an authorization asked before (or one never
 * asked): for all of it, part of it (a partial dispense), or more; now and
 * then for another account or currency.
 */
const arbComplete = (): fc.Arbitrary<Step> =>
  fc
    .record({
      pick: fc.nat(),
      active: fc.constantFrom(true, true, true, false),
      unknown: fc.constantFrom(false, false, false, false, false, false, true),
      dispensed: fc.constantFrom('all', 'all', 'part', 'part', 'one', 'more'),
      other: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'account', 'currency'),
    })
    .map((c) => ({
      label: `complete ${c.unknown ? 'an unknown authorization' : `#${c.pick}${c.active ? ' (active)' : ''}`} (${c.dispensed}${c.other === 'none' ? '' : `, other ${c.other}`})`,
      make: (w) => {
        const asked = c.unknown ? undefined : pickAsked(w, c.pick, c.active);
        const authorized = asked?.amount ?? 5_000;
        const amount = {
          all: authorized,
          part: Math.max(1, Math.floor(authorized / 2)),
          one: 1,
          more: authorized + 1,
        }[c.dispensed];
        const accountId = asked?.accountId ?? 'A';
        return [
          [
            {
              transactionId: newId(w, 'WA'),
              type: 'WITHDRAWAL',
              accountId: c.other === 'account' ? (accountId === 'A' ? 'B' : 'A') : accountId,
              atmId: asked?.atmId ?? 'atm-1',
              occurredAt: w.clock.iso(),
              amount,
              currency: c.other === 'currency' ? 'EUR' : (asked?.currency ?? 'USD'),
              authorizationId: asked?.authorizationId ?? `AU-never-${w.next++}`,
            },
          ],
        ];
      },
    }));

/**
 * A REVERSAL that names an authorization: releases its hold when it is
 * approved and not completed; carrying the authorized amount (right or wrong) now and then.
 */
const arbRelease = (): fc.Arbitrary<Step> =>
  fc
    .record({
      pick: fc.nat(),
      active: fc.constantFrom(true, true, true, false),
      unknown: fc.constantFrom(false, false, false, false, false, false, true),
      carries: fc.constantFrom('none', 'none', 'none', 'same', 'otherAmount', 'otherCurrency'),
      otherAccount: fc.constantFrom(false, false, false, false, false, true),
    })
    .map((c) => ({
      label: `release ${c.unknown ? 'an unknown authorization' : `#${c.pick}${c.active ? ' (active)' : ''}`} carries ${c.carries}${c.otherAccount ? ', other account' : ''}`,
      make: (w) => {
        const asked = c.unknown ? undefined : pickAsked(w, c.pick, c.active);
        const accountId = asked?.accountId ?? 'A';
        const amount = asked?.amount ?? 5_000;
        const carried = {
          none: {},
          same: { amount, currency: asked?.currency ?? 'USD' },
          otherAmount: { amount: amount + 1, currency: asked?.currency ?? 'USD' },
          otherCurrency: { amount, currency: asked?.currency === 'EUR' ? 'USD' : 'EUR' },
        }[c.carries];
        return [
          [
            {
              transactionId: newId(w, 'RA'),
              type: 'REVERSAL',
              accountId: c.otherAccount ? (accountId === 'A' ? 'B' : 'A') : accountId,
              atmId: asked?.atmId ?? 'atm-1',
              occurredAt: w.clock.iso(),
              authorizationId: asked?.authorizationId ?? `AU-never-${w.next++}`,
              ...carried,
            },
          ],
        ];
      },
    }));

/** Holds run out: the clock passes the hold TTL (exactly, or a day), then the timer sweep. */
const arbExpire = (): fc.Arbitrary<Step> =>
  fc.constantFrom(HOLD_TTL_SECONDS, HOLD_TTL_SECONDS - 1, 86_400).map((seconds) => ({
    label: `${seconds} s pass (hold TTL ${HOLD_TTL_SECONDS} s), then the timer sweep`,
    make: () => [],
    tick: seconds,
  }));

export const arbStep = (): fc.Arbitrary<Step> =>
  fc.oneof(
    { arbitrary: arbMoney('DEPOSIT'), weight: 4 },
    { arbitrary: arbMoney('WITHDRAWAL'), weight: 5 },
    { arbitrary: arbTransfer(), weight: 2 },
    { arbitrary: arbInquiry(), weight: 1 },
    { arbitrary: arbReverse(), weight: 2 },
    { arbitrary: arbReverseLatestDeposit(), weight: 1 },
    { arbitrary: arbEarlyReversal(), weight: 2 },
    { arbitrary: arbRedeliver(), weight: 3 },
    { arbitrary: arbEquivalentRedelivery(), weight: 1 },
    { arbitrary: arbTick(), weight: 2 },
    { arbitrary: arbHeldBackOriginal(), weight: 1 },
    { arbitrary: arbConflictingRedelivery(), weight: 2 },
    { arbitrary: arbCrashReplay(), weight: 2 },
    { arbitrary: arbAuthorize(), weight: 6 },
    { arbitrary: arbAuthorizeAgain(), weight: 2 },
    { arbitrary: arbComplete(), weight: 4 },
    { arbitrary: arbRelease(), weight: 3 },
    { arbitrary: arbExpire(), weight: 1 },
  );

/** Daily usage without the days that came back to zero, which a store may keep or drop. */
const usage = (days: Iterable<[string, number]>) =>
  Object.fromEntries([...days].filter(([, amount]) => amount !== 0).sort());

async function checkInvariants(w: World): Promise<void> {
  const { model, real } = w;
  // Each authorization as the store has it: its status must be the reference's.
  const authorizations = new Map(
    await Promise.all(
      [...model.authorizations.keys()].map(
        async (id) => [id, await real.store.getAuthorization(id)] as const,
      ),
    ),
  );
  for (const [id, expected] of model.authorizations) {
    const actual = authorizations.get(id);
    expect(
      {
        status: actual?.status,
        reason: actual?.reason,
        completedAmount: actual?.completedAmount,
        endedBy: actual?.endedBy,
        expiresAt: actual?.expiresAt,
      },
      `authorization ${id}`,
    ).toEqual({
      status: expected.status,
      reason: expected.reason,
      completedAmount: expected.completedAmount,
      endedBy: expected.endedBy,
      expiresAt:
        expected.expiresAt === undefined ? undefined : new Date(expected.expiresAt).toISOString(),
    });
  }
  for (const id of ACCOUNTS) {
    const expected = model.accounts.get(id);
    const actual = await real.store.getAccount(id);
    expect(actual?.balance, `balance of ${id}`).toBe(expected?.balance);
    // Holds: the account's heldAmount is the sum of its APPROVED authorizations, as the store
    // has them, and as the reference has it.
    const approved = [...authorizations.values()]
      .filter((a) => a?.status === 'APPROVED' && a.fields.accountId === id)
      .reduce((sum, a) => sum + (a?.fields.amount ?? 0), 0);
    expect(actual?.heldAmount, `heldAmount of ${id}: its APPROVED holds`).toBe(
      actual === undefined ? undefined : approved,
    );
    expect(actual?.heldAmount, `heldAmount of ${id}`).toBe(expected?.held);
    expect(usage(Object.entries(actual?.withdrawn ?? {})), `daily usage of ${id}`).toEqual(
      usage(expected?.withdrawn ?? []),
    );
    // Exactly-once: each transaction appears at most once in an account's entries, and
    // the entries fold to the balance with no gap in sequence.
    const page = await real.store.listEntries(id, 100);
    const ids = page.items.map((e) => e.transactionId);
    expect(new Set(ids).size, `entries of ${id} are unique`).toBe(ids.length);
    expect(page.items.map((e) => e.sequence)).toEqual(page.items.map((_, i) => i + 1));
    expect(page.items.reduce((s, e) => s + e.amount, 0)).toBe(expected?.balance ?? 0);
  }
  // Event-sourced: every account equals the fold of its entries.
  expect((await rebuild(real.store)).drift).toEqual([]);
  for (const [currency, t] of await real.store.trialBalance()) {
    expect(t.debits, `trial balance ${currency}`).toBe(t.credits);
  }
  /** Posted completions per authorization id. */
  const completions = new Map<string, string[]>();
  for (const [id, expected] of model.outcomes) {
    const actual = await real.store.getTransaction(id);
    expect(
      { status: actual?.status, reason: actual?.reason, conflicts: actual?.conflicts },
      `outcome of ${id}`,
    ).toEqual({
      status: expected.status,
      reason: expected.reason,
      conflicts: expected.conflicts.size,
    });
    const tx = actual?.transaction;
    if (actual?.status === 'POSTED' && tx?.type === 'WITHDRAWAL' && tx.authorizationId) {
      completions.set(tx.authorizationId, [...(completions.get(tx.authorizationId) ?? []), id]);
    }
  }
  // No double completion: an authorization is completed by at most one posted withdrawal, the
  // one it names as its end, exactly when it is COMPLETED.
  for (const [id, actual] of authorizations) {
    const completedBy = completions.get(id) ?? [];
    expect(completedBy, `completions of ${id}`).toEqual(
      actual?.status === 'COMPLETED' ? [actual.endedBy] : [],
    );
  }
}

/** The real answer of `authorize()` must be the reference's. */
function expectAnswer(actual: AuthorizeOutcome, expected: RefAuthorizeAnswer, label: string) {
  if (expected.kind === 'Conflict') {
    expect(
      { kind: actual.kind, fields: actual.kind === 'Conflict' ? actual.fields : undefined },
      label,
    ).toEqual(expected);
    return;
  }
  // The answer the API gives: the decision as first made, though an approval may have ended since.
  const decision =
    actual.kind === 'Conflict' ? undefined : queries.toAuthorizationDecision(actual.record);
  const auth = expected.authorization;
  expect({ kind: actual.kind, ...decision }, label).toEqual({
    kind: expected.kind,
    authorizationId: auth.request.authorizationId,
    status: auth.status === 'DECLINED' ? 'DECLINED' : 'APPROVED',
    amount: auth.request.amount,
    ...(auth.reason === undefined ? {} : { reason: auth.reason }),
    // The API answers 0 available for an account that does not exist.
    availableBalance: auth.availableBalance ?? 0,
    ...(auth.expiresAt === undefined ? {} : { expiresAt: new Date(auth.expiresAt).toISOString() }),
  });
}

/**
 * Model-based test of the ledger: random sequences of transactions,
 * redeliveries, conflicting redeliveries and crash-replays go through the real
 * Kinesis handler and store, and after every step the store must agree with
 * the reference ledger and keep every invariant.
 */
/** `open`: opens an account (again: idempotent), possibly one transactions already failed against. */
const arbOpen = (): fc.Arbitrary<Step> =>
  fc
    .record({
      account: fc.constantFrom(...ACCOUNTS),
      overdraft: fc.constantFrom(0, 5_000),
      dailyLimit: fc.constantFrom(undefined, 10_000),
    })
    .map((c) => ({
      label: `open ${c.account} (overdraft ${c.overdraft}${c.dailyLimit === undefined ? '' : `, daily limit ${c.dailyLimit}`})`,
      make: () => [],
      open: { accountId: c.account, overdraft: c.overdraft, dailyLimit: c.dailyLimit },
    }));

/**
 * One step of the model-based run as an fc.commands command: it applies the
 * step to the reference ledger and, through the real Kinesis handler, to the
 * store, then checks every invariant.
 */
class StepCommand implements fc.AsyncCommand<World, World> {
  constructor(
    private readonly step: Step & {
      open?: { accountId: string; overdraft: number; dailyLimit: number | undefined };
    },
  ) {}
  check(): boolean {
    return true;
  }
  async run(w: World): Promise<void> {
    const open = this.step.open;
    if (open !== undefined) {
      w.model.open(open.accountId, 'USD', open.overdraft, open.dailyLimit);
      await w.real.store.createAccount(
        emptyAccount({
          accountId: open.accountId,
          currency: 'USD',
          overdraftLimit: open.overdraft,
          lowBalanceThreshold: 0,
          dailyWithdrawalLimit: open.dailyLimit,
          createdAt: at,
        }),
      );
    }
    for (const request of this.step.asks?.(w) ?? []) {
      const expected = w.model.authorize(request);
      const actual = await w.real.authorize(request);
      expectAnswer(actual, expected, `authorize ${request.authorizationId}`);
      if (!w.asked.some((a) => a.authorizationId === request.authorizationId))
        w.asked.push(request);
    }
    if (this.step.tick !== undefined) {
      w.clock.ms += this.step.tick * 1000;
      w.model.sweep();
      await w.real.sweep();
    }
    for (const batch of this.step.make(w)) {
      for (const tx of batch) {
        w.model.deliver(tx);
        const known = w.history.some(
          (h) => h.transactionId === tx.transactionId && payloadHash(h) === payloadHash(tx),
        );
        if (!known) w.history.push(tx);
      }
      await w.real.deliver(batch);
    }
    await checkInvariants(w);
  }
  toString(): string {
    return this.step.label;
  }
}

/**
 * Model-based test of the ledger (fc.commands): random sequences of account
 * openings, transactions, redeliveries, conflicting redeliveries and
 * crash-replays go through the real Kinesis handler and store, authorizations
 * and their retries through the real authorize(), holds run out as the clock
 * passes their TTL and the sweep runs; after every command the store must
 * agree with the reference ledger and keep every invariant. The model and the real system share the world, because the
 * reference is checked against the store inside each command.
 */
export function testLedgerAgainstModel(
  name: string,
  factory: () => Promise<{ store: LedgerStore & TimerStore; cleanup?: () => Promise<void> }>,
  opts: { runs: number; maxSteps: number; timeoutMs?: number },
) {
  const arbCommand = fc
    .oneof({ arbitrary: arbStep(), weight: 24 }, { arbitrary: arbOpen(), weight: 1 })
    .map((step) => new StepCommand(step));
  it(
    `${name}: agrees with the reference ledger after every command`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.commands([arbCommand], { maxCommands: opts.maxSteps, size: 'max' }),
          // Whether authorize() has the API instance's account cache (one write, no read) or reads.
          fc.boolean(),
          async (commands, cached) => {
            const { store, cleanup } = await factory();
            try {
              const clock = new ModelClock();
              const w: World = {
                model: new ReferenceLedger(
                  WINDOW_SECONDS * 1000,
                  () => clock.ms,
                  HOLD_TTL_SECONDS * 1000,
                ),
                real: new RealLedger(store, clock, cached),
                clock,
                history: [],
                heldBack: [],
                asked: [],
                next: 0,
              };
              for (const [i, id] of OPENED_AT_START.entries()) {
                const overdraft = i === 0 ? 5_000 : 0;
                w.model.open(id, 'USD', overdraft, DAILY_LIMITS[id]);
                await store.createAccount(
                  emptyAccount({
                    accountId: id,
                    currency: 'USD',
                    overdraftLimit: overdraft,
                    lowBalanceThreshold: 0,
                    dailyWithdrawalLimit: DAILY_LIMITS[id],
                    createdAt: at,
                  }),
                );
              }
              const seeds = OPENED_AT_START.map(
                (id): AtmTransaction => ({
                  transactionId: `seed-${id}`,
                  type: 'DEPOSIT',
                  accountId: id,
                  atmId: 'atm-1',
                  occurredAt: at,
                  amount: SEEDED[id] ?? 0,
                  currency: 'USD',
                }),
              );
              for (const tx of seeds) w.model.deliver(tx);
              await w.real.deliver(seeds);
              w.history.push(...seeds);
              await fc.asyncModelRun(() => ({ model: w, real: w }), commands);
              expect(w.real.poisoned).toEqual([]);
            } finally {
              await cleanup?.();
            }
          },
        ),
        { numRuns: opts.runs, endOnFailure: true },
      );
    },
    opts.timeoutMs ?? 120_000,
  );
}
