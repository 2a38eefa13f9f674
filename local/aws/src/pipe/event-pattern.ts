/**
 * EventBridge event patterns, as Pipes applies them in `FilterCriteria`: the
 * subset a pipe filter needs, checked when the pipe is built so an operator
 * we do not implement fails loudly instead of silently matching nothing.
 *
 * Supported: nested objects, exact values (string, number, boolean, null),
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list,
 * or `{ prefix }`), `exists`, `numeric` and `$or`. An array in the event
 * matches if any of its elements does; a missing field matches only
 * `{ "exists": false }`.
 */

export type EventPattern = { readonly [key: string]: EventPattern | readonly unknown[] };

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'exists',
  'numeric',
]);

const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

/** Parses and validates a pattern given as JSON text (as the API takes it) or as an object. */
export function parseEventPattern(pattern: string | object): EventPattern {
  let value: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch {
      throw new InvalidEventPatternError(`event pattern is not JSON: ${pattern}`);
    }
  }
  validate(value, '$');
  return value as EventPattern;
}

function validate(pattern: unknown, path: string): void {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    throw new InvalidEventPatternError(`${path}: expected an object`);
  }
  for (const [key, value] of Object.entries(pattern)) {
    const at = `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        throw new InvalidEventPatternError(`${at}: expected a list of at least 2 patterns`);
      }
      for (const [i, branch] of value.entries()) validate(branch, `${at}[${i}]`);
    } else if (Array.isArray(value)) {
      if (value.length === 0)
        throw new InvalidEventPatternError(`${at}: empty list matches nothing`);
      for (const matcher of value) validateMatcher(matcher, at);
    } else {
      validate(value, at);
    }
  }
}

function validateMatcher(matcher: unknown, at: string): void {
  if (matcher === null || typeof matcher !== 'object') return;
  const entries = Object.entries(matcher);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined || !OPERATORS.has(operator)) {
    throw new InvalidEventPatternError(
      `${at}: unsupported matcher ${JSON.stringify(matcher)} (supported: ${[...OPERATORS].join(', ')})`,
    );
  }
  if (operator === 'numeric') {
    const ops = Array.isArray(operand) ? operand : [];
    const wellFormed =
      ops.length > 0 &&
      ops.length % 2 === 0 &&
      ops.every((x, i) => (i % 2 === 0 ? NUMERIC_OPS.has(String(x)) : typeof x === 'number'));
    if (!wellFormed) {
      throw new InvalidEventPatternError(
        `${at}: numeric expects [operator, number, ...] with operators ${[...NUMERIC_OPS].join(' ')}`,
      );
    }
  }
}

/** Whether `event` matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  const object =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') {
      return (expected as readonly EventPattern[]).some((branch) => matchObject(branch, value));
    }
    const present = Object.hasOwn(object, key);
    const actual = object[key];
    if (Array.isArray(expected)) return matchField(expected, present, actual);
    if (!present) return false;
    const candidates = Array.isArray(actual) ? actual : [actual];
    return candidates.some((c) => matchObject(expected as EventPattern, c));
  });
}

function matchField(matchers: readonly unknown[], present: boolean, actual: unknown): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  return matchers.some((matcher) => {
    if (isOperator(matcher, 'exists')) return matcher.exists === present;
    if (!present) return false;
    return values.some((v) => matchValue(matcher, v));
  });
}

function matchValue(matcher: unknown, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return matcher === value;
  if (isOperator(matcher, 'prefix')) {
    return typeof value === 'string' && value.startsWith(String(matcher.prefix));
  }
  if (isOperator(matcher, 'suffix')) {
    return typeof value === 'string' && value.endsWith(String(matcher.suffix));
  }
  if (isOperator(matcher, 'equals-ignore-case')) {
    return (
      typeof value === 'string' &&
      value.toLowerCase() === String(matcher['equals-ignore-case']).toLowerCase()
    );
  }
  if (isOperator(matcher, 'anything-but')) {
    const excluded = matcher['anything-but'];
    if (isOperator(excluded, 'prefix')) {
      return typeof value === 'string' && !value.startsWith(String(excluded.prefix));
    }
    const list = Array.isArray(excluded) ? excluded : [excluded];
    return !list.includes(value);
  }
  if (isOperator(matcher, 'numeric')) {
    if (typeof value !== 'number') return false;
    const ops = matcher.numeric as readonly unknown[];
    for (let i = 0; i < ops.length; i += 2) {
      if (!compare(value, String(ops[i]), Number(ops[i + 1]))) return false;
    }
    return true;
  }
  return false;
}

function compare(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      return false;
  }
}

function isOperator<K extends string>(
  matcher: unknown,
  operator: K,
): matcher is Record<K, unknown> {
  return typeof matcher === 'object' && matcher !== null && Object.hasOwn(matcher, operator);
}
