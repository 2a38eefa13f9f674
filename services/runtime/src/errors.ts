/**
 * Base of every error this project throws on purpose. `code` is stable and
 * machine-readable; `message` says what was wrong and what was expected.
 */
export abstract class AtmLedgerError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const isAtmLedgerError = (error: unknown): error is AtmLedgerError =>
  error instanceof AtmLedgerError;

/** A required setting is missing or malformed. Raised once, at cold start. */
export class ConfigurationError extends AtmLedgerError {
  readonly code = 'CONFIGURATION_INVALID';
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
  }
}
export const isConfigurationError = (error: unknown): error is ConfigurationError =>
  error instanceof ConfigurationError;
