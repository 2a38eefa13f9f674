import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Up to four hours, so a projected hourly batch (and its stragglers) still fits. */
const HIGHEST_TRACKABLE_MS = 4 * 3_600_000;

/**
 * Percentiles of latencies in milliseconds from an HDR histogram (3
 * significant digits: 0.1 % error at any magnitude, from 1 ms to hours).
 * Undefined when there is nothing to summarise.
 */
export function summarize(valuesMs: readonly number[]): LatencySummary | undefined {
  if (valuesMs.length === 0) return undefined;
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MS,
    numberOfSignificantValueDigits: 3,
  });
  try {
    for (const v of valuesMs)
      histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MS, Math.max(1, Math.round(v))));
    return {
      count: valuesMs.length,
      p50: histogram.getValueAtPercentile(50),
      p90: histogram.getValueAtPercentile(90),
      p99: histogram.getValueAtPercentile(99),
      max: histogram.maxValue,
      mean: Math.round(histogram.mean),
    };
  } finally {
    histogram.destroy();
  }
}

/** Per statistic, how many times larger `a` is than `b` (batch over streaming). */
export function ratios(
  a: LatencySummary | undefined,
  b: LatencySummary | undefined,
): Record<'p50' | 'p90' | 'p99' | 'max' | 'mean', number> | undefined {
  if (a === undefined || b === undefined) return undefined;
  const r = (x: number, y: number) => (y > 0 ? x / y : Number.POSITIVE_INFINITY);
  return {
    p50: r(a.p50, b.p50),
    p90: r(a.p90, b.p90),
    p99: r(a.p99, b.p99),
    max: r(a.max, b.max),
    mean: r(a.mean, b.mean),
  };
}

/** The most events that fell in any window of `windowMs`, per second: a sustained peak rate. */
export function peakRate(timesMs: readonly number[], windowMs = 5_000): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best / (windowMs / 1000);
}
