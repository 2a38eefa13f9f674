import { AuthorizationRequest, PostTransactionRequest } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/traffic/prng.js';
import {
  expectedStatus,
  generateWorkload,
  isAuthorizationBody,
  type TrafficRequest,
  withoutAuthorizations,
} from '../../src/traffic/workload.js';

const START = Date.parse('2026-11-27T10:00:00.000Z');
const options = { seed: 42, transactions: 600, idPrefix: 'w', startAt: START };

const shape = (r: TrafficRequest) => {
  const {
    transactionId,
    authorizationId,
    accountId,
    atmId,
    toAccountId,
    originalTransactionId,
    ...rest
  } = r.body as Record<string, unknown>;
  return { kind: r.kind, offsetMs: r.offsetMs, ...rest };
};

describe('Prng', () => {
  it('gives the same sequence for a seed, pinned so the workload cannot drift silently', () => {
    // Prepare
    const a = new Prng(42);
    const b = new Prng(42);

    // Act
    const first = Array.from({ length: 4 }, () => a.nextUint32());

    // Assess
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual(first);
    expect(first).toMatchInlineSnapshot(`
      [
        1028872839,
        2516511472,
        400437680,
        853279530,
      ]
    `);
    expect(new Prng(43).nextUint32()).not.toBe(first[0]);
  });
});

