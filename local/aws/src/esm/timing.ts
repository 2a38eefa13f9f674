/**
 * A promise whose resolution other code can trigger; used to wake a waiting
 * lane when records arrive instead of polling an in-memory queue.
 */
export class Signal {
  #waiters: Array<() => void> = [];

  /** Resolves on the next {@link notify}, after `timeoutMs`, or on abort. */
  wait(timeoutMs: number, abort?: AbortSignal): Promise<void> {
    if (abort?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', done);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      abort?.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
