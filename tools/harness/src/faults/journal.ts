import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FAULT_CLASSES, type FaultClass } from './spec.js';

/**
 * One line of the fault journal: a fault injected, a runtime (re)started by a
 * harness, or a retry the platform made because of one (a mapping invoking a
 * batch again, a queue message left to be delivered again).
 */
export interface FaultRecord {
  readonly at: string;
  readonly pid: number;
  readonly fault: FaultClass | 'restart' | 'retry';
  readonly detail: string;
}

/**
 * Remembers every fault this process injected: counted in memory, and
 * appended to a JSON-lines file when a path is given, so a harness can compare
 * what was broken with what the ledger ended up with.
 *
 * Each record is one synchronous `appendFileSync`: once it returns, the line
 * is in the kernel's page cache, and a SIGKILL sent right after (the kill
 * faults record, then kill) cannot lose it. Several processes may append to
 * one file; each line is a single small write with O_APPEND.
 */
export class FaultJournal {
  readonly #path: string | undefined;
  readonly #counts = Object.fromEntries(FAULT_CLASSES.map((c) => [c, 0])) as Record<
    FaultClass,
    number
  >;

  constructor(path?: string) {
    this.#path = path;
    if (path !== undefined) mkdirSync(dirname(path), { recursive: true });
  }

  record(fault: FaultClass, detail: string): void {
    this.#counts[fault] += 1;
    if (this.#path === undefined) return;
    const line: FaultRecord = { at: new Date().toISOString(), pid: process.pid, fault, detail };
    appendFileSync(this.#path, `${JSON.stringify(line)}\n`);
  }

  /** A retry the platform made, e.g. `ledger-consumer shardId-…`; not counted as a fault. */
  retried(detail: string): void {
    if (this.#path === undefined) return;
    const line: FaultRecord = {
      at: new Date().toISOString(),
      pid: process.pid,
      fault: 'retry',
      detail,
    };
    appendFileSync(this.#path, `${JSON.stringify(line)}\n`);
  }

  /** Faults injected by this process so far, per class. */
  counts(): Readonly<Record<FaultClass, number>> {
    return { ...this.#counts };
  }
}

const FAULTS_OR_RESTART = new Set<string>([...FAULT_CLASSES, 'restart', 'retry']);

function isFaultRecord(value: unknown): value is FaultRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.at === 'string' &&
    typeof r.pid === 'number' &&
    typeof r.fault === 'string' &&
    FAULTS_OR_RESTART.has(r.fault) &&
    typeof r.detail === 'string'
  );
}

/**
 * Reads a journal back. A missing file is an empty journal (no fault fired).
 * The last line may be torn, by a writer killed mid-append or a read racing
 * one, and is then skipped; any other unreadable line is an error.
 */
export function readFaultJournal(path: string): FaultRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  // A complete journal ends with a newline, leaving one empty string after the split.
  const complete = lines.slice(0, -1);
  const tail = lines.at(-1) ?? '';
  const records: FaultRecord[] = [];
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not a JSON line: ${line.slice(0, 80)}`);
    }
    if (!isFaultRecord(value)) throw new Error(`${path}:${i + 1}: not a fault record: ${line}`);
    records.push(value);
  });
  if (tail.trim() !== '') {
    try {
      const value: unknown = JSON.parse(tail);
      if (isFaultRecord(value)) records.push(value);
    } catch {
      // torn last line: the writer died before finishing it
    }
  }
  return records;
}
