import { type MetricsSink, MetricUnit } from '@atm-ledger/runtime';
import { type SweepDeps, type SweepReport, sweepTimers } from '../application/sweepTimers.js';

export type TimersHandlerDeps = SweepDeps & { readonly metrics?: MetricsSink };

/**
 * The ledger's timer sweep, invoked on a schedule (EventBridge Scheduler,
 * every minute). The event carries nothing it needs: what is due is read
 * from the table.
 */
export function makeTimersHandler(deps: TimersHandlerDeps) {
  return async (): Promise<SweepReport> => {
    const report = await sweepTimers(deps);
    if (deps.metrics !== undefined && (report.fired > 0 || report.failed > 0)) {
      deps.metrics.addMetric('ReversalsExpired', MetricUnit.Count, report.expired);
      deps.metrics.addMetric('HoldsExpired', MetricUnit.Count, report.holdsExpired);
      deps.metrics.addMetric('TimersFailed', MetricUnit.Count, report.failed);
      deps.metrics.publishStoredMetrics();
    }
    return report;
  };
}
