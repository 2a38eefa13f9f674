/**
 * A small seeded PRNG, so the same seed gives the same traffic on every
 * machine and Node version: sfc32 (Chris Doty-Humphrey's "small fast
 * counting" generator, public domain, passes PractRand to 2^40+ bytes),
 * with its 128-bit state filled by splitmix32 from a 32-bit seed.
 *
 * Written out rather than taken from `pure-rand` (present only as a
 * transitive dependency of fast-check): a generator whose output defines the
 * workload must not change under us with a dependency bump. Only 32-bit
 * integer operations (`Math.imul`, `>>>`, `|0`) are used, which JavaScript
 * defines exactly; the float conversion divides by 2^32, which is exact too.
 * `exponential` uses `Math.log`, which the language leaves approximate; V8
 * computes it with the same fdlibm port everywhere, and the workload rounds
 * the resulting times to whole milliseconds.
 */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    let s = seed >>> 0;
    const splitmix32 = () => {
      s = (s + 0x9e37_79b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix32();
    this.#b = splitmix32();
    this.#c = splitmix32();
    this.#d = splitmix32();
    // The reference implementation discards its first outputs to mix the state.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One value, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((n, [, w]) => n + w, 0);
    if (!(total > 0)) throw new RangeError('weights must add up to more than 0');
    let x = this.next() * total;
    for (const [value, weight] of entries) {
      x -= weight;
      if (x < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  /** An exponential variate with the given rate (the gap of a Poisson process). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }
}
