import type { AtmTransaction } from '@atm-ledger/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptanceLog, ClaimOutcome } from '../../src/ports.js';

/** One log to run the contract against, fresh for each case. */
export interface AcceptanceLogFixture {
  readonly log: AcceptanceLog;
  /** Leaves a marker as ingest wrote it before markers held their payload: the id and a time, nothing else. */
  writeLegacyMarker(transactionId: string, at: Date): Promise<void>;
  cleanup(): Promise<void>;
}

const AT = new Date('2026-11-27T10:00:00.000Z');
const LATER = new Date('2026-11-27T10:00:05.000Z');

const withdrawal = (fields: Partial<AtmTransaction> = {}): AtmTransaction => ({
  transactionId: 't-1',
  type: 'WITHDRAWAL',
  accountId: 'acct-1',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T09:00:00.000Z',
  amount: 2_500,
  currency: 'USD',
  panLast4: '1111',
  ...fields,
});

const held = (holder: AtmTransaction): ClaimOutcome => ({ kind: 'HeldByAnotherPayload', holder });

/**
 * One behaviour, every implementation: the in-memory model and DynamoDB over
 * the wire run the same cases, so the race property test that runs on the
 * model says something about the deployed door.
 */
export function testAcceptanceLog(name: string, factory: () => Promise<AcceptanceLogFixture>) {
  describe(`AcceptanceLog: ${name}`, () => {
    let fixture: AcceptanceLogFixture;
    let log: AcceptanceLog;

    beforeEach(async () => {
      fixture = await factory();
      log = fixture.log;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('claims an id nobody holds', async () => {
      // Act
      const outcome = await log.claim(withdrawal(), AT);

      // Assess
      expect(outcome).toEqual({ kind: 'Claimed' });
    });

    it('claims again for the same payload, every time: a retry passes the door', async () => {
      // Prepare
      await log.claim(withdrawal(), AT);

      // Act
      const second = await log.claim(withdrawal(), LATER);
      const third = await log.claim(withdrawal(), LATER);

      // Assess
      expect([second, third]).toEqual([{ kind: 'Claimed' }, { kind: 'Claimed' }]);
    });

    it('claims for a payload equal in canonical form: the same instant at another offset, a default left out', async () => {
      // Prepare
      const reversal = withdrawal({
        type: 'REVERSAL',
        originalTransactionId: 't-0',
        dispensedAmount: 0,
        amount: undefined,
        currency: undefined,
      });
      await log.claim(reversal, AT);

      // Act
      const outcome = await log.claim(
        { ...reversal, occurredAt: '2026-11-27T10:00:00+01:00', dispensedAmount: undefined },
        LATER,
      );

      // Assess
      expect(outcome).toEqual({ kind: 'Claimed' });
    });

    it('refuses another payload, naming the holder as it was claimed', async () => {
      // Prepare
      await log.claim(withdrawal(), AT);

      // Act
      const outcome = await log.claim(withdrawal({ amount: 3_000 }), LATER);

      // Assess
      expect(outcome).toEqual(held(withdrawal()));
    });

    it('keeps the first holder after a refusal: it still passes, the other is still refused', async () => {
      // Prepare
      await log.claim(withdrawal(), AT);
      await log.claim(withdrawal({ panLast4: '4242' }), LATER);

      // Act
      const first = await log.claim(withdrawal(), LATER);
      const other = await log.claim(withdrawal({ panLast4: '4242' }), LATER);

      // Assess
      expect(first).toEqual({ kind: 'Claimed' });
      expect(other).toEqual(held(withdrawal()));
    });

    it('keeps ids apart: a payload holding one id blocks nothing on another', async () => {
      // Prepare
      await log.claim(withdrawal(), AT);

      // Act
      const outcome = await log.claim(withdrawal({ transactionId: 't-2', amount: 1 }), AT);

      // Assess
      expect(outcome).toEqual({ kind: 'Claimed' });
    });

    it('lets a payload take over a marker from before markers held their payload, and then holds', async () => {
      // Prepare
      await fixture.writeLegacyMarker('t-1', AT);

      // Act
      const taken = await log.claim(withdrawal({ amount: 3_000 }), LATER);
      const other = await log.claim(withdrawal(), LATER);

      // Assess
      expect(taken).toEqual({ kind: 'Claimed' });
      expect(other).toEqual(held(withdrawal({ amount: 3_000 })));
    });

    it('gives a new id to exactly one of two payloads raced on it, and shows the winner to the other', async () => {
      // Prepare: several ids, so a lucky ordering on one cannot pass for atomicity
      const ids = Array.from({ length: 8 }, (_, i) => `race-${i}`);

      // Act
      const races = await Promise.all(
        ids.map(async (transactionId) => {
          const a = withdrawal({ transactionId, amount: 100 });
          const b = withdrawal({ transactionId, amount: 200 });
          const [ra, rb] = await Promise.all([log.claim(a, AT), log.claim(b, AT)]);
          return { a, b, ra, rb };
        }),
      );

      // Assess
      for (const { a, b, ra, rb } of races) {
        const claimed = [ra, rb].filter((r) => r.kind === 'Claimed');
        expect(claimed, a.transactionId).toHaveLength(1);
        expect(ra.kind === 'Claimed' ? rb : ra).toEqual(held(ra.kind === 'Claimed' ? a : b));
      }
    });
  });
}
