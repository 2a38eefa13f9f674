import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Stands in for Python in the installer's tests: answers the version probe,
 * makes a "venv" holding a copy of itself, and logs the last argument of each
 * `pip install` (the `-r` requirements file). `pipSeconds` keeps each install
 * running that long, so concurrent callers overlap.
 */
export async function fakePython(
  dir: string,
  options: { readonly pipSeconds?: number } = {},
): Promise<{ env: NodeJS.ProcessEnv; installs: () => Promise<string[]> }> {
  const script = join(dir, 'fake-python');
  const log = join(dir, 'pip-installs');
  const pause = options.pipSeconds === undefined ? '' : ` sleep ${options.pipSeconds};`;
  await writeFile(
    script,
    [
      '#!/bin/sh',
      'case "$1" in',
      '  -c) echo 3.11.0 ;;',
      '  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python";',
      `      elif [ "$2" = pip ] && [ "$3" = install ]; then for last; do :; done; echo "$last" >> "$FAKE_PIP_LOG";${pause} fi ;;`,
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(script, 0o755);
  return {
    env: { ...process.env, LEDGER_PYTHON: script, FAKE_PIP_LOG: log },
    installs: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}
