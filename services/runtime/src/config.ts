import type { z } from 'zod';
import { ConfigurationError } from './errors.js';

/**
 * Reads and validates the environment once. Every problem is reported at the
 * same time, by variable name, so a misconfigured deployment fails at cold
 * start with one clear message instead of at the first request that needs it.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const value = env[variable];
    return value === undefined || value === ''
      ? `${variable} is required (${issue.message})`
      : `${variable} is invalid: ${issue.message}`;
  });
  throw new ConfigurationError(
    `Invalid configuration: ${problems.join('; ')}`,
    result.error.issues.map((i) => i.path.join('.')),
  );
}

/** Shared settings for where AWS clients point. */
export const AWS_REGION_DEFAULT_VAR = 'AWS_REGION';
