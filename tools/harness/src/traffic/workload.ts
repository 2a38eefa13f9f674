import {
  type AuthorizationRequest,
  isActiveCurrency,
  minorUnitExponent,
  type OpenAccountInput,
  type PostTransactionRequest,
  type TransactionType,
} from '@atm-ledger/contracts';
import { Prng } from './prng.js';

/** What a generated run looks like. Every field has a default (see {@link DEFAULT_WORKLOAD}). */
export interface WorkloadOptions {
  readonly seed: number;
  /** Requests in the traffic phase, duplicates and invalid messages included. */
  readonly transactions: number;
  readonly accounts: number;
  readonly atms: number;
  /** Off-peak arrival rate, transactions per second (a Poisson process). */
  readonly rate: number;
  /** The payday peak's rate, as a multiple of `rate`. 1 turns the peak off. */
  readonly burstMultiplier: number;
  /** Where the peak starts, as a fraction of the run's planned duration. */
  readonly burstStart: number;
  /** How long the peak lasts, as a fraction of the run's planned duration. */
  readonly burstShare: number;
  /** Share of requests that are a producer's retry of an earlier one (same body). */
  readonly duplicateRate: number;
  /** Share of requests that break the contract and must be answered 400. */
  readonly invalidRate: number;
  /** Relative weights of the transaction types. A REVERSAL always reverses a recent withdrawal. */
  readonly mix: Readonly<Record<TransactionType, number>>;
  /** Share of reversals that are misdispenses (part of the cash came out); the rest are timeouts. */
  readonly misdispenseShare: number;
  /**
   * Share of withdrawals that go authorize-then-complete (`POST /v1/authorizations`,
   * then a WITHDRAWAL or a release naming it); the rest post as plain withdrawals,
   * decided at posting as in v1.
   */
  readonly authorizationShare: number;
  /** Relative weights of what follows an approved authorization (see {@link Settlement}). */
  readonly settlementMix: Readonly<Record<Settlement, number>>;
  /** `[min, max]` milliseconds from an authorization to its completion or release: the dispense. */
  readonly settleDelayMs: readonly [number, number];
  /** Prefixes every account, ATM and transaction id, so runs and modes do not collide. */
  readonly idPrefix: string;
  /** `occurredAt` of the request at offset 0, epoch milliseconds. */
  readonly startAt: number;
  readonly currency: string;
}

export const DEFAULT_MIX: Readonly<Record<TransactionType, number>> = {
  WITHDRAWAL: 55,
  BALANCE_INQUIRY: 18,
  DEPOSIT: 14,
  TRANSFER: 9,
  REVERSAL: 4,
};

/**
 * What the ATM does after an approval:
 * - `FULL`: dispenses it all, and posts a WITHDRAWAL of the amount authorized;
 * - `PARTIAL`: dispenses less (a jam, the cassette ran low), and posts what came out;
 * - `RELEASE`: dispenses nothing (cancelled, card retained), and releases the hold;
 * - `ABANDON`: never reports back (the ATM went offline), so the hold expires.
 */
export const SETTLEMENTS = ['FULL', 'PARTIAL', 'RELEASE', 'ABANDON'] as const;
export type Settlement = (typeof SETTLEMENTS)[number];

/**
 * Most approvals are dispensed in full; releases come from cancelled sessions
 * and partial dispenses from faults, both uncommon but far from rare across a
 * network. Abandoned holds are off by default: with the default hold TTL of a
 * week they would only sit there; the soak turns them on with a short TTL.
 */
export const DEFAULT_SETTLEMENT_MIX: Readonly<Record<Settlement, number>> = {
  FULL: 85,
  PARTIAL: 5,
  RELEASE: 10,
  ABANDON: 0,
};

