import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { loadConfig } from '../src/config.js';
import { isConfigurationError } from '../src/errors.js';

const Schema = z.object({
  TABLE: z.string().min(1),
  LIMIT: z.coerce.number().int().default(5),
  URL: z.url().optional(),
});

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    expect(loadConfig(Schema, { TABLE: 't' })).toEqual({ TABLE: 't', LIMIT: 5 });
  });

  it('fails once, naming every missing or invalid variable', () => {
    let error: unknown;
    try {
      loadConfig(Schema, { LIMIT: 'x', URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(isConfigurationError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('TABLE is required');
    expect(message).toContain('LIMIT is invalid');
    expect(message).toContain('URL is invalid');
    expect((error as { variables: string[] }).variables.sort()).toEqual(['LIMIT', 'TABLE', 'URL']);
  });
});
