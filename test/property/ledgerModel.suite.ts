import { type AtmTransaction, type AtmTransactionRecord, payloadHash } from '@atm-ledger/contracts';
import {
  DEFAULT_LEDGER_POLICY,
  emptyAccount,
  type LedgerStore,
  makeKinesisHandler,
  type PoisonRecordSink,
  rebuild,
  sweepTimers,
  type TimerStore,
} from '@atm-ledger/ledger';
import { createLogger } from '@atm-ledger/runtime';
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ReferenceLedger } from './referenceLedger.js';

/** Runs scale with FC_NUM_RUNS; each run is a whole command sequence. */
export const numRuns = (fallback: number) => Number(process.env.FC_NUM_RUNS ?? fallback);

const ACCOUNTS = ['A', 'B', 'C', 'D', 'E'] as const;
/** Opened before every run; `E` only when an `open` command says so. */
const OPENED_AT_START = ['A', 'B', 'C', 'D'] as const;
const ATMS = ['atm-1', 'atm-2', 'atm-3'] as const;
const at = '2026-11-27T09:00:00.000Z';
/** The reversal window of the runs: an hour, so the clock steps can pass it. */
const WINDOW_SECONDS = 3_600;

/** The model's clock, shared by the reference and the real ledger; steps move it on. */
class ModelClock {
  ms = Date.parse(at);
  readonly now = () => new Date(this.ms);
  iso = () => new Date(this.ms).toISOString();
}

const logger = createLogger('model-test');
logger.setLogLevel('SILENT');

/** The system under test: a store behind the real Kinesis handler, and the real timer sweep. */
class RealLedger {
  #sequence = 0n;
  readonly poisoned: string[] = [];
  readonly handler;
  constructor(
    readonly store: LedgerStore & TimerStore,
    readonly clock: ModelClock,
  ) {
    const poison: PoisonRecordSink = { send: async (r) => void this.poisoned.push(r.reason) };
    this.handler = makeKinesisHandler({
      store,
      clock,
      poison,
      logger,
      concurrency: 4,
      policy: { ...DEFAULT_LEDGER_POLICY, reversalWindowSeconds: WINDOW_SECONDS },
    });
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
  next: number;
}

const newId = (w: World, prefix: string) => `${prefix}-${w.next++}`;

type Step = {
  readonly label: string;
  readonly make: (w: World) => AtmTransaction[][];
  /** Seconds the clock moves on before the sweep; a step that sends nothing. */
  readonly tick?: number;
};

const arbAccount = () => fc.constantFrom(...ACCOUNTS);
const arbAtm = () => fc.constantFrom(...ATMS);
/** Cash denominations, so sums hit boundaries (exactly zero, exactly the overdraft) often. */
const arbAmount = () => fc.constantFrom(1_000, 2_000, 5_000, 10_000, 20_000);

const arbMoney = (type: 'DEPOSIT' | 'WITHDRAWAL'): fc.Arbitrary<Step> =>
  fc
    .record({ account: arbAccount(), amount: arbAmount(), atm: arbAtm(), foreign: fc.boolean() })
    .map((c) => ({
      label: `${type} ${c.account} ${c.amount}${c.foreign ? ' EUR' : ''}`,
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
  );

async function checkInvariants(w: World): Promise<void> {
  const { model, real } = w;
  for (const id of ACCOUNTS) {
    const expected = model.accounts.get(id);
    const actual = await real.store.getAccount(id);
    expect(actual?.balance, `balance of ${id}`).toBe(expected?.balance);
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
  }
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
    .record({ account: fc.constantFrom(...ACCOUNTS), overdraft: fc.constantFrom(0, 5_000) })
    .map((c) => ({
      label: `open ${c.account} (overdraft ${c.overdraft})`,
      make: () => [],
      open: { accountId: c.account, overdraft: c.overdraft },
    }));

/**
 * One step of the model-based run as an fc.commands command: it applies the
 * step to the reference ledger and, through the real Kinesis handler, to the
 * store, then checks every invariant.
 */
class StepCommand implements fc.AsyncCommand<World, World> {
  constructor(private readonly step: Step & { open?: { accountId: string; overdraft: number } }) {}
  check(): boolean {
    return true;
  }
  async run(w: World): Promise<void> {
    const open = this.step.open;
    if (open !== undefined) {
      w.model.open(open.accountId, 'USD', open.overdraft);
      await w.real.store.createAccount(
        emptyAccount({
          accountId: open.accountId,
          currency: 'USD',
          overdraftLimit: open.overdraft,
          lowBalanceThreshold: 0,
          createdAt: at,
        }),
      );
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
 * crash-replays go through the real Kinesis handler and store, and after
 * every command the store must agree with the reference ledger and keep every
 * invariant. The model and the real system share the world, because the
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
          async (commands) => {
            const { store, cleanup } = await factory();
            try {
              const clock = new ModelClock();
              const w: World = {
                model: new ReferenceLedger(WINDOW_SECONDS * 1000, () => clock.ms),
                real: new RealLedger(store, clock),
                clock,
                history: [],
                heldBack: [],
                next: 0,
              };
              for (const [i, id] of OPENED_AT_START.entries()) {
                const overdraft = i === 0 ? 5_000 : 0;
                w.model.open(id, 'USD', overdraft);
                await store.createAccount(
                  emptyAccount({
                    accountId: id,
                    currency: 'USD',
                    overdraftLimit: overdraft,
                    lowBalanceThreshold: 0,
                    createdAt: at,
                  }),
                );
              }
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
