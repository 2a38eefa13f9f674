import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  defaultLog,
  ensureMotoInstalled,
  type Log,
  type MotoInstallation,
  motoPythonEnv,
} from './install.js';

/** The fixes `local/aws/moto/launcher.py` applies unless told otherwise. */
export const MOTO_FIXES = [
  'lock',
  'transact',
  'eventbridge-sns',
  'streams-iterators',
  'streams-records',
  'kinesis-reads',
  'dispatch-cache',
  'sqs-scans',
  'dynamodb-query',
  'keep-alive',
  'expression-cache',
  'ast-walks',
] as const;
export type MotoFix = (typeof MOTO_FIXES)[number];

export interface StartMotoOptions {
  /** 0 (the default) lets the OS pick a free port. */
  readonly port?: number;
  readonly host?: '127.0.0.1';
  /** Run upstream moto's behaviour for these fixes, e.g. to benchmark them. */
  readonly withoutFixes?: readonly MotoFix[];
  /** Append the server's log here; it is otherwise kept in memory for error messages. */
  readonly logFile?: string;
  /** How long the server may take to listen. */
  readonly readyTimeoutMs?: number;
  /** From ensureMotoInstalled; installed (or checked) on the fly when absent. */
  readonly installation?: MotoInstallation;
  readonly rootDir?: string;
  readonly log?: Log;
}

export interface MotoServer {
  /** Base URL for SDK clients, e.g. `http://127.0.0.1:45123`. */
  readonly endpoint: string;
  readonly port: number;
  /** The server's process, e.g. to read its CPU time. */
  readonly pid: number;
  /** Requests served since it started, by `service.Action` (the launcher's `/_ledger/stats`). */
  requestCounts(): Promise<Record<string, number>>;
  /** Stops the server; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Requests an emulator started by our launcher has served, by `service.Action`. */
export async function motoRequestCounts(endpoint: string): Promise<Record<string, number>> {
  const response = await fetch(`${endpoint}/_ledger/stats`);
  if (!response.ok) throw new Error(`${endpoint}/_ledger/stats answered ${response.status}`);
  const body = (await response.json()) as { requests?: Record<string, number> };
  return body.requests ?? {};
}

const READY = /^LEDGER_MOTO_READY (http:\/\/\S+):(\d+)\b/;

/** Keeps the last bytes of a stream for error messages, draining it so the child never blocks. */
class LogTail {
  private text = '';
  constructor(private readonly limit = 16_384) {}
  push(chunk: Buffer | string) {
    this.text += chunk.toString();
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  lines(count = 40): string {
    return this.text.trimEnd().split('\n').slice(-count).join('\n');
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/** Starts moto (with our fixes) from the local-cloud venv and waits until it listens. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const log = options.log ?? defaultLog;
  const installation =
    options.installation ?? (await ensureMotoInstalled({ rootDir: options.rootDir, log }));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  const args = [
    installation.launcherPath,
    '--host',
    host,
    '--port',
    String(port),
    // The launcher exits when this pipe closes, i.e. when we die for any reason.
    '--exit-on-stdin-eof',
    ...(options.withoutFixes ?? []).flatMap((fix) => ['--without-fix', fix]),
  ];
  const env = motoPythonEnv(installation);

  const child = spawn(installation.python, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const tail = new LogTail();
  let file: WriteStream | undefined;
  if (options.logFile !== undefined) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    file = createWriteStream(options.logFile, { flags: 'a' });
  }
  const record = (chunk: Buffer) => {
    tail.push(chunk);
    file?.write(chunk);
  };
  child.stderr.on('data', record);
  // EPIPE on our side of stdin when the child is gone is expected, not fatal.
  child.stdin.on('error', () => {});

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      child.stdin.end();
      if (!(await waitForExit(child, 3_000))) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 3_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 3_000);
        }
      }
      await new Promise<void>((done) => (file ? file.end(done) : done()));
    })();
    return stopped;
  };

  const ready = await new Promise<{ endpoint: string; port: number } | Error>((done) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      done(new Error(`moto did not report readiness within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    lines.on('line', (line) => {
      const match = READY.exec(line);
      if (match === null) {
        record(Buffer.from(`${line}\n`));
        return;
      }
      clearTimeout(timer);
      done({ endpoint: `${match[1]}:${match[2]}`, port: Number(match[2]) });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      done(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done(new Error(`moto exited before it was ready (${signal ?? `exit code ${code}`})`));
    });
  });

  if (ready instanceof Error) {
    await stop();
    const where = options.logFile === undefined ? '' : ` (full log: ${options.logFile})`;
    throw new Error(
      `${ready.message}; ${installation.python} ${args.join(' ')}\n` +
        `Last lines of its log${where}:\n${tail.lines() || '(empty)'}`,
    );
  }
  return {
    ...ready,
    pid: child.pid ?? 0,
    requestCounts: () => motoRequestCounts(ready.endpoint),
    stop,
  };
}
