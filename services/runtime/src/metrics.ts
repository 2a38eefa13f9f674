import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * One CloudWatch metrics emitter per service, in Embedded Metric Format: the
 * numbers travel in the function's log stream, so there is no PutMetricData
 * call on the hot path. Namespace from POWERTOOLS_METRICS_NAMESPACE (infra sets
 * it); POWERTOOLS_METRICS_DISABLED silences it (the local cloud does).
 */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'atm-ledger',
    serviceName,
  });
}

/** The few calls handlers make, so tests can pass a recorder instead. */
export interface MetricsSink {
  addMetric(
    name: string,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
  ): unknown;
  publishStoredMetrics(): unknown;
  /** Whether anything was added since the last publish (publishing nothing makes Powertools warn). */
  hasStoredMetrics(): boolean;
}

/**
 * A {@link MetricsSink} that keeps what it is given: each published set, summed
 * per metric name, in publication order. For tests, and for any host that
 * wants the numbers without CloudWatch.
 */
export class InMemoryMetricsSink implements MetricsSink {
  readonly published: Record<string, number>[] = [];
  #pending: Record<string, number> = {};

  addMetric(name: string, _unit: unknown, value: number): void {
    this.#pending[name] = (this.#pending[name] ?? 0) + value;
  }

  publishStoredMetrics(): void {
    this.published.push(this.#pending);
    this.#pending = {};
  }

  hasStoredMetrics(): boolean {
    return Object.keys(this.#pending).length > 0;
  }
}

export { type Metrics, MetricUnit };
