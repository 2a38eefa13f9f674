import * as z from 'zod';

/**
 * Every environment variable the local side reads (the local cloud and the
 * harness's commands), in one place, validated once. A function's own
 * settings are not here: each service reads those itself, from the
 * environment the local cloud hands it (as Lambda hands its own).
 */
const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const LocalEnvSchema = z.object({
  /** Port of the local API (`npm start`); 0 picks a free one. */
  LEDGER_PORT: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce.number().int().min(0).max(65_535).default(3000),
  ),
  /** An already-running emulator: one URL, or `service=URL` pairs. */
  LEDGER_AWS_ENDPOINT: optional,
  /** Port of `npm run emulator`. */
  LEDGER_MOTO_PORT: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce.number().int().min(0).max(65_535).default(4566),
  ),
  LEDGER_LOCAL_PREFIX: optional,
  LEDGER_LOCAL_WORKER_ID: optional,
  LEDGER_FAULTS: optional,
  LEDGER_FAULT_JOURNAL: optional,
  /** The local API's bearer token; generated when unset. */
  LEDGER_API_TOKEN: optional,
  /** The API the traffic commands send to, local or deployed. */
  LEDGER_API_URL: optional,
  /** Resource names, for the operations commands against a deployment. */
  LEDGER_TABLE_NAME: optional,
  LEDGER_STREAM_NAME: optional,
  LEDGER_POISON_QUEUE_URL: optional,
  AWS_REGION: z.preprocess((v) => (v === '' ? undefined : v), z.string().default('us-east-1')),
  AWS_PROFILE: optional,
  POWERTOOLS_LOG_LEVEL: optional,
  /** The ledger's tunables, handed on to its functions as a deployment sets them. */
  LEDGER_REVERSAL_WINDOW_SECONDS: optional,
  LEDGER_HOLD_TTL_SECONDS: optional,
  LEDGER_BATCH_CONCURRENCY: optional,
});
export type LocalEnv = z.infer<typeof LocalEnvSchema>;

/** Reads and validates the local side's variables; an invalid one is an error naming it. */
export function readLocalEnv(env: Record<string, string | undefined>): LocalEnv {
  const result = LocalEnvSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid environment: ${problems.join('; ')}`);
}

let cached: LocalEnv | undefined;

/** This process's environment, read once. */
export function localEnv(): LocalEnv {
  cached ??= readLocalEnv(process.env);
  return cached;
}

/**
 * The SDK warns on every client that Node 20 support ends in 2027; the
 * harness's commands and benchmarks run on the Node the machine has.
 */
export function silenceSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
