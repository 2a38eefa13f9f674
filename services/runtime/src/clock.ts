/**
 * Time, injected: domains decide from the time they are given, and tests and
 * the local cloud pass a clock of their own.
 */
export interface Clock {
  now(): Date;
}

/** The wall clock: what every handler uses unless it is given another. */
export const systemClock: Clock = { now: () => new Date() };