describe('generateWorkload', () => {
  it('is a pure function of its options: the same seed gives the identical request list', () => {
    // Act
    const a = generateWorkload(options);
    const b = generateWorkload({ ...options });

    // Assess
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('gives different traffic for a different seed', () => {
    // Act
    const a = generateWorkload(options);
    const b = generateWorkload({ ...options, seed: 43 });

    // Assess
    expect(JSON.stringify(b.requests)).not.toBe(JSON.stringify(a.requests));
    expect(b.requests.map(shape)).not.toEqual(a.requests.map(shape));
  });

  it('gives the same shapes under another id prefix (the load test namespaces)', () => {
    // Act
    const streaming = generateWorkload({ ...options, idPrefix: 'S' });
    const batch = generateWorkload({ ...options, idPrefix: 'B' });

    // Assess
    expect(batch.requests.map(shape)).toEqual(streaming.requests.map(shape));
    expect(batch.requests[0]?.body).not.toEqual(streaming.requests[0]?.body);
    expect(JSON.stringify(batch)).not.toContain('"S-');
  });

  it('produces valid requests that pass the contract and invalid ones that fail it', () => {
    // Act
    const w = generateWorkload(options);

    // Assess
    for (const r of w.requests) {
      const schema = isAuthorizationBody(r.body) ? AuthorizationRequest : PostTransactionRequest;
      expect(schema.safeParse(r.body).success, JSON.stringify(r)).toBe(r.kind !== 'invalid');
    }
    expect(w.requests.some((r) => r.kind === 'authorize')).toBe(true);
    for (const f of w.fundings) expect(PostTransactionRequest.safeParse(f).success).toBe(true);
  });

  it('is withdrawal-heavy, in cash denominations, with duplicates, invalid messages and reversals', () => {
    // Act
    const w = generateWorkload({ ...options, transactions: 2_000 });
    const fresh = w.requests.filter((r) => r.kind === 'new');
    const count = (type: string) => fresh.filter((r) => r.body.type === type).length;

    // Assess
    expect(count('WITHDRAWAL')).toBeGreaterThan(count('DEPOSIT') + count('TRANSFER'));
    expect(count('BALANCE_INQUIRY')).toBeGreaterThan(0);
    expect(count('REVERSAL')).toBeGreaterThan(0);
    for (const r of fresh) {
      const b = r.body;
      if (b.type === 'WITHDRAWAL' || b.type === 'DEPOSIT')
        expect(b.amount % 2_000 === 0 || b.amount % 5_000 === 0).toBe(true);
    }
    const duplicates = w.requests.filter((r) => r.kind === 'duplicate');
    const invalid = w.requests.filter((r) => r.kind === 'invalid');
    expect(duplicates.length / w.requests.length).toBeCloseTo(0.02, 1);
    expect(invalid.length / w.requests.length).toBeCloseTo(0.02, 1);
    for (const d of duplicates) {
      if (d.kind !== 'duplicate') continue;
      expect(d.body).toEqual(w.requests[d.duplicateOf]?.body);
      expect(d.duplicateOf).toBeLessThan(d.seq);
    }
  });

  it.each([
    ['JPY', 1],
    ['USD', 100],
    ['BHD', 1_000],
  ])(
    'scales the cash amounts to %s minor units (%i per whole unit, by ISO 4217)',
    (currency, perUnit) => {
      // Act
      const usd = generateWorkload({ ...options, currency: 'USD' });
      const other = generateWorkload({ ...options, currency });

      // Assess: the same draws, the amounts at the currency's exponent (invalid bodies are
      // corrupted on purpose, some in their amount).
      const amounts = (w: typeof usd) =>
        [...w.fundings, ...w.requests.filter((r) => r.kind !== 'invalid').map((r) => r.body)].map(
          (b) => ({
            amount: 'amount' in b ? b.amount : undefined,
            dispensedAmount: 'dispensedAmount' in b ? b.dispensedAmount : undefined,
          }),
        );
      const scale = (n: unknown) => (typeof n === 'number' ? (n / 100) * perUnit : n);
      expect(amounts(other)).toEqual(
        amounts(usd).map((a) => ({
          amount: scale(a.amount),
          dispensedAmount: scale(a.dispensedAmount),
        })),
      );
      expect(other.accounts.every((a) => a.currency === currency)).toBe(true);
    },
  );

  it('refuses a currency that is not an active ISO 4217 code (its exponent would be a guess)', () => {
    // Act
    const make = () => generateWorkload({ ...options, currency: 'DEM' });

    // Assess
    expect(make).toThrow(/currency must be an active ISO 4217 code, got "DEM"/);
  });

  it('reverses earlier withdrawals of the same account: misdispenses partly, timeouts fully', () => {
    // Act
    const w = generateWorkload({ ...options, transactions: 3_000 });
    const byId = new Map(
      w.requests.map((r) => [(r.body as { transactionId: string }).transactionId, r]),
    );
    const reversals = w.requests.filter((r) => r.kind === 'new' && r.body.type === 'REVERSAL');

    // Assess
    const kinds = new Set<string>();
    for (const r of reversals) {
      // Releases name an authorization, not a transaction (see the authorization tests).
      if (r.kind !== 'new' || r.body.type !== 'REVERSAL' || r.settles) continue;
      const original = byId.get(r.body.originalTransactionId ?? '');
      expect(original?.body).toMatchObject({ type: 'WITHDRAWAL', accountId: r.body.accountId });
      expect(original?.seq).toBeLessThan(r.seq);
      const amount = (original?.body as { amount?: number } | undefined)?.amount ?? 0;
      if (r.reversal === 'MISDISPENSE') {
        expect(r.body.dispensedAmount).toBeGreaterThan(0);
        expect(r.body.dispensedAmount).toBeLessThan(amount);
      } else expect(r.body.dispensedAmount).toBeUndefined();
      kinds.add(r.reversal ?? '');
    }
    expect(kinds).toEqual(new Set(['MISDISPENSE', 'TIMEOUT']));
  });

  it('sends in time order, faster during the payday peak', () => {
    // Act
    const w = generateWorkload({ ...options, transactions: 2_000, rate: 10, burstMultiplier: 4 });
    const offsets = w.requests.map((r) => r.offsetMs);
    const span = (rs: TrafficRequest[]) => (rs.at(-1)?.offsetMs ?? 0) - (rs[0]?.offsetMs ?? 0);
    const peak = w.requests.filter((r) => r.peak);
    const offPeak = w.requests.filter((r) => !r.peak && r.offsetMs < w.peak.fromMs);

    // Assess
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const peakRate = peak.length / (span(peak) / 1000);
    const offPeakRate = offPeak.length / (span(offPeak) / 1000);
    expect(offPeakRate).toBeGreaterThan(7);
    expect(offPeakRate).toBeLessThan(13);
    expect(peakRate / offPeakRate).toBeGreaterThan(3);
    expect(
      Math.abs((offsets.at(-1) ?? 0) - w.plannedDurationMs) / w.plannedDurationMs,
    ).toBeLessThan(0.15);
  });
});

describe('generateWorkload: authorize-then-complete', () => {
  const big = { ...options, transactions: 4_000 };

  it('authorizes the share of withdrawals asked for, the rest post as plain withdrawals', () => {
    // Act
    const w = generateWorkload({ ...big, authorizationShare: 0.5 });
    const authorizations = w.requests.filter((r) => r.kind === 'authorize').length;
    const plain = w.requests.filter(
      (r) => r.kind === 'new' && r.body.type === 'WITHDRAWAL' && !r.settles,
    ).length;

    // Assess
    expect(authorizations / (authorizations + plain)).toBeGreaterThan(0.45);
    expect(authorizations / (authorizations + plain)).toBeLessThan(0.55);
  });

  it('follows each approval with exactly one completion in full, a partial dispense or a release, in the settlement mix', () => {
    // Act
    const w = generateWorkload(big);
    const followUps = new Map<number, TrafficRequest[]>();
    for (const r of w.requests) {
      if (r.kind !== 'new' || !r.settles) continue;
      followUps.set(r.settles.authorizationSeq, [
        ...(followUps.get(r.settles.authorizationSeq) ?? []),
        r,
      ]);
    }
    const authorizations = w.requests.filter((r) => r.kind === 'authorize');
    const count: Record<string, number> = {};

    // Assess
    for (const a of authorizations) {
      if (a.kind !== 'authorize') continue;
      count[a.settlement] = (count[a.settlement] ?? 0) + 1;
      const list = followUps.get(a.seq) ?? [];
      expect(list, JSON.stringify(a)).toHaveLength(1);
      const [f] = list;
      if (f?.kind !== 'new' || !f.settles) throw new Error('no follow-up');
      expect(f.settles.settlement).toBe(a.settlement);
      expect(f.seq).toBeGreaterThan(a.seq);
      const delay = f.offsetMs - a.offsetMs;
      expect(delay).toBeGreaterThanOrEqual(1_500);
      expect(delay).toBeLessThanOrEqual(6_000);
      expect(Date.parse(f.body.occurredAt) - Date.parse(a.body.occurredAt)).toBe(delay);
      expect(f.body).toMatchObject({
        accountId: a.body.accountId,
        atmId: a.body.atmId,
        authorizationId: a.body.authorizationId,
      });
      switch (a.settlement) {
        case 'FULL':
          expect(f.body).toMatchObject({ type: 'WITHDRAWAL', amount: a.body.amount });
          break;
        case 'PARTIAL': {
          if (f.body.type !== 'WITHDRAWAL') throw new Error('a partial dispense is a withdrawal');
          expect(f.body.amount).toBeGreaterThan(0);
          expect(f.body.amount).toBeLessThan(a.body.amount);
          expect(f.body.amount % 2_000).toBe(0);
          break;
        }
        case 'RELEASE':
          expect(f.body.type).toBe('REVERSAL');
          expect(f.body).not.toHaveProperty('originalTransactionId');
          expect(f.body).not.toHaveProperty('amount');
          break;
        default:
          throw new Error(`unexpected settlement ${a.settlement}`);
      }
    }
    const total = authorizations.length;
    expect((count.FULL ?? 0) / total).toBeGreaterThan(0.78);
    expect((count.PARTIAL ?? 0) / total).toBeGreaterThan(0.02);
    expect((count.RELEASE ?? 0) / total).toBeGreaterThan(0.06);
    expect(count.ABANDON).toBeUndefined();
  });

  it('leaves abandoned holds without a follow-up, for expiry to end them', () => {
    // Act
    const w = generateWorkload({
      ...big,
      settlementMix: { FULL: 70, PARTIAL: 5, RELEASE: 10, ABANDON: 15 },
    });
    const settled = new Set(
      w.requests.flatMap((r) =>
        r.kind === 'new' && r.settles ? [r.settles.authorizationSeq] : [],
      ),
    );
    const abandoned = w.requests.filter(
      (r) => r.kind === 'authorize' && r.settlement === 'ABANDON',
    );

    // Assess
    expect(abandoned.length).toBeGreaterThan(20);
    for (const a of abandoned) expect(settled.has(a.seq)).toBe(false);
  });

  it('fits every follow-up inside the run: the request count holds and no hold is left open by accident', () => {
    for (const transactions of [1, 2, 3, 10, 57]) {
      // Act
      const w = generateWorkload({
        ...options,
        transactions,
        authorizationShare: 1,
        mix: WITHDRAWALS_ONLY,
      });
      const settled = new Set(
        w.requests.flatMap((r) =>
          r.kind === 'new' && r.settles ? [r.settles.authorizationSeq] : [],
        ),
      );

      // Assess
      expect(w.requests).toHaveLength(transactions);
      expect(w.requests.map((r) => r.seq)).toEqual([...w.requests.keys()]);
      const offsets = w.requests.map((r) => r.offsetMs);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      for (const r of w.requests)
        if (r.kind === 'authorize' && r.settlement !== 'ABANDON')
          expect(settled.has(r.seq)).toBe(true);
    }
  });

  it('keeps the request rate: sessions arrive slower by the follow-ups they bring', () => {
    // Act
    const w = generateWorkload({ ...big, rate: 10, burstMultiplier: 1 });
    const last = w.requests.at(-1)?.offsetMs ?? 0;

    // Assess
    expect(Math.abs(last - w.plannedDurationMs) / w.plannedDurationMs).toBeLessThan(0.1);
  });

  it('expects 201 for an authorization and 200 for its retry', () => {
    // Act
    const w = generateWorkload({ ...big, duplicateRate: 0.1 });
    const retried = w.requests.filter((r) => r.kind === 'duplicate' && isAuthorizationBody(r.body));

    // Assess
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried) expect(expectedStatus(r)).toBe(200);
    for (const r of w.requests.filter((x) => x.kind === 'authorize'))
      expect(expectedStatus(r)).toBe(201);
  });

  it('sends none with authorizationShare 0', () => {
    // Act
    const w = generateWorkload({ ...big, authorizationShare: 0 });

    // Assess
    expect(w.requests.some((r) => r.kind === 'authorize' || (r.kind === 'new' && r.settles))).toBe(
      false,
    );
    expect(w.requests.some((r) => 'authorizationId' in r.body)).toBe(false);
  });
});

describe('withoutAuthorizations', () => {
  it('gives the legacy path the same cash movements: completions as plain withdrawals, no authorizations, no releases', () => {
    // Prepare
    const w = generateWorkload({ ...options, transactions: 2_000 });

    // Act
    const legacy = withoutAuthorizations(w.requests);

    // Assess
    expect(legacy.some((r) => 'authorizationId' in r.body)).toBe(false);
    expect(legacy.some((r) => r.kind === 'authorize' || (r.kind === 'new' && r.settles))).toBe(
      false,
    );
    const completions = w.requests.filter(
      (r) => r.kind === 'new' && r.settles && r.settles.settlement !== 'RELEASE',
    );
    expect(completions.length).toBeGreaterThan(0);
    const bySeq = new Map(legacy.map((r) => [r.seq, r]));
    for (const c of completions) {
      const { authorizationId, ...plain } = c.body as { authorizationId: string };
      expect(bySeq.get(c.seq)?.body).toEqual(plain);
      expect(PostTransactionRequest.safeParse(plain).success).toBe(true);
    }
    const untouched = w.requests.filter((r) => !('authorizationId' in r.body));
    expect(legacy.filter((r) => untouched.includes(r))).toHaveLength(untouched.length);
  });
});

const WITHDRAWALS_ONLY = {
  WITHDRAWAL: 1,
  DEPOSIT: 0,
  TRANSFER: 0,
  BALANCE_INQUIRY: 0,
  REVERSAL: 0,
};
