import { formatMs } from '../traffic/progress.js';
import type { ModeCost } from './cost.js';
import type { Mode } from './meter.js';
import type { LatencySummary } from './stats.js';

export interface ModeReport {
  readonly mode: Mode;
  /** What the path is, in one line. */
  readonly path: string;
  readonly requests: {
    readonly planned: number;
    readonly sent: number;
    readonly accepted: number;
    readonly refused: number;
    readonly errors: number;
    /** Answers other than the contract's (400 for a valid request, 202 for an invalid one, 5xx, none). */
    readonly unexpected: number;
    readonly byStatus: Readonly<Record<string, number>>;
    /** How far behind schedule a request left at worst: the load generator keeping up, or not. */
    readonly maxLagMs: number;
  };
  readonly transactions: {
    /** Distinct valid transaction ids sent. */
    readonly distinct: number;
    readonly posted: number;
    readonly rejected: Readonly<Record<string, number>>;
    /** Not decided when the run gave up waiting. */
    readonly undecided: number;
  };
  readonly latency: {
    /** occurredAt → postedAt, POSTED transactions. */
    readonly posted: LatencySummary | undefined;
    /** occurredAt → the first notification's createdAt. */
    readonly notified: LatencySummary | undefined;
    readonly notifications: 'measured' | 'route unavailable' | 'none sent' | 'not applicable';
  };
  readonly throughput: {
    /** Valid requests sent per second. */
    readonly offeredTps: number;
    /** Posted per second, from the first occurredAt to the last postedAt. */
    readonly endToEndTps: number;
    /** Streaming: posted in the busiest 5 s; batch: posted per second of job run time. */
    readonly drainTps: number;
  };
  readonly batchRuns?: readonly {
    readonly from: string;
    readonly to: string;
    readonly landed: number;
    readonly posted: number;
    readonly durationMs: number;
    readonly failed: number;
    /** Not posted because an earlier transaction of their account failed in the run. */
    readonly skipped: number;
  }[];
  /** `POST /v1/authorizations`, as the ATMs saw it; absent for a path without it (the batch). */
  readonly authorizations?: AuthorizationReport | undefined;
  readonly cost: ModeCost | undefined;
}

export interface AuthorizationReport {
  /** Authorizations first sent (producer retries apart). */
  readonly sent: number;
  readonly approved: number;
  readonly declined: number;
  /** Answered otherwise: 5xx, no answer, anything but 201. */
  readonly errors: number;
  /** Completions and releases not sent, their authorization not approved. */
  readonly followUpsSkipped: number;
  /** Round trip of `POST /v1/authorizations` on this machine's clock, answered 201, ms. */
  readonly latency: {
    readonly count: number;
    readonly p50: number | undefined;
    readonly p95: number | undefined;
    readonly p99: number | undefined;
    readonly max: number | undefined;
  };
}

/** The authorization line of a report, for the terminal and the Markdown. */
export function authorizationLine(a: AuthorizationReport): string {
  const l = a.latency;
  return (
    `${a.sent} authorizations (${a.approved} approved, ${a.declined} declined, ${a.errors} other answers; ` +
    `${a.followUpsSkipped} completions or releases not sent after a decline): ` +
    `POST /v1/authorizations p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)} over ${l.count}`
  );
}

export interface LoadTestReport {
  readonly title: string;
  readonly generatedAt: string;
  readonly runMs: number;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly workload: {
    readonly seed: number;
    readonly transactionsPerMode: number;
    readonly accounts: number;
    readonly atms: number;
    readonly rate: number;
    readonly peakMultiplier: number;
    readonly peakFromMs: number;
    readonly peakToMs: number;
    readonly plannedDurationMs: number;
    readonly duplicateRate: number;
    readonly invalidRate: number;
    readonly requestsByKind: Readonly<Record<string, number>>;
    readonly transactionsByType: Readonly<Record<string, number>>;
  };
  readonly batchIntervalMs: number;
  readonly modes: { readonly streaming: ModeReport; readonly batch?: ModeReport | undefined };
  /** Batch ÷ streaming, per statistic of the posted latency, and streaming ÷ batch end-to-end tx/s. */
  readonly ratio:
    | (Readonly<Record<'p50' | 'p90' | 'p99' | 'max' | 'mean', number>> & {
        readonly endToEndTps: number;
      })
    | undefined;
  readonly projection:
    | {
        readonly intervalMs: number;
        readonly assumption: string;
        readonly batch: LatencySummary | undefined;
        readonly ratio:
          | Readonly<Record<'p50' | 'p90' | 'p99' | 'max' | 'mean', number>>
          | undefined;
      }
    | undefined;
  readonly costNotes: readonly string[];
  readonly pricing: { readonly file: string; readonly warning: string } | undefined;
  readonly notes: readonly string[];
  readonly files: { readonly json: string; readonly markdown: string; readonly chart: string };
}

