import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claim, ClaimOutcome, IdempotencyStore } from '../../src/ports.js';
import { ManualClock } from '../support/builders.js';

/** Time to live every factory must give its store, so cases can step past it. */
export const RECORD_TTL_SECONDS = 3_600;
const IN_PROGRESS_MS = 30_000;

export interface IdempotencyStoreFixture {
  readonly store: IdempotencyStore;
  cleanup(): Promise<void>;
}

function claimed(outcome: ClaimOutcome): Claim & { tookOver: boolean } {
  if (outcome.kind !== 'Claimed') throw new Error(`expected Claimed, got ${outcome.kind}`);
  return { ...outcome.claim, tookOver: outcome.tookOver };
}

/**
 * One behaviour, every implementation: the in-memory model and DynamoDB over
 * the wire run the same cases. `factory` gets the clock the store must read.
 */
export function testIdempotencyStore(
  name: string,
  factory: (clock: ManualClock) => Promise<IdempotencyStoreFixture>,
): void {
  describe(`IdempotencyStore: ${name}`, () => {
    let clock: ManualClock;
    let fixture: IdempotencyStoreFixture;
    let store: IdempotencyStore;

    beforeEach(async () => {
      clock = new ManualClock();
      fixture = await factory(clock);
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('claims a key nobody holds', async () => {
      // Act
      const outcome = await store.claim('ev-1:RECEIPT:A', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(outcome).toMatchObject({ kind: 'Claimed', tookOver: false });
      expect(claimed(outcome).inProgressUntil).toEqual(
        new Date(clock.now().getTime() + IN_PROGRESS_MS),
      );
    });

    it('reports a key held by an unexpired claim as in flight, with its expiry', async () => {
      // Prepare
      const first = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      clock.advance(IN_PROGRESS_MS - 1);

      // Act
      const second = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(second).toEqual({ kind: 'InFlight', inProgressUntil: first.inProgressUntil });
    });

    it('reports a completed key as already completed, when it was completed', async () => {
      // Prepare
      const claim = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      clock.advance(1_000);
      const completedAt = clock.now().toISOString();
      await store.complete(claim);
      clock.advance(60_000);

      // Act
      const again = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(again).toEqual({ kind: 'AlreadyCompleted', completedAt });
    });

    it('keeps a completed key completed long after the in-progress expiry', async () => {
      // Prepare
      const claim = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      await store.complete(claim);
      clock.advance(RECORD_TTL_SECONDS * 1000 - 1_000);

      // Act
      const again = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(again.kind).toBe('AlreadyCompleted');
    });

    it('lets a retry take over a claim whose holder never finished', async () => {
      // Prepare
      const crashed = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      clock.advance(IN_PROGRESS_MS + 1);

      // Act
      const retry = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));

      // Assess
      expect(retry.tookOver).toBe(true);
      expect(retry.token).not.toBe(crashed.token);
    });

    it('does not let a holder whose claim was taken over complete or release it', async () => {
      // Prepare
      const slow = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      clock.advance(IN_PROGRESS_MS + 1);
      const successor = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));

      // Act
      const slowCompletes = await store.complete(slow);
      const slowReleases = await store.release(slow);
      const stillHeld = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });
      const successorCompletes = await store.complete(successor);

      // Assess
      expect(slowCompletes).toEqual({ kind: 'ClaimLost' });
      expect(slowReleases).toEqual({ kind: 'ClaimLost' });
      expect(stillHeld).toMatchObject({ kind: 'InFlight' });
      expect(successorCompletes).toEqual({ kind: 'Settled' });
    });

    it('settles a completion again for the same claim (a retried write that had landed)', async () => {
      // Prepare
      const claim = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      const first = await store.complete(claim);
      clock.advance(IN_PROGRESS_MS + 1);

      // Act
      const retried = await store.complete(claim);
      const again = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(first).toEqual({ kind: 'Settled' });
      expect(retried).toEqual({ kind: 'Settled' });
      expect(again.kind).toBe('AlreadyCompleted');
    });

    it('frees a released key for the next claim at once', async () => {
      // Prepare
      const failed = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));

      // Act
      const released = await store.release(failed);
      const retry = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(released).toEqual({ kind: 'Settled' });
      expect(retry).toMatchObject({ kind: 'Claimed', tookOver: false });
    });

    it('does not release a completed key', async () => {
      // Prepare
      const claim = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      await store.complete(claim);

      // Act
      const released = await store.release(claim);
      const again = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(released).toEqual({ kind: 'ClaimLost' });
      expect(again.kind).toBe('AlreadyCompleted');
    });

    it('treats a record past its time to live as absent, before TTL deletion removes it', async () => {
      // Prepare
      const claim = claimed(await store.claim('k', { inProgressMs: IN_PROGRESS_MS }));
      await store.complete(claim);
      clock.advance(RECORD_TTL_SECONDS * 1000 + 1_000);

      // Act
      const again = await store.claim('k', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(again).toMatchObject({ kind: 'Claimed', tookOver: false });
    });

    it('keeps keys apart', async () => {
      // Prepare
      const a = claimed(await store.claim('ev-1:RECEIPT:A', { inProgressMs: IN_PROGRESS_MS }));
      await store.complete(a);

      // Act
      const b = await store.claim('ev-1:RECEIPT:B', { inProgressMs: IN_PROGRESS_MS });
      const other = await store.claim('ev-1:LOW_BALANCE:A', { inProgressMs: IN_PROGRESS_MS });

      // Assess
      expect(b.kind).toBe('Claimed');
      expect(other.kind).toBe('Claimed');
    });

    it('grants one claim among concurrent ones', async () => {
      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => store.claim('k', { inProgressMs: IN_PROGRESS_MS })),
      );

      // Assess
      expect(outcomes.filter((o) => o.kind === 'Claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'InFlight')).toHaveLength(7);
    });
  });
}
