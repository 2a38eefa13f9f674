import type { Health } from '@atm-ledger/contracts';
import type { HealthCheck } from '../ports.js';

/** Every dependency's state, checked at once; UP only when all are. A check that throws is DOWN. */
export async function health(checks: readonly HealthCheck[]): Promise<Health> {
  const results = await Promise.all(
    checks.map(async (h) => {
      try {
        const r = await h.check();
        const detail = r.detail ? { detail: r.detail } : {};
        return [h.name, { status: r.up ? 'UP' : 'DOWN', ...detail }] as const;
      } catch (error) {
        return [h.name, { status: 'DOWN', detail: (error as Error).name || 'error' }] as const;
      }
    }),
  );
  return {
    status: results.every(([, r]) => r.status === 'UP') ? 'UP' : 'DOWN',
    checks: Object.fromEntries(results),
  };
}