const ms = (v: number | undefined) => (v === undefined ? '–' : formatMs(v));
const times = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '–' : `${v >= 10 ? Math.round(v) : v.toFixed(1)}×`;
const usd = (v: number | undefined) =>
  v === undefined ? '–' : v >= 100 ? `$${v.toFixed(0)}` : `$${v.toFixed(2)}`;
const tps = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));

interface Row {
  readonly label: string;
  readonly l: LatencySummary | undefined;
  readonly endToEnd?: number;
  readonly drain?: number;
  readonly cost?: number;
}

function rows(r: LoadTestReport): Row[] {
  const s = r.modes.streaming;
  const b = r.modes.batch;
  const out: Row[] = [
    {
      label: 'streaming → posted',
      l: s.latency.posted,
      endToEnd: s.throughput.endToEndTps,
      drain: s.throughput.drainTps,
      ...(s.cost ? { cost: s.cost.usdPerMillion } : {}),
    },
  ];
  if (s.latency.notified) out.push({ label: 'streaming → notified', l: s.latency.notified });
  if (b) {
    out.push({
      label: `batch every ${formatMs(r.batchIntervalMs)} → posted`,
      l: b.latency.posted,
      endToEnd: b.throughput.endToEndTps,
      drain: b.throughput.drainTps,
      ...(b.cost ? { cost: b.cost.usdPerMillion } : {}),
    });
  }
  return out;
}

/** The results as a plain-text table for the terminal. */
export function renderTable(r: LoadTestReport): string {
  const header = ['', 'p50', 'p90', 'p99', 'max', 'tx/s e2e', 'tx/s drain', '$ / M tx'];
  const body: string[][] = rows(r).map((row) => [
    row.label,
    ms(row.l?.p50),
    ms(row.l?.p90),
    ms(row.l?.p99),
    ms(row.l?.max),
    tps(row.endToEnd),
    tps(row.drain),
    usd(row.cost),
  ]);
  if (r.ratio)
    body.push([
      'batch ÷ streaming',
      times(r.ratio.p50),
      times(r.ratio.p90),
      times(r.ratio.p99),
      times(r.ratio.max),
      '',
      '',
      r.modes.batch?.cost && r.modes.streaming.cost
        ? times(r.modes.batch.cost.usdPerMillion / r.modes.streaming.cost.usdPerMillion)
        : '',
    ]);
  if (r.projection?.batch) {
    const p = r.projection;
    body.push([
      'batch hourly (projected)',
      ms(p.batch?.p50),
      ms(p.batch?.p90),
      ms(p.batch?.p99),
      ms(p.batch?.max),
      '',
      '',
      '',
    ]);
    if (p.ratio)
      body.push([
        'hourly ÷ streaming',
        times(p.ratio.p50),
        times(p.ratio.p90),
        times(p.ratio.p99),
        times(p.ratio.max),
        '',
        '',
        '',
      ]);
  }
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const table = all
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
  const a = r.modes.streaming.authorizations;
  return a && a.sent > 0 ? `${table}\n\nstreaming: ${authorizationLine(a)}` : table;
}

