export {
  defaultLog,
  type EnsureMotoOptions,
  ensureMotoInstalled,
  findPython,
  findRepoRoot,
  type Log,
  MIN_PYTHON,
  type MotoInstallation,
  motoPaths,
  motoPythonEnv,
} from './install.js';
export {
  MOTO_FIXES,
  type MotoFix,
  type MotoServer,
  type StartMotoOptions,
  startMoto,
} from './server.js';
