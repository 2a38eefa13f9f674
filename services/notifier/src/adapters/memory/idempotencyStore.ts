import { randomUUID } from 'node:crypto';
import type { Clock } from '@atm-ledger/runtime';
import type { Claim, ClaimOutcome, IdempotencyStore, SettleOutcome } from '../../ports.js';

interface Row {
  status: 'INPROGRESS' | 'COMPLETED';
  token: string;
  /** Epoch seconds, like the DynamoDB TTL attribute. */
  expiresAt: number;
  inProgressUntil: number | undefined;
  completedAt: string | undefined;
}

/** The reference model of {@link IdempotencyStore}: same rules as the DynamoDB one, in a Map. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #rows = new Map<string, Row>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { readonly recordTtlSeconds: number },
  ) {}

  async claim(key: string, options: { readonly inProgressMs: number }): Promise<ClaimOutcome> {
    const now = this.clock.now().getTime();
    const row = this.#rows.get(key);
    const expired = row !== undefined && row.expiresAt < now / 1000;
    if (row !== undefined && !expired) {
      if (row.status === 'COMPLETED') {
        return { kind: 'AlreadyCompleted', completedAt: row.completedAt };
      }
      if ((row.inProgressUntil ?? 0) >= now) {
        return { kind: 'InFlight', inProgressUntil: new Date(row.inProgressUntil ?? 0) };
      }
    }
    const claim: Claim = {
      key,
      token: randomUUID(),
      inProgressUntil: new Date(now + options.inProgressMs),
    };
    this.#rows.set(key, {
      status: 'INPROGRESS',
      token: claim.token,
      expiresAt: Math.floor(now / 1000) + this.options.recordTtlSeconds,
      inProgressUntil: claim.inProgressUntil.getTime(),
      completedAt: undefined,
    });
    return { kind: 'Claimed', claim, tookOver: row !== undefined && !expired };
  }

  async complete(claim: Claim): Promise<SettleOutcome> {
    const done = this.#rows.get(claim.key);
    if (done?.status === 'COMPLETED' && done.token === claim.token) return { kind: 'Settled' };
    const row = this.#owned(claim);
    if (row === undefined) return { kind: 'ClaimLost' };
    const now = this.clock.now();
    row.status = 'COMPLETED';
    row.completedAt = now.toISOString();
    row.expiresAt = Math.floor(now.getTime() / 1000) + this.options.recordTtlSeconds;
    row.inProgressUntil = undefined;
    return { kind: 'Settled' };
  }

  async release(claim: Claim): Promise<SettleOutcome> {
    if (this.#owned(claim) === undefined) return { kind: 'ClaimLost' };
    this.#rows.delete(claim.key);
    return { kind: 'Settled' };
  }

  #owned(claim: Claim): Row | undefined {
    const row = this.#rows.get(claim.key);
    return row?.status === 'INPROGRESS' && row.token === claim.token ? row : undefined;
  }
}
