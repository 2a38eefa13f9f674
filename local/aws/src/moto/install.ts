import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** moto 5.2.5 (and several of its pinned dependencies) declare Requires-Python >= 3.10. */
export const MIN_PYTHON: readonly [number, number] = [3, 10];

const PYTHON_HINT =
  `Python ${MIN_PYTHON.join('.')}+ is needed for the local cloud. ` +
  'Install it, e.g. `apt-get install python3 python3-venv`, or set LEDGER_PYTHON to its path';

export type Log = (message: string) => void;

export interface EnsureVenvOptions {
  /** Repository root; found by walking up to the package.json with "workspaces" when absent. */
  readonly rootDir?: string;
  readonly log?: Log;
  /** Environment to read LEDGER_PYTHON and PATH from; injectable for tests. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for another process's install before giving up. */
  readonly lockTimeoutMs?: number;
}

export type EnsureMotoOptions = EnsureVenvOptions;

/**
 * A Python virtualenv under `.local-cloud/` that holds exactly one pinned
 * requirements file: the emulator's, the API fuzzer's.
 */
export interface PinnedVenv {
  /** Folder under `.local-cloud/`; its lock is `<name>.lock` next to it. */
  readonly name: string;
  /** The requirements file, relative to the repository root. */
  readonly requirements: string;
  /** What it holds, for log lines and errors: "the local cloud (moto)". */
  readonly label: string;
  /** Rough duration of a fresh install, for the log line. */
  readonly installSeconds: number;
}

/** Where a pinned venv's Python lives once installed. */
export interface VenvInstallation {
  readonly rootDir: string;
  /** The virtualenv's interpreter. */
  readonly python: string;
  readonly venvDir: string;
  /** Git-ignored scratch folder (`.local-cloud`): venvs, bytecode cache, logs. */
  readonly stateDir: string;
}

/** Where the local cloud's Python lives once installed. */
export interface MotoInstallation extends VenvInstallation {
  readonly launcherPath: string;
}

export const MOTO_VENV: PinnedVenv = {
  name: 'venv',
  requirements: 'local/aws/moto/requirements.txt',
  label: 'the local cloud (moto)',
  installSeconds: 20,
};

interface Stamp {
  readonly requirementsSha256: string;
  readonly pythonVersion: string;
}

export const defaultLog: Log = (message) => {
  process.stderr.write(`[local-cloud] ${message}\n`);
};

/** Walks up from `start` to the package.json that declares npm workspaces. */
export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
        if (parsed.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not the root; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `No package.json with "workspaces" above ${start}; is this the atm-ledger repo?`,
      );
    }
    dir = parent;
  }
}

export function venvPaths(rootDir: string, venv: PinnedVenv) {
  const stateDir = join(rootDir, '.local-cloud');
  const venvDir = join(stateDir, venv.name);
  const python =
    process.platform === 'win32'
      ? join(venvDir, 'Scripts', 'python.exe')
      : join(venvDir, 'bin', 'python');
  return {
    stateDir,
    venvDir,
    python,
    lockDir: join(stateDir, `${venv.name}.lock`),
    stampFile: join(venvDir, 'ledger-install.json'),
    requirementsFile: join(rootDir, ...venv.requirements.split('/')),
  };
}

export function motoPaths(rootDir: string) {
  return {
    ...venvPaths(rootDir, MOTO_VENV),
    launcherPath: join(rootDir, 'local', 'aws', 'moto', 'launcher.py'),
  };
}

/**
 * Environment for the venv's Python: bytecode caching makes later starts ~3x
 * faster, kept in the git-ignored state folder rather than next to the
 * sources, even where PYTHONDONTWRITEBYTECODE is set globally.
 */
export function motoPythonEnv(
  installation: Pick<VenvInstallation, 'stateDir'>,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    PYTHONPYCACHEPREFIX: join(installation.stateDir, 'pycache'),
    PYTHONUNBUFFERED: '1',
  };
  delete env.PYTHONDONTWRITEBYTECODE;
  return env;
}

function pythonVersion(command: string, env: NodeJS.ProcessEnv): string | undefined {
  return probePython(command, env, false)?.version;
}

/**
 * The version and, with `timed`, the best of three runs of a small loop of
 * dict, string and call work, the kind moto's request handling does.
 */
const PROBE = `
import sys, time
print("%d.%d.%d" % sys.version_info[:3])
if len(sys.argv) > 1:
    def work():
        d = {}
        for i in range(150000):
            k = "k%d" % (i & 1023)
            d[k] = d.get(k, 0) + len(k)
        return d
    best = None
    for _ in range(3):
        t = time.perf_counter(); work(); t = time.perf_counter() - t
        best = t if best is None else min(best, t)
    print(best)
    try:
        import ensurepip, venv
        print("venv")
    except ImportError:
        print("no venv")
`;

