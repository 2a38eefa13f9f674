import type { Account } from '../domain/index.js';

/**
 * The accounts a consumer's lanes last saw, kept between records and batches
 * so that a posting in steady state is one write and no read. It is a guess,
 * never trusted on its own: every write that relies on an account is
 * conditional on the version it was decided from, and a failed condition
 * returns the account as it is (ALL_OLD), which replaces the guess. Bounded:
 * the least recently used accounts go first.
 */
export class AccountCache {
  readonly #accounts = new Map<string, Account>();

  constructor(private readonly capacity = 10_000) {
    if (!(capacity > 0)) throw new RangeError('capacity must be > 0');
  }

  get size(): number {
    return this.#accounts.size;
  }

  /** Every one of `ids`, or nothing: a decision is made from all the accounts it touches or from a read. */
  lookup(ids: readonly string[]): Map<string, Account> | undefined {
    const found = new Map<string, Account>();
    for (const id of ids) {
      const account = this.#accounts.get(id);
      if (account === undefined) return undefined;
      found.set(id, account);
    }
    for (const [id, account] of found) this.#touch(id, account);
    return found;
  }

  /** Accounts as a read or a write left them; an absent one (undefined) is forgotten, not cached. */
  remember(accounts: Iterable<readonly [string, Account | undefined]>): void {
    for (const [id, account] of accounts) {
      if (account === undefined) this.#accounts.delete(id);
      else this.#touch(id, account);
    }
  }

  #touch(id: string, account: Account): void {
    this.#accounts.delete(id);
    this.#accounts.set(id, account);
    if (this.#accounts.size > this.capacity) {
      const oldest = this.#accounts.keys().next().value;
      if (oldest !== undefined) this.#accounts.delete(oldest);
    }
  }
}
