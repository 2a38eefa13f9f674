import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';

/**
 * One structured JSON logger per service. Level and sampling come from the
 * standard Powertools variables (POWERTOOLS_LOG_LEVEL, ...), so operators tune
 * them without a deploy, unless the host gives a level.
 */
export function createLogger(serviceName: string, logLevel?: LogLevel): Logger {
  return new Logger(logLevel === undefined ? { serviceName } : { serviceName, logLevel });
}
export type { Logger, LogLevel };
