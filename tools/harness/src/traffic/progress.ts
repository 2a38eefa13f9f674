import cliProgress from 'cli-progress';
import type { SendStats } from './schedule.js';

/** One live line per traffic stream: a bar, then sent / accepted / refused / errors / rate. */
export interface TrafficProgress {
  update(name: string, stats: Readonly<SendStats>): void;
  stop(): void;
}

const FORMAT =
  '{name} [{bar}] {value}/{total} | 202 {accepted} | 400 {refused} | errors {errors} | {rate} tx/s | late {lag}';

/**
 * Bars on a terminal (stderr, so stdout stays clean for reports and
 * `--dry-run` output); nothing when stderr is not a TTY or when disabled.
 */
export function trafficProgress(
  streams: readonly { name: string; total: number }[],
  enabled: boolean,
): TrafficProgress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const multibar = new cliProgress.MultiBar(
    {
      format: FORMAT,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(...streams.map((s) => s.name.length));
  const bars = new Map(
    streams.map((s) => [
      s.name,
      multibar.create(s.total, 0, {
        name: s.name.padEnd(width),
        accepted: 0,
        refused: 0,
        errors: 0,
        rate: '0.0',
        lag: '0 ms',
      }),
    ]),
  );
  return {
    update(name, stats) {
      const elapsed = stats.firstSentAt === undefined ? 0 : (Date.now() - stats.firstSentAt) / 1000;
      bars.get(name)?.update(stats.sent, {
        accepted: stats.accepted,
        refused: stats.refused,
        errors: stats.errors,
        rate: elapsed > 0 ? (stats.sent / elapsed).toFixed(1) : '0.0',
        lag: formatMs(stats.lagMs),
      });
    },
    stop() {
      multibar.stop();
    },
  };
}

export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const trim = (s: string) => s.replace(/\.0+$/, '');
  if (ms < 60_000) return `${trim((ms / 1000).toFixed(1))} s`;
  if (ms < 3_600_000) return `${trim((ms / 60_000).toFixed(1))} min`;
  return `${trim((ms / 3_600_000).toFixed(2))} h`;
}