function probePython(
  command: string,
  env: NodeJS.ProcessEnv,
  timed: boolean,
): { version: string; seconds: number; canMakeVenv: boolean } | undefined {
  const probe = spawnSync(command, ['-c', PROBE, ...(timed ? ['timed'] : [])], {
    env,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  const [version = '', seconds = 'NaN', venv = ''] = probe.stdout.trim().split('\n');
  return { version: version.trim(), seconds: Number(seconds), canMakeVenv: venv.trim() === 'venv' };
}

/** Every distinct `python3` and `python` executable on PATH, in PATH order. */
function pythonsOnPath(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const seen = new Set<string>();
  const found: string[] = [];
  for (const name of ['python3', 'python']) {
    for (const dir of dirs) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        const real = realpathSync(file);
        if (seen.has(real)) continue;
        seen.add(real);
        found.push(file);
      } catch {
        // Not there, or not executable.
      }
    }
  }
  return found;
}

/**
 * How much faster another interpreter must be to be preferred over the first
 * one on PATH: builds differ (PGO and LTO, a shared libpython) by 20% to 40%,
 * while the probe's noise on a busy machine is some 5%.
 */
const FASTER_BY = 0.85;

/** Probe runs per candidate when there is a choice (each the best of three loops). */
const PROBE_ROUNDS = 3;

