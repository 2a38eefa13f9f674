import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LEDGER_EVENT_TYPES, LedgerEvent } from '../src/events.js';
import { eventJsonSchemas } from '../src/jsonSchema.js';

const SCHEMAS_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));
/** `UPDATE_SCHEMAS=1 npx vitest run test/jsonSchema.unit.test.ts` rewrites the files. */
const UPDATE = process.env.UPDATE_SCHEMAS === '1';

/**
 * `contracts/schemas/*.json` are generated, and committed so that consumers
 * can read them without running TypeScript. Each must hold exactly what the
 * zod schemas generate now (compared as JSON, so the repository's formatter
 * may lay them out): a schema change without regenerating fails here, and so
 * does a file no schema generates any more.
 */
describe('eventJsonSchemas', () => {
  const schemas = eventJsonSchemas();

  afterAll(() => {
    if (!UPDATE) return;
    // The files are committed, so they follow the repository's formatting like any other.
    spawnSync('npx', ['biome', 'format', '--write', SCHEMAS_DIR], { stdio: 'inherit' });
  });

  for (const [name, schema] of Object.entries(schemas)) {
    it(`matches the committed schemas/${name}.json`, () => {
      const file = `${SCHEMAS_DIR}${name}.json`;
      if (UPDATE) writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);

      expect(existsSync(file), `${file} is missing: regenerate with UPDATE_SCHEMAS=1`).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8')), `regenerate with UPDATE_SCHEMAS=1`).toEqual(
        schema,
      );
    });
  }

  it('keeps no schema file that is not generated', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(
      Object.keys(schemas)
        .map((name) => `${name}.json`)
        .sort(),
    );
  });

  it('describes every event type of the LedgerEvent union, discriminated by type', () => {
    // Prepare
    const union = schemas.LedgerEvent as { $defs?: Record<string, { properties?: object }> };
    const types = Object.values(union.$defs ?? {})
      .map((def) => (def.properties as { type?: { const?: string } } | undefined)?.type?.const)
      .filter((t): t is string => t !== undefined);

    // Assess
    expect(types.sort()).toEqual([...LEDGER_EVENT_TYPES].sort());
  });

  it('lists in LEDGER_EVENT_TYPES exactly the types LedgerEvent accepts', () => {
    const fromUnion = LedgerEvent.options.map((option) => option.shape.type.value);
    expect([...LEDGER_EVENT_TYPES].sort()).toEqual(fromUnion.sort());
  });

  it('requires a deterministic id, a literal type and a schema version on every event', () => {
    const union = schemas.LedgerEvent as { $defs?: Record<string, { required?: string[] }> };
    // The event schemas among the definitions; the others (Currency, ...) are their parts.
    const eventIds = LedgerEvent.options.map((option) => option.meta()?.id);
    const events = Object.entries(union.$defs ?? {}).filter(([name]) => eventIds.includes(name));
    expect(events).toHaveLength(LEDGER_EVENT_TYPES.length);
    for (const [name, def] of events) {
      expect(def.required, name).toEqual(expect.arrayContaining(['id', 'type', 'schemaVersion']));
    }
  });
});