export const DEFAULT_WORKLOAD: Omit<WorkloadOptions, 'startAt'> = {
  seed: 1,
  transactions: 300,
  accounts: 50,
  atms: 20,
  rate: 4,
  burstMultiplier: 3,
  burstStart: 0.4,
  burstShare: 0.2,
  duplicateRate: 0.02,
  invalidRate: 0.02,
  mix: DEFAULT_MIX,
  misdispenseShare: 0.4,
  authorizationShare: 0.5,
  settlementMix: DEFAULT_SETTLEMENT_MIX,
  settleDelayMs: [1_500, 6_000],
  idPrefix: 'gen-1',
  currency: 'USD',
};

/** What makes an invalid request invalid; each one breaks the `PostTransactionRequest` contract. */
export const INVALID_DEFECTS = [
  'negative-amount',
  'fractional-amount',
  'zero-amount',
  'lowercase-currency',
  'missing-account',
  'timestamp-without-offset',
  'unknown-type',
  'short-pan',
  'unknown-field',
  'bad-transaction-id',
] as const;
export type InvalidDefect = (typeof INVALID_DEFECTS)[number];

interface RequestBase {
  /** Position in the run, from 0. */
  readonly seq: number;
  /** When it is due, milliseconds after `startAt`; also its `occurredAt`. */
  readonly offsetMs: number;
  /** Whether it falls in the payday peak. */
  readonly peak: boolean;
}

/** One request of the traffic phase, with what the edge must answer. */
export type TrafficRequest =
  | (RequestBase & {
      readonly kind: 'new';
      readonly body: PostTransactionRequest;
      readonly reversal?: 'MISDISPENSE' | 'TIMEOUT';
      /**
       * A completion (WITHDRAWAL) or a release (REVERSAL) of an earlier authorization:
       * sent only if that authorization was approved, as an ATM dispenses only then.
       */
      readonly settles?: {
        readonly authorizationSeq: number;
        readonly settlement: Exclude<Settlement, 'ABANDON'>;
      };
    })
  | (RequestBase & {
      readonly kind: 'authorize';
      readonly body: AuthorizationRequest;
      /** What the ATM will do if it is approved. */
      readonly settlement: Settlement;
    })
  | (RequestBase & {
      readonly kind: 'duplicate';
      readonly body: PostTransactionRequest | AuthorizationRequest;
      /** `seq` of the request it repeats. */
      readonly duplicateOf: number;
    })
  | (RequestBase & {
      readonly kind: 'invalid';
      readonly body: Record<string, unknown>;
      readonly defect: InvalidDefect;
    });

export interface Workload {
  readonly options: WorkloadOptions;
  /** `POST /v1/accounts` bodies, opened before the traffic. */
  readonly accounts: readonly OpenAccountInput[];
  /** One DEPOSIT per account, posted (and settled) before the traffic. */
  readonly fundings: readonly PostTransactionRequest[];
  readonly requests: readonly TrafficRequest[];
  /** Duration the rate profile was planned for; the Poisson arrivals end near it. */
  readonly plannedDurationMs: number;
  /** The payday peak, milliseconds after `startAt`. */
  readonly peak: { readonly fromMs: number; readonly toMs: number };
}

/** An authorization's body, as opposed to a transaction's: it goes to `POST /v1/authorizations`. */
export const isAuthorizationBody = (body: unknown): body is AuthorizationRequest =>
  typeof body === 'object' &&
  body !== null &&
  'authorizationId' in body &&
  !('transactionId' in body);

/**
 * The authorization a request depends on: its own id for an authorization, the
 * one it completes or releases for a transaction naming one, else undefined.
 */
