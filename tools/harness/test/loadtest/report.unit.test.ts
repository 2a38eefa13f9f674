import { describe, expect, it } from 'vitest';
import { renderCdfSvg } from '../../src/loadtest/chart.js';
import { peakRate, ratios, summarize } from '../../src/loadtest/stats.js';

describe('summarize', () => {
  it('gives HDR percentiles in milliseconds', () => {
    // Act
    const s = summarize(Array.from({ length: 1000 }, (_, i) => i + 1));

    // Assess
    expect(s).toMatchObject({ count: 1000, p50: 500, p90: 900, p99: 990, max: 1000 });
  });

  it('has nothing to say about no values', () => {
    expect(summarize([])).toBeUndefined();
  });

  it('divides statistic by statistic', () => {
    const a = summarize([1000, 2000]);
    const b = summarize([10, 20]);
    expect(ratios(a, b)?.max).toBeCloseTo(100, 0);
  });
});

describe('peakRate', () => {
  it('finds the busiest window', () => {
    const times = [0, 100, 200, 5_000, 5_001, 5_002, 5_003, 5_004, 9_000];
    expect(peakRate(times, 1_000)).toBe(5);
  });
});

describe('renderCdfSvg', () => {
  it('draws one step line per series on a log time axis, with the legend outside the plot', () => {
    // Act
    const svg = renderCdfSvg(
      [
        { label: 'streaming <fast>', color: '#1f77b4', valuesMs: [120, 150, 300] },
        { label: 'batch', color: '#ff7f0e', dash: '6 4', valuesMs: [5_000, 15_000, 3_500_000] },
      ],
      { title: 'Latency & more' },
    );

    // Assess
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('Latency &amp; more');
    expect(svg).toContain('streaming &lt;fast&gt;');
    for (const tick of ['100 ms', '1 s', '1 min', '1 h']) expect(svg).toContain(`>${tick}<`);
    // Log scale: 1 s sits exactly halfway between 100 ms and 10 s.
    const x = (label: string) => Number(svg.match(new RegExp(`x="([\\d.]+)"[^>]*>${label}<`))?.[1]);
    expect(x('1 s') - x('100 ms')).toBeCloseTo(x('10 s') - x('1 s'), 0);
  });
});
