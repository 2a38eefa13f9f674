import { fileURLToPath } from 'node:url';

/*
 * Resolved from this module so it holds for both the TypeScript sources (run
 * by vitest) and the compiled `dist/` (run by the CDK CLI): both sit one level
 * below the infra package.
 */
const repoRootUrl = new URL('../../', import.meta.url);

/** The monorepo root: esbuild's working directory and the lock file's home. */
export const REPO_ROOT = fileURLToPath(repoRootUrl);

/** Absolute path of a repo-relative file. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, repoRootUrl));
}