export const authorizationIdOf = (body: unknown): string | undefined => {
  const id = (body as { authorizationId?: unknown } | null)?.authorizationId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * What the edge must answer a request with: 400 for an invalid one; for an
 * authorization 201 when first decided and 200 for a producer's retry (sent
 * after the first was answered: one account's requests go one at a time);
 * 202 for any transaction.
 */
export const expectedStatus = (r: TrafficRequest): 200 | 201 | 202 | 400 => {
  if (r.kind === 'invalid') return 400;
  if (r.kind === 'authorize') return 201;
  if (r.kind === 'duplicate' && isAuthorizationBody(r.body)) return 200;
  return 202;
};

// Cash amounts in whole currency units: what ATMs dispense (20s, 50s and 100s) and
// how often people ask for them. In USD, 500 and up trips the large-withdrawal alert
// (its threshold is in minor units, whatever the currency).
const WITHDRAWAL_AMOUNTS: readonly (readonly [number, number])[] = [
  [20, 8],
  [40, 12],
  [60, 12],
  [80, 8],
  [100, 16],
  [120, 6],
  [140, 4],
  [160, 4],
  [200, 14],
  [250, 3],
  [300, 6],
  [400, 3],
  [500, 4],
];
const DEPOSIT_NOTES: readonly (readonly [number, number])[] = [
  [20, 3],
  [50, 3],
  [100, 4],
];
const TRANSFER_AMOUNTS: readonly (readonly [number, number])[] = [
  [50, 3],
  [100, 4],
  [200, 3],
  [250, 1],
  [500, 2],
  [1000, 1],
];
/** Share of an account's visits to its home ATM. */
const HOME_ATM_SHARE = 0.7;
/** How far back a producer retry or a reversal reaches. */
const RECENT = 20;
/** A fixed order, so the order of keys in a caller's `mix` cannot change the draws. */
const TYPE_ORDER: readonly TransactionType[] = [
  'WITHDRAWAL',
  'DEPOSIT',
  'TRANSFER',
  'BALANCE_INQUIRY',
  'REVERSAL',
];
/** Payday: people come for cash. */
const PEAK_WITHDRAWAL_BOOST = 2;

interface AccountProfile {
  readonly accountId: string;
  readonly weight: number;
  readonly homeAtm: string;
  readonly pan: string;
}

interface Withdrawal {
  readonly body: Extract<PostTransactionRequest, { type: 'WITHDRAWAL' }>;
  readonly profile: AccountProfile;
}

/**
 * The traffic of one run: a pure function of the options, so the same seed
 * (and `startAt`) gives the same request list, in the same order, to the byte.
 * Every draw comes from one seeded stream, consumed in a fixed order; ids are
 * derived from `idPrefix` without drawing, so two prefixes give the same
 * shapes (types, amounts, accounts by position, times) under different ids.
 */
export function generateWorkload(
  input: Partial<WorkloadOptions> & Pick<WorkloadOptions, 'startAt'>,
): Workload {
  const options: WorkloadOptions = { ...DEFAULT_WORKLOAD, ...input };
  validate(options);
  // Minor units per whole unit, by the currency's ISO 4217 exponent: 100 for USD, 1 for JPY, 1000 for BHD.
  const minor = 10 ** minorUnitExponent(options.currency);
  const rng = new Prng(options.seed);
  const p = options.idPrefix;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const at = (offsetMs: number) => new Date(options.startAt + offsetMs).toISOString();

  const atms = Array.from({ length: options.atms }, (_, i) => ({
    atmId: `${p}-atm-${pad(i, 3)}`,
    // A few busy locations (stations, malls), many quiet ones.
    weight: 1 / (i + 1) ** 0.8,
  }));
  const atmWeights = atms.map((a) => [a.atmId, a.weight] as const);
  const profiles: AccountProfile[] = Array.from({ length: options.accounts }, (_, i) => ({
    accountId: `${p}-acct-${pad(i, 4)}`,
    // Some customers use their card far more than others.
    weight: 1 / (i + 1) ** 0.6,
    homeAtm: rng.weighted(atmWeights),
    pan: luhnPan(rng),
  }));
  const accountWeights = profiles.map((a) => [a, a.weight] as const);

  const accounts: OpenAccountInput[] = profiles.map((a) => ({
    accountId: a.accountId,
    currency: options.currency,
  }));
  const fundings: PostTransactionRequest[] = profiles.map((a, i) => ({
    transactionId: `${p}-fund-${pad(i, 4)}`,
    type: 'DEPOSIT',
    accountId: a.accountId,
    atmId: a.homeAtm,
    // 1,000 to 5,000 in hundreds: enough that only the busiest accounts run dry.
    amount: rng.int(10, 50) * 100 * minor,
    currency: options.currency,
    occurredAt: at(-60_000),
    pan: a.pan,
  }));

  const meanRate =
    options.rate * (1 - options.burstShare + options.burstMultiplier * options.burstShare);
  const plannedDurationMs = (options.transactions / meanRate) * 1000;
  const peak = {
    fromMs: Math.round(options.burstStart * plannedDurationMs),
    toMs: Math.round((options.burstStart + options.burstShare) * plannedDurationMs),
  };

  // Follow-ups are requests too: sessions arrive that much slower, so `rate` stays the
  // rate of requests (and the planned duration holds).
  const followUpsPerArrival = (inPeak: boolean) => {
    const weights = TYPE_ORDER.map((type) => {
      const w = options.mix[type] ?? 0;
      return type === 'WITHDRAWAL' && inPeak ? w * PEAK_WITHDRAWAL_BOOST : w;
    });
    const withdrawals = (weights[0] ?? 0) / weights.reduce((a, b) => a + b, 0);
    const settled = SETTLEMENTS.reduce((n, k) => n + (options.settlementMix[k] ?? 0), 0);
    const reported = settled > 0 ? 1 - (options.settlementMix.ABANDON ?? 0) / settled : 0;
    return (
      (1 - options.invalidRate - options.duplicateRate) *
      withdrawals *
      options.authorizationShare *
      reported
    );
  };
  const arrivalRate = (inPeak: boolean) =>
    (options.rate * (inPeak ? options.burstMultiplier : 1)) / (1 + followUpsPerArrival(inPeak));

  const requests: TrafficRequest[] = [];
  const recentValid: { seq: number; body: PostTransactionRequest | AuthorizationRequest }[] = [];
  const reversible: Withdrawal[] = [];
  // Completions and releases still to come, in due order.
  const pending: FollowUp[] = [];
  const settlementWeights = SETTLEMENTS.map((k) => [k, options.settlementMix[k] ?? 0] as const);
  let txNo = 0;
  let invalidNo = 0;
  let authNo = 0;
  let t = 0;
  let lastOffset = 0;
  // The next arrival, drawn ahead so a follow-up due before it goes first.
  let nextArrival: number | undefined;
  const remember = (seq: number, body: PostTransactionRequest | AuthorizationRequest) => {
    recentValid.push({ seq, body });
    if (recentValid.length > RECENT) recentValid.shift();
  };
  for (let seq = 0; seq < options.transactions; seq++) {
    if (nextArrival === undefined) {
      const inPeak = t >= peak.fromMs && t < peak.toMs;
      t += rng.exponential(arrivalRate(inPeak)) * 1000;
      nextArrival = Math.round(t);
    }
    const followUp = pending[0];
    // Every follow-up gets a slot: once the slots left are as many as the follow-ups, they fill them.
    if (
      followUp !== undefined &&
      (followUp.offsetMs <= nextArrival || options.transactions - seq <= pending.length)
    ) {
      pending.shift();
      const offsetMs = Math.max(followUp.offsetMs, lastOffset);
      lastOffset = offsetMs;
      const body: PostTransactionRequest = { ...followUp.body, occurredAt: at(offsetMs) };
      remember(seq, body);
      requests.push({
        seq,
        offsetMs,
        peak: offsetMs >= peak.fromMs && offsetMs < peak.toMs,
        kind: 'new',
        body,
        settles: { authorizationSeq: followUp.authorizationSeq, settlement: followUp.settlement },
      });
      continue;
    }
    const offsetMs = nextArrival;
    nextArrival = undefined;
    lastOffset = offsetMs;
    const isPeak = offsetMs >= peak.fromMs && offsetMs < peak.toMs;
    const occurredAt = at(offsetMs);
    const roll = rng.next();

    if (roll < options.invalidRate) {
      const profile = rng.weighted(accountWeights);
      const template = {
        transactionId: `${p}-x${pad(invalidNo++, 6)}`,
        type: 'WITHDRAWAL',
        accountId: profile.accountId,
        atmId: profile.homeAtm,
        amount: rng.weighted(WITHDRAWAL_AMOUNTS) * minor,
        currency: options.currency,
        occurredAt,
        pan: profile.pan,
      };
      const defect = rng.pick(INVALID_DEFECTS);
      requests.push({
        seq,
        offsetMs,
        peak: isPeak,
        kind: 'invalid',
        defect,
        body: corrupt(template, defect),
      });
      continue;
    }
    if (roll < options.invalidRate + options.duplicateRate && recentValid.length > 0) {
      const original = rng.pick(recentValid.slice(-RECENT));
      requests.push({
        seq,
        offsetMs,
        peak: isPeak,
        kind: 'duplicate',
        duplicateOf: original.seq,
        body: original.body,
      });
      continue;
    }

    const mix = TYPE_ORDER.map((type) => {
      const w = options.mix[type] ?? 0;
      return [type, type === 'WITHDRAWAL' && isPeak ? w * PEAK_WITHDRAWAL_BOOST : w] as const;
    });
    let type = rng.weighted(mix);
    if (type === 'REVERSAL' && reversible.length === 0) type = 'WITHDRAWAL';
    const transactionId = `${p}-t${pad(txNo++, 6)}`;
    let body: PostTransactionRequest;
    let reversal: 'MISDISPENSE' | 'TIMEOUT' | undefined;
    if (type === 'REVERSAL') {
      // The ATM reports that a recent withdrawal did not (fully) dispense.
      const index = rng.int(0, reversible.length - 1);
      const [original] = reversible.splice(index, 1) as [Withdrawal];
      const notes = original.body.amount / (20 * minor);
      const misdispense = rng.chance(options.misdispenseShare) && notes >= 2;
      reversal = misdispense ? 'MISDISPENSE' : 'TIMEOUT';
      body = {
        transactionId,
        type: 'REVERSAL',
        accountId: original.body.accountId,
        atmId: original.body.atmId,
        occurredAt,
        pan: original.profile.pan,
        originalTransactionId: original.body.transactionId,
        // A misdispense returns what stayed in the ATM: some of the twenties came out.
        ...(misdispense ? { dispensedAmount: rng.int(1, notes - 1) * 20 * minor } : {}),
      };
    } else {
      const profile = rng.weighted(accountWeights);
      const atmId = rng.chance(HOME_ATM_SHARE) ? profile.homeAtm : rng.weighted(atmWeights);
      const common = {
        transactionId,
        accountId: profile.accountId,
        atmId,
        occurredAt,
        pan: profile.pan,
      };
      switch (type) {
        case 'WITHDRAWAL': {
          const amount = rng.weighted(WITHDRAWAL_AMOUNTS) * minor;
          // A follow-up needs a slot of its own before the run ends.
          const room = options.transactions - seq - 1 > pending.length;
          if (rng.chance(options.authorizationShare)) {
            let settlement = rng.weighted(settlementWeights);
            const notes = amount / (20 * minor);
            // One note cannot come out in part.
            if (settlement === 'PARTIAL' && notes < 2) settlement = 'FULL';
            if (settlement === 'ABANDON' || room) {
              const authorizationId = `${p}-a${pad(authNo++, 6)}`;
              const authorization: AuthorizationRequest = {
                authorizationId,
                accountId: profile.accountId,
                amount,
                currency: options.currency,
                atmId,
                occurredAt,
                pan: profile.pan,
              };
              const dueMs = offsetMs + rng.int(options.settleDelayMs[0], options.settleDelayMs[1]);
              if (settlement !== 'ABANDON') {
                // The transaction id drawn for this withdrawal goes to what settles it.
                const base = {
                  transactionId,
                  accountId: profile.accountId,
                  atmId,
                  occurredAt: at(dueMs),
                  pan: profile.pan,
                  authorizationId,
                };
                const followBody: PostTransactionRequest =
                  settlement === 'RELEASE'
                    ? { ...base, type: 'REVERSAL' }
                    : {
                        ...base,
                        type: 'WITHDRAWAL',
                        currency: options.currency,
                        amount:
                          settlement === 'PARTIAL' ? rng.int(1, notes - 1) * 20 * minor : amount,
                      };
                insertByDue(pending, {
                  offsetMs: dueMs,
                  body: followBody,
                  authorizationSeq: seq,
                  settlement,
                });
              }
              remember(seq, authorization);
              requests.push({
                seq,
                offsetMs,
                peak: isPeak,
                kind: 'authorize',
                body: authorization,
                settlement,
              });
              continue;
            }
          }
          const withdrawal = {
            ...common,
            type,
            amount,
            currency: options.currency,
          };
          reversible.push({ body: withdrawal, profile });
          if (reversible.length > RECENT) reversible.shift();
          body = withdrawal;
          break;
        }
        case 'DEPOSIT':
          body = {
            ...common,
            type,
            amount: rng.weighted(DEPOSIT_NOTES) * rng.int(1, 15) * minor,
            currency: options.currency,
          };
          break;
        case 'TRANSFER': {
          let to = rng.weighted(accountWeights);
          if (to === profile)
            to = profiles[(profiles.indexOf(profile) + 1) % profiles.length] ?? to;
          body = {
            ...common,
            type,
            amount: rng.weighted(TRANSFER_AMOUNTS) * minor,
            currency: options.currency,
            toAccountId: to.accountId,
          };
          break;
        }
        case 'BALANCE_INQUIRY':
          body = { ...common, type };
          break;
        default:
          throw new Error(`unreachable: ${type}`);
      }
    }
    remember(seq, body);
    requests.push({
      seq,
      offsetMs,
      peak: isPeak,
      kind: 'new',
      body,
      ...(reversal ? { reversal } : {}),
    });
  }
  return { options, accounts, fundings, requests, plannedDurationMs, peak };
}

interface FollowUp {
  readonly offsetMs: number;
  readonly body: PostTransactionRequest;
  readonly authorizationSeq: number;
  readonly settlement: Exclude<Settlement, 'ABANDON'>;
}

/** Keeps `pending` in due order; equal dues stay in the order they were drawn. */
function insertByDue(pending: FollowUp[], f: FollowUp): void {
  let i = pending.length;
  while (i > 0 && (pending[i - 1] as FollowUp).offsetMs > f.offsetMs) i--;
  pending.splice(i, 0, f);
}

/**
 * The same traffic for a path with no real-time authorization (the legacy
 * batch): the ATM dispenses and reports what came out. Authorizations and
 * their producer retries go; a completion posts as the plain withdrawal of
 * what was dispensed; a release, which moved no money, goes too. Sequence
 * numbers are kept, so a request is still found by its place in the original.
 */
export function withoutAuthorizations(requests: readonly TrafficRequest[]): TrafficRequest[] {
  return requests.flatMap((r): TrafficRequest[] => {
    if (r.kind === 'invalid') return [r];
    if (isAuthorizationBody(r.body)) return [];
    const body = r.body;
    if (body.type === 'REVERSAL' && body.authorizationId !== undefined) return [];
    if (body.type !== 'WITHDRAWAL' || body.authorizationId === undefined) return [r];
    const { authorizationId, ...plain } = body;
    if (r.kind === 'duplicate') return [{ ...r, body: plain }];
    if (r.kind !== 'new') return [r];
    const { settles, ...rest } = r;
    return [{ ...rest, body: plain }];
  });
}

function validate(o: WorkloadOptions): void {
  const fail = (what: string) => {
    throw new RangeError(`workload: ${what}`);
  };
  if (!/^[A-Za-z0-9._:-]{1,40}$/.test(o.idPrefix))
    fail(`idPrefix must be 1-40 characters of [A-Za-z0-9._:-], got "${o.idPrefix}"`);
  if (!Number.isInteger(o.transactions) || o.transactions < 0)
    fail('transactions must be an integer >= 0');
  if (!Number.isInteger(o.accounts) || o.accounts < 2)
    fail('accounts must be an integer >= 2 (transfers need two)');
  if (!Number.isInteger(o.atms) || o.atms < 1) fail('atms must be an integer >= 1');
  if (!(o.rate > 0)) fail('rate must be > 0 transactions per second');
  if (!(o.burstMultiplier >= 1)) fail('burstMultiplier must be >= 1');
  if (!(o.burstStart >= 0 && o.burstShare >= 0 && o.burstStart + o.burstShare <= 1))
    fail('burstStart and burstShare must be fractions with burstStart + burstShare <= 1');
  if (!(o.duplicateRate >= 0 && o.invalidRate >= 0 && o.duplicateRate + o.invalidRate < 1))
    fail('duplicateRate and invalidRate must be >= 0 and add up to less than 1');
  if (!(o.misdispenseShare >= 0 && o.misdispenseShare <= 1))
    fail('misdispenseShare must be in [0, 1]');
  if (!(o.authorizationShare >= 0 && o.authorizationShare <= 1))
    fail('authorizationShare must be in [0, 1]');
  if (o.authorizationShare > 0 && SETTLEMENTS.every((k) => !((o.settlementMix[k] ?? 0) > 0)))
    fail('settlementMix needs a positive weight');
  const [minDelay, maxDelay] = o.settleDelayMs;
  if (
    !(
      Number.isInteger(minDelay) &&
      Number.isInteger(maxDelay) &&
      minDelay >= 0 &&
      maxDelay >= minDelay
    )
  )
    fail('settleDelayMs must be integer milliseconds [min, max] with 0 <= min <= max');
  if (!Number.isFinite(o.startAt)) fail('startAt must be epoch milliseconds');
  if (!isActiveCurrency(o.currency))
    fail(`currency must be an active ISO 4217 code, got "${o.currency}"`);
  if (Object.values(o.mix).every((w) => !(w > 0))) fail('mix needs a positive weight');
}

/** A 16-digit card number with a valid Luhn check digit, as a real card has. */
function luhnPan(rng: Prng): string {
  const digits = [4, ...Array.from({ length: 14 }, () => rng.int(0, 9))];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Doubling starts with the digit just left of the check digit.
    const d = digits[digits.length - 1 - i] as number;
    const v = i % 2 === 0 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  }
  return [...digits, (10 - (sum % 10)) % 10].join('');
}

function corrupt(
  template: Record<string, unknown>,
  defect: InvalidDefect,
): Record<string, unknown> {
  const body = { ...template };
  const amount = body.amount as number;
  switch (defect) {
    case 'negative-amount':
      body.amount = -amount;
      break;
    case 'fractional-amount':
      body.amount = amount + 0.5;
      break;
    case 'zero-amount':
      body.amount = 0;
      break;
    case 'lowercase-currency':
      body.currency = String(body.currency).toLowerCase();
      break;
    case 'missing-account':
      delete body.accountId;
      break;
    case 'timestamp-without-offset':
      body.occurredAt = String(body.occurredAt)
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '');
      break;
    case 'unknown-type':
      body.type = 'CASHBACK';
      break;
    case 'short-pan':
      body.pan = String(body.pan).slice(-4);
      break;
    case 'unknown-field':
      body.tip = 500;
      break;
    case 'bad-transaction-id':
      body.transactionId = `${String(body.transactionId)} /retry`;
      break;
    default: {
      const never: never = defect;
      throw new Error(`unhandled defect ${String(never)}`);
    }
  }
  return body;
}
