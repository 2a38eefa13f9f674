import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger per service. Level and sampling come from the
 * standard Powertools variables (POWERTOOLS_LOG_LEVEL, ...), so operators tune
 * them without a deploy.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}
export type { Logger };