/** pip >= 22.3 can install into another interpreter's environment (`--python`). */
function hasPipWithPythonOption(command: string, env: NodeJS.ProcessEnv): boolean {
  const probe = spawnSync(command, ['-m', 'pip', '--version'], {
    env,
    encoding: 'utf8',
    timeout: 15_000,
  });
  const match = /^pip (\d+)\.(\d+)/.exec(probe.stdout ?? '');
  if (probe.status !== 0 || match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 22 || (major === 22 && minor >= 3);
}

function isSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = MIN_PYTHON;
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

/**
 * The base interpreter to build the venv from: LEDGER_PYTHON if set (and then
 * only it, so a typo is reported rather than silently replaced), else a
 * supported `python3` / `python` on PATH: the first one, unless another one
 * on PATH runs the probe clearly faster. The emulator is CPU-bound, and a
 * version manager's build without PGO can be a third slower than the
 * system's build of the same version.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env): {
  command: string;
  version: string;
} {
  const pinned = env.LEDGER_PYTHON;
  if (pinned !== undefined && pinned !== '') {
    const version = pythonVersion(pinned, env);
    if (version === undefined) {
      throw new Error(`${PYTHON_HINT}. LEDGER_PYTHON=${pinned} could not be run.`);
    }
    if (!isSupported(version)) {
      throw new Error(`${PYTHON_HINT}. LEDGER_PYTHON=${pinned} is Python ${version}.`);
    }
    return { command: pinned, version };
  }
  const seen: string[] = [];
  const supported: { command: string; version: string; seconds: number; canMakeVenv: boolean }[] =
    [];
  const onPath = pythonsOnPath(env);
  // Where PATH cannot be scanned (no PATH, Windows launchers), the names the shell resolves.
  for (const command of onPath.length > 0 ? onPath : ['python3', 'python']) {
    const probe = probePython(command, env, true);
    if (probe === undefined) continue;
    if (isSupported(probe.version)) supported.push({ command, ...probe });
    else seen.push(`${command} is Python ${probe.version}`);
  }
  // More rounds, taking turns, so a busy moment slows every candidate alike; the best run counts.
  for (let round = 1; supported.length > 1 && round < PROBE_ROUNDS; round++) {
    for (const candidate of supported) {
      const again = probePython(candidate.command, env, true);
      if (again !== undefined && again.seconds < candidate.seconds)
        candidate.seconds = again.seconds;
    }
  }
  const [first, ...others] = supported;
  if (first !== undefined) {
    let chosen = first;
    // Another one only if it can build the venv: the first is kept as before, even without.
    for (const other of others) {
      if (other.canMakeVenv && other.seconds < chosen.seconds * FASTER_BY) chosen = other;
    }
    return { command: chosen.command, version: chosen.version };
  }
  const found = seen.length > 0 ? ` Found: ${seen.join(', ')}.` : ' None found on PATH.';
  throw new Error(`${PYTHON_HINT}.${found}`);
}

async function readStamp(file: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * A directory as a cross-process mutex: mkdir is atomic. The owner's pid
 * inside lets a later run take over a lock whose owner was killed mid-install.
 */
async function withInstallLock<T>(
  lockDir: string,
  label: string,
  timeoutMs: number,
  log: Log,
  body: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const ownerFile = join(lockDir, 'owner');
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(ownerFile, 'utf8').catch(() => ''), 10);
    const ageMs = await stat(lockDir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    // No owner file yet is normal for a moment right after mkdir.
    const abandoned = Number.isNaN(owner) ? ageMs > 10_000 : !isAlive(owner);
    if (abandoned) {
      log(`Removing a stale install lock (${lockDir}).`);
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for another process (pid ${owner}) installing ${label}; ` +
          `if none is running, remove ${lockDir}`,
      );
    }
    if (!announced) {
      log(`Another process (pid ${owner}) is installing ${label}; waiting for it.`);
      announced = true;
    }
    await sleep(500);
  }
  try {
    return await body();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Makes sure `.local-cloud/venv` holds exactly `local/aws/moto/requirements.txt`,
 * installing it the first time (or when the requirements changed) and doing
 * nothing otherwise.
 */
export async function ensureMotoInstalled(
  options: EnsureMotoOptions = {},
): Promise<MotoInstallation> {
  const installation = await ensureVenvInstalled(MOTO_VENV, options);
  return { ...installation, launcherPath: motoPaths(installation.rootDir).launcherPath };
}

/**
 * Makes sure `.local-cloud/<venv.name>` holds exactly `venv.requirements`,
 * installing it the first time (or when the requirements changed) and doing
 * nothing otherwise.
 */
export async function ensureVenvInstalled(
  venv: PinnedVenv,
  options: EnsureVenvOptions = {},
): Promise<VenvInstallation> {
  const rootDir = options.rootDir ?? findRepoRoot();
  const log = options.log ?? defaultLog;
  const env = options.env ?? process.env;
  const paths = venvPaths(rootDir, venv);
  const installation: VenvInstallation = {
    rootDir,
    python: paths.python,
    venvDir: paths.venvDir,
    stateDir: paths.stateDir,
  };

  const requirements = await readFile(paths.requirementsFile);
  const requirementsSha256 = createHash('sha256').update(requirements).digest('hex');
  const isCurrent = async () => {
    const stamp = await readStamp(paths.stampFile);
    return stamp?.requirementsSha256 === requirementsSha256 && existsSync(paths.python);
  };
  if (await isCurrent()) return installation;

  // Only now: a current venv must not need a system Python lookup.
  const base = findPython(env);
  await mkdir(paths.stateDir, { recursive: true });
  const timeoutMs = options.lockTimeoutMs ?? 10 * 60_000;
  await withInstallLock(paths.lockDir, venv.label, timeoutMs, log, async () => {
    if (await isCurrent()) return; // another process finished it while we waited
    const shown = relative(rootDir, paths.venvDir);
    const started = Date.now();
    log(
      `Installing ${venv.label}, pinned in ${venv.requirements}, into ${shown} ` +
        `with ${base.command} ${base.version}; this takes about ${venv.installSeconds} s, once.`,
    );
    // A fresh venv every time: packages dropped from the pins must not linger.
    await rm(paths.venvDir, { recursive: true, force: true });
    // Seeding the venv with its own pip (ensurepip) is a third of a fresh
    // install; the base interpreter's pip can install into it instead.
    const basePip = hasPipWithPythonOption(base.command, env);
    const created = await run(
      base.command,
      ['-m', 'venv', ...(basePip ? ['--without-pip'] : []), paths.venvDir],
      env,
    );
    if (created.code !== 0) {
      throw new Error(
        `Creating the virtualenv failed (${base.command} -m venv). On Debian/Ubuntu install ` +
          `python3-venv, or set LEDGER_PYTHON to another Python ${MIN_PYTHON.join('.')}+.\n` +
          tail(created.output),
      );
    }
    const pipInvocation = basePip
      ? { command: base.command, args: ['-m', 'pip', '--python', paths.python] }
      : { command: paths.python, args: ['-m', 'pip'] };
    const pip = await run(
      pipInvocation.command,
      [
        ...pipInvocation.args,
        'install',
        '--disable-pip-version-check',
        '--no-input',
        // Every transitive dependency is pinned in the file; resolving again
        // would only let pip pull unused extras (moto[server]'s, for one).
        '--no-deps',
        // Python writes bytecode lazily for the modules a run imports, which
        // is a fraction of botocore; compiling all of it here is slower.
        '--no-compile',
        '-r',
        paths.requirementsFile,
      ],
      env,
    );
    if (pip.code !== 0) {
      throw new Error(`Installing ${venv.requirements} failed:\n${tail(pip.output)}`);
    }
    const stamp: Stamp = { requirementsSha256, pythonVersion: base.version };
    await writeFile(paths.stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
    log(`Installed ${venv.label} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  });
  return installation;
}
