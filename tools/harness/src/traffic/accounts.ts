import { processInLanes } from '@atm-ledger/runtime';
import type { LedgerApiClient } from './api.js';
import type { TrafficSink } from './sinks.js';
import type { Workload } from './workload.js';

/**
 * Runs `task` over `items` with at most `limit` at a time, and rejects with
 * the first failure once every task has settled (none is left running behind
 * the rejection).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const errors: unknown[] = [];
  // Every item is a lane of its own: no order between them, and one failure stops none of the others.
  await processInLanes([...items.keys()], {
    laneOf: String,
    concurrency: limit,
    process: (i) => task(items[i] as T, i),
    onError: (_, error) => errors.push(error),
  });
  if (errors.length > 0) throw errors[0];
}

export interface PreparedAccounts {
  readonly opened: number;
  /** Already there with the same settings (a rerun with the same id prefix). */
  readonly existing: number;
  readonly funded: number;
  readonly ms: number;
}

/**
 * Opens the workload's accounts (`POST /v1/accounts`) and funds each with its
 * initial deposit through `sink`, then waits until every deposit is POSTED,
 * so the traffic starts on funded accounts. Idempotent: a rerun finds the
 * accounts (200) and its deposits come out as duplicates of the first.
 */
export async function prepareAccounts(
  api: LedgerApiClient,
  sink: TrafficSink,
  workload: Workload,
  options: { concurrency?: number; timeoutMs?: number; pollMs?: number } = {},
): Promise<PreparedAccounts> {
  const started = Date.now();
  const concurrency = options.concurrency ?? 8;
  let opened = 0;
  let existing = 0;
  await forEachLimited(workload.accounts, concurrency, async (body) => {
    const r = await api.openAccount(body);
    if (r.status === 201) opened += 1;
    else if (r.status === 200) existing += 1;
    else
      throw new Error(
        `POST /v1/accounts ${body.accountId} answered ${r.status}${r.error ? ` (${r.error})` : ''}: ${JSON.stringify(r.body)}`,
      );
  });
  await forEachLimited(workload.fundings, concurrency, async (body) => {
    const r = await sink.send(body);
    if (r.status !== 202)
      throw new Error(
        `funding deposit ${body.transactionId} answered ${r.status}${r.error ? ` (${r.error})` : ''}`,
      );
  });
  const pending = new Set(workload.fundings.map((f) => f.transactionId));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (pending.size > 0) {
    await forEachLimited([...pending], concurrency, async (id) => {
      const r = await api.getTransaction(id);
      const status = (r.body as { status?: string } | undefined)?.status;
      if (r.status === 200 && status === 'POSTED') pending.delete(id);
      else if (r.status === 200 && status === 'REJECTED')
        throw new Error(`funding deposit ${id} was rejected: ${JSON.stringify(r.body)}`);
    });
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      throw new Error(
        `${pending.size} funding deposits not posted after ${options.timeoutMs ?? 60_000} ms (is the ledger consumer running?)`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
  return { opened, existing, funded: workload.fundings.length, ms: Date.now() - started };
}