const mdTable = (header: readonly string[], body: readonly (readonly string[])[]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

/** The Markdown report, with the chart beside it (same folder, relative link). */
export function renderMarkdown(r: LoadTestReport, chartFileName: string): string {
  const w = r.workload;
  const s = r.modes.streaming;
  const b = r.modes.batch;
  const out: string[] = [];
  out.push(`# ${r.title}`, '');
  out.push(
    `Generated ${r.generatedAt} in ${formatMs(r.runMs)} on ${r.environment.target} ` +
      `(Node ${r.environment.node}, ${r.environment.cpus} CPUs). Seed ${w.seed}: ${w.transactionsPerMode} requests per mode ` +
      `over ${w.accounts} accounts and ${w.atms} ATMs, ${w.rate} tx/s off-peak and ×${w.peakMultiplier} in the payday peak ` +
      `(${formatMs(w.peakFromMs)}–${formatMs(w.peakToMs)}), ${Math.round(w.duplicateRate * 100)} % producer duplicates, ` +
      `${Math.round(w.invalidRate * 100)} % invalid. The same workload went through both paths at the same time, ` +
      'under two account-id namespaces.',
    '',
  );
  out.push('## Latency and throughput', '');
  out.push(
    mdTable(
      ['', 'p50', 'p90', 'p99', 'max', 'tx/s end to end', 'tx/s drain', '$ per million tx'],
      [
        ...rows(r).map((row) => [
          row.label,
          ms(row.l?.p50),
          ms(row.l?.p90),
          ms(row.l?.p99),
          ms(row.l?.max),
          tps(row.endToEnd),
          tps(row.drain),
          usd(row.cost),
        ]),
        ...(r.ratio
          ? [
              [
                '**batch ÷ streaming**',
                times(r.ratio.p50),
                times(r.ratio.p90),
                times(r.ratio.p99),
                times(r.ratio.max),
                '',
                '',
                b?.cost && s.cost ? times(b.cost.usdPerMillion / s.cost.usdPerMillion) : '',
              ],
            ]
          : []),
        ...(r.projection?.batch
          ? [
              [
                'batch every hour → posted (projected)',
                ms(r.projection.batch.p50),
                ms(r.projection.batch.p90),
                ms(r.projection.batch.p99),
                ms(r.projection.batch.max),
                '',
                '',
                '',
              ],
              ...(r.projection.ratio
                ? [
                    [
                      '**hourly ÷ streaming**',
                      times(r.projection.ratio.p50),
                      times(r.projection.ratio.p90),
                      times(r.projection.ratio.p99),
                      times(r.projection.ratio.max),
                      '',
                      '',
                      '',
                    ],
                  ]
                : []),
            ]
          : []),
      ],
    ),
    '',
    `![Latency CDF](${chartFileName})`,
    '',
    "- Latency runs from the transaction's `occurredAt` (its due time in the schedule, so a late send counts against the system) to `postedAt` read back from the ledger, both on this machine's clock. Only POSTED transactions are in the percentiles.",
    '- *tx/s end to end*: posted transactions per second from the first `occurredAt` to the last `postedAt`. *tx/s drain*: streaming, the busiest 5 s of postings; batch, transactions per second of job run time.',
    `- Notifications: ${s.latency.notifications}.`,
    '',
  );
  if (s.authorizations && s.authorizations.sent > 0)
    out.push(
      '## Authorizations',
      '',
      `${authorizationLine(s.authorizations)}.`,
      '',
      '- Measured from the send to the answer on this machine, for the answers decided then (201). The batch has no real-time authorization: its ATMs dispense and report, so its share of the workload is the plain withdrawals of what was dispensed, and no releases.',
      '',
    );
  if (r.projection) out.push('## Projection to the hourly batch', '', r.projection.assumption, '');

  out.push('## Outcomes and errors', '');
  const modes = [s, ...(b ? [b] : [])];
  out.push(
    mdTable(
      ['', ...modes.map((m) => m.mode)],
      [
        ['requests sent', ...modes.map((m) => String(m.requests.sent))],
        ['accepted (202)', ...modes.map((m) => String(m.requests.accepted))],
        ['refused (400)', ...modes.map((m) => String(m.requests.refused))],
        ['other answers', ...modes.map((m) => String(m.requests.errors))],
        ['unexpected answers', ...modes.map((m) => String(m.requests.unexpected))],
        ['worst send lag', ...modes.map((m) => formatMs(m.requests.maxLagMs))],
        ['distinct transactions', ...modes.map((m) => String(m.transactions.distinct))],
        ['posted', ...modes.map((m) => String(m.transactions.posted))],
        [
          'rejected by the ledger',
          ...modes.map(
            (m) =>
              Object.entries(m.transactions.rejected)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || '0',
          ),
        ],
        ['undecided at the end', ...modes.map((m) => String(m.transactions.undecided))],
      ],
    ),
    '',
  );
  if (b?.batchRuns?.length) {
    out.push(
      '### Batch runs',
      '',
      mdTable(
        ['window', 'landed', 'posted', 'run time', 'failed', 'skipped'],
        b.batchRuns.map((run) => [
          `${run.from.slice(11, 19)}–${run.to.slice(11, 19)}`,
          String(run.landed),
          String(run.posted),
          formatMs(run.durationMs),
          String(run.failed),
          String(run.skipped),
        ]),
      ),
      '',
    );
  }

  if (s.cost || b?.cost) {
    out.push('## Cost per million transactions on AWS', '');
    for (const m of modes) {
      if (!m.cost) continue;
      out.push(
        `### ${m.mode}: ${usd(m.cost.usdPerMillion)} per million`,
        '',
        mdTable(
          ['what', 'unit', 'per transaction', '$ per million tx'],
          m.cost.lines
            .filter((l) => l.usdPerMillion > 0 || l.perTransaction > 0)
            .map((l) => [
              `${l.what}${l.estimated ? ' *(estimated)*' : ''}`,
              l.unit,
              l.perTransaction < 0.01
                ? l.perTransaction.toExponential(2)
                : l.perTransaction.toFixed(3),
              `$${l.usdPerMillion.toFixed(3)}`,
            ]),
        ),
        '',
      );
    }
    out.push(...r.costNotes.map((n) => `- ${n}`), '');
    if (r.pricing) out.push(`Prices: \`${r.pricing.file}\`. ${r.pricing.warning}`, '');
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
