import { describe, expect, it } from 'vitest';
import { InMemoryMetricsSink, MetricUnit } from '../src/metrics.js';

describe('InMemoryMetricsSink', () => {
  it('sums each metric per published set, keeps the sets in order, and starts each afresh', () => {
    // Prepare
    const sink = new InMemoryMetricsSink();

    // Act
    const before = sink.hasStoredMetrics();
    sink.addMetric('Sent', MetricUnit.Count, 1);
    const pending = sink.hasStoredMetrics();
    sink.addMetric('Sent', MetricUnit.Count, 2);
    sink.addMetric('Failed', MetricUnit.Count, 1);
    sink.publishStoredMetrics();
    const afterPublish = sink.hasStoredMetrics();
    sink.addMetric('Failed', MetricUnit.Count, 4);
    sink.publishStoredMetrics();
    sink.publishStoredMetrics();

    // Assess
    expect(sink.published).toEqual([{ Sent: 3, Failed: 1 }, { Failed: 4 }, {}]);
    expect([before, pending, afterPublish]).toEqual([false, true, false]);
  });
});
