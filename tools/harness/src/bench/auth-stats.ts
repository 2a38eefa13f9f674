/**
 * The arithmetic of `npm run bench:auth`, kept apart from the run so it can be
 * tested: exact percentiles of a few hundred samples, and which authorization
 * a DynamoDB call belongs to.
 */

/** Nearest-rank percentile (`q` in [0, 100]) of unsorted values; undefined for none. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface LatencyRow {
  readonly count: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

export function latencyRow(values: readonly number[]): LatencyRow {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}

/**
 * The authorization ids a DynamoDB request names, from its JSON body: every
 * call of the authorization path carries the authorization's own key
 * (`AUTH#<id>`: the BatchGetItem of a cold read, the TransactWriteItems that
 * records the decision), so a call is attributed to its authorization
 * exactly, whatever else runs at the same time.
 */
export function authorizationIdsIn(body: string): string[] {
  const ids = new Set<string>();
  for (const m of body.matchAll(/"AUTH#([A-Za-z0-9._:-]+)"/g)) if (m[1]) ids.add(m[1]);
  return [...ids];
}

export interface CallsSummary {
  readonly authorizations: number;
  /** Mean DynamoDB calls per authorization. */
  readonly perAuthorization: number;
  /** Calls per operation, over all the authorizations of the group. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** Authorizations that took more than one call. */
  readonly overOne: number;
}

/** Calls per authorization over `ids`, from the calls attributed to each (operation names). */
export function callsPer(
  ids: readonly string[],
  calls: ReadonlyMap<string, readonly string[]>,
): CallsSummary {
  const byOperation: Record<string, number> = {};
  let total = 0;
  let overOne = 0;
  for (const id of ids) {
    const ops = calls.get(id) ?? [];
    total += ops.length;
    if (ops.length > 1) overOne++;
    for (const op of ops) byOperation[op] = (byOperation[op] ?? 0) + 1;
  }
  return {
    authorizations: ids.length,
    perAuthorization: ids.length > 0 ? total / ids.length : 0,
    byOperation,
    overOne,
  };
}
