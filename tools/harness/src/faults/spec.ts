import { AtmLedgerError } from '@atm-ledger/runtime';
import { Prng } from '../traffic/prng.js';

/**
 * What the local runtime can break on purpose. `throttle`, `server-error`,
 * `timeout-after-write`, `kill-after-write`, `transaction-throttled` and
 * `partial-batch` act at the SDK clients' HTTP handler (`sdk.ts`); the other
 * three kill the process at a crash point of the parts the local cloud plays
 * for AWS (`crash.ts`). New classes go at the end: each class's dice are
 * seeded from its position, so a seed keeps meaning the same faults.
 */
export const FAULT_CLASSES = [
  'throttle',
  'server-error',
  'timeout-after-write',
  'kill-after-write',
  'kill-before-checkpoint',
  'kill-in-pipe',
  'kill-in-notifier',
  'transaction-throttled',
  'partial-batch',
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/**
 * When a fault fires: with probability `p` at each eligible occurrence, or
 * exactly once, at the `n`th eligible occurrence in this process (1-based).
 */
export type FaultTrigger =
  | { readonly kind: 'probability'; readonly p: number }
  | { readonly kind: 'nth'; readonly n: number };

export interface FaultSpec {
  readonly triggers: Readonly<Partial<Record<FaultClass, FaultTrigger>>>;
  /** Seeds the dice; the same spec gives the same decisions in a process that sees the same occurrences. */
  readonly seed: number;
}

/** A fault spec (`--faults`, `LEDGER_FAULTS`) that cannot be read. */
export class FaultSpecError extends AtmLedgerError {
  readonly code = 'FAULT_SPEC_INVALID';
}
export const isFaultSpecError = (error: unknown): error is FaultSpecError =>
  error instanceof FaultSpecError;

const DEFAULT_SEED = 0;
const FORMAT =
  'expected comma-separated class=trigger (a probability like 0.05, or @N for the Nth occurrence) and optionally seed=<integer>';

const isFaultClass = (name: string): name is FaultClass =>
  (FAULT_CLASSES as readonly string[]).includes(name);

function fail(part: string, why: string): never {
  throw new FaultSpecError(
    `fault spec entry ${JSON.stringify(part)}: ${why}; ${FORMAT}; classes: ${FAULT_CLASSES.join(', ')}`,
  );
}

function parseTrigger(part: string, value: string): FaultTrigger {
  if (value.startsWith('@')) {
    const digits = value.slice(1);
    const n = Number(digits);
    if (!/^[1-9][0-9]*$/.test(digits) || !Number.isSafeInteger(n)) {
      fail(part, `${JSON.stringify(value)} is not @N with N a whole number from 1`);
    }
    return { kind: 'nth', n };
  }
  const p = Number(value);
  if (!/^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(value) || !(p >= 0 && p <= 1)) {
    fail(part, `${JSON.stringify(value)} is not a probability between 0 and 1`);
  }
  return { kind: 'probability', p };
}

/**
 * Reads a fault spec such as `throttle=0.05,timeout-after-write=@3,seed=7`.
 * Empty or absent text means no faults. Each class may appear once.
 */
export function parseFaultSpec(text: string | undefined): FaultSpec {
  const triggers: Partial<Record<FaultClass, FaultTrigger>> = {};
  let seed: number | undefined;
  if (text === undefined || text.trim() === '') return { triggers, seed: DEFAULT_SEED };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq < 0) fail(part, part === '' ? 'empty entry' : 'missing "="');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 'seed') {
      if (seed !== undefined) fail(part, 'seed given twice');
      const n = Number(value);
      if (!/^[0-9]+$/.test(value) || n > 0xffff_ffff) {
        fail(part, `seed ${JSON.stringify(value)} is not a whole number in [0, 2^32)`);
      }
      seed = n;
      continue;
    }
    if (!isFaultClass(name)) fail(part, `unknown fault class ${JSON.stringify(name)}`);
    if (triggers[name] !== undefined) fail(part, `${name} given twice`);
    triggers[name] = parseTrigger(part, value);
  }
  return { triggers, seed: seed ?? DEFAULT_SEED };
}

/** The spec in the canonical form `parseFaultSpec` reads back: classes in declaration order, then the seed. */
export function formatFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  for (const cls of FAULT_CLASSES) {
    const trigger = spec.triggers[cls];
    if (trigger === undefined) continue;
    parts.push(`${cls}=${trigger.kind === 'nth' ? `@${trigger.n}` : String(trigger.p)}`);
  }
  parts.push(`seed=${spec.seed}`);
  return parts.join(',');
}

/**
 * Decides, occurrence by occurrence, whether a fault fires. Each class counts
 * its own occurrences and has its own generator (derived from the seed and
 * the class), so whether one class fires never shifts the decisions of
 * another: a run that sees the same occurrences makes the same decisions.
 */
export class FaultDice {
  readonly #triggers: FaultSpec['triggers'];
  readonly #occurrences = new Map<FaultClass, number>();
  readonly #prngs: Readonly<Record<FaultClass, Prng>>;

  constructor(spec: FaultSpec) {
    this.#triggers = spec.triggers;
    // One stream per class: the seed mixed with the class's index (golden-ratio steps).
    this.#prngs = Object.fromEntries(
      FAULT_CLASSES.map((cls, i) => [
        cls,
        new Prng((spec.seed + Math.imul(i + 1, 0x9e37_79b9)) >>> 0),
      ]),
    ) as Record<FaultClass, Prng>;
  }

  /** Counts an eligible occurrence of `cls` and says whether to inject the fault there. */
  roll(cls: FaultClass): boolean {
    const occurrence = (this.#occurrences.get(cls) ?? 0) + 1;
    this.#occurrences.set(cls, occurrence);
    const trigger = this.#triggers[cls];
    if (trigger === undefined) return false;
    if (trigger.kind === 'nth') return occurrence === trigger.n;
    return this.#prngs[cls].chance(trigger.p);
  }

  /** Whether `cls` has a trigger at all (callers skip work for classes that can never fire). */
  armed(cls: FaultClass): boolean {
    return this.#triggers[cls] !== undefined;
  }
}
