export interface CdfSeries {
  readonly label: string;
  readonly color: string;
  /** SVG stroke-dasharray, for series that are derived rather than measured. */
  readonly dash?: string;
  readonly valuesMs: readonly number[];
}

export interface CdfChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Tick marks people read at a glance on a log time axis. */
const TICKS: readonly (readonly [number, string])[] = [
  [1, '1 ms'],
  [10, '10 ms'],
  [100, '100 ms'],
  [1_000, '1 s'],
  [10_000, '10 s'],
  [60_000, '1 min'],
  [600_000, '10 min'],
  [3_600_000, '1 h'],
  [36_000_000, '10 h'],
];

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * The latency CDF of each series as a self-contained SVG: log-scale time on
 * x (latencies span milliseconds to an hour), share of transactions on y, a
 * step line per series. Written by hand to need no charting dependency and
 * to render on GitHub as an image.
 */
export function renderCdfSvg(series: readonly CdfSeries[], options: CdfChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 440;
  // The legend sits right of the plot: every corner inside it can hold a curve.
  const margin = { top: 64, right: 250, bottom: 52, left: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all = series.flatMap((s) => s.valuesMs).map((v) => Math.max(1, v));
  const lo = all.length === 0 ? 1 : Math.min(...all);
  const hi = all.length === 0 ? 1_000 : Math.max(...all);
  const minLog = Math.floor(Math.log10(lo));
  const maxLog = Math.max(minLog + 1, Math.ceil(Math.log10(hi)));
  const x = (ms: number) =>
    margin.left + ((Math.log10(Math.max(1, ms)) - minLog) / (maxLog - minLog)) * plotW;
  const y = (share: number) => margin.top + (1 - share) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="16" font-weight="600" fill="#111">${escapeXml(options.title)}</text>`,
  );
  if (options.subtitle)
    out.push(`<text x="${margin.left}" y="44" fill="#555">${escapeXml(options.subtitle)}</text>`);

  // Grid and axes.
  for (const share of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const yy = fixed(y(share));
    const strong = share === 0 || share === 1;
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${yy}" y2="${yy}" stroke="${strong ? '#999' : '#e3e3e3'}"${share === 0.9 ? ' stroke-dasharray="3 3"' : ''}/>`,
      `<text x="${margin.left - 8}" y="${yy}" dy="4" text-anchor="end" fill="#444">${Math.round(share * 100)}%</text>`,
    );
  }
  for (const [ms, label] of TICKS) {
    const logMs = Math.log10(ms);
    if (logMs < minLog - 1e-9 || logMs > maxLog + 1e-9) continue;
    const xx = fixed(x(ms));
    out.push(
      `<line x1="${xx}" x2="${xx}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#e3e3e3"/>`,
      `<text x="${xx}" y="${margin.top + plotH + 18}" text-anchor="middle" fill="#444">${label}</text>`,
    );
  }
  out.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle" fill="#333">latency from occurredAt (log scale)</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">transactions at or below</text>`,
  );

  // One step line per series: after the i-th smallest latency, (i+1)/n are at or below it.
  for (const s of series) {
    const sorted = [...s.valuesMs].map((v) => Math.max(1, v)).sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    const n = sorted.length;
    const points: string[] = [`${fixed(x(sorted[0] as number))},${fixed(y(0))}`];
    for (let i = 0; i < n; i++) {
      const xx = fixed(x(sorted[i] as number));
      points.push(`${xx},${fixed(y(i / n))}`, `${xx},${fixed(y((i + 1) / n))}`);
    }
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${points.join(' ')}"/>`,
    );
  }

  const lx = margin.left + plotW + 16;
  series.forEach((s, i) => {
    const ly = margin.top + 8 + i * 36;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${lx + 32}" y="${ly}" dy="4" fill="#222">${escapeXml(s.label)}</text>`,
      `<text x="${lx + 32}" y="${ly + 15}" dy="4" fill="#666">${escapeXml(`n = ${s.valuesMs.length}`)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
