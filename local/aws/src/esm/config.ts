import * as z from 'zod';

/**
 * Where a shard is read from when the mapping has no checkpoint for it, as in
 * `CreateEventSourceMapping`'s `StartingPosition`.
 */
export const StartingPositionSchema = z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']);
export type StartingPosition = z.infer<typeof StartingPositionSchema>;

const arn = (service: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-zA-Z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`),
      `expected an ${service} ARN`,
    );

/**
 * Settings of a stream event source mapping (Kinesis now, DynamoDB Streams
 * later). Names follow `CreateEventSourceMapping` in camelCase; where AWS has
 * a default, the default here is the same, so a mapping copied from the
 * infrastructure code behaves as it does in AWS. Settings marked *local-only*
 * have no AWS counterpart: they tune the emulation for a developer machine.
 */
export const StreamEventSourceMappingConfigSchema = z
  .object({
    /**
     * The mapping's identity (AWS's `UUID`). Checkpoints and shard leases are
     * keyed by it: a runner started again with the same id resumes where the
     * previous one stopped; a new id starts from `startingPosition`.
     */
    mappingId: z.string().min(1).max(256),
    /** ARN of the stream the mapping reads. Region and account are taken from it. */
    eventSourceArn: z.string().regex(/^arn:aws[a-zA-Z-]*:(kinesis|dynamodb):[a-z0-9-]+:\d{12}:.+$/),
    /** Function name (≤ 64 characters, as in Lambda); shows up in the context and ARNs. */
    functionName: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-zA-Z0-9-_]+$/),
    /** Maximum records per invocation. AWS default 100, range 1–10,000. */
    batchSize: z.number().int().min(1).max(10_000).default(100),
    /**
     * How long to keep gathering records before invoking with a partial batch.
     * AWS default 0 (invoke as soon as records are read), maximum 300. AWS only
     * takes whole seconds; fractions are accepted here (*local-only*) so
     * tests and low-latency local runs can use sub-second windows.
     */
    maximumBatchingWindowInSeconds: z.number().min(0).max(300).default(0),
    /**
     * Concurrent batches per shard (AWS default 1, maximum 10). Records are
     * assigned to a lane by a hash of their partition key, so one key's
     * records stay in order.
     */
    parallelizationFactor: z.number().int().min(1).max(10).default(1),
    /** Required, as in AWS. */
    startingPosition: StartingPositionSchema,
    /** Unix time in seconds; only with `startingPosition: 'AT_TIMESTAMP'`. */
    startingPositionTimestamp: z.number().nonnegative().optional(),
    /**
     * Retries of a failing batch before it is discarded. AWS default -1:
     * retry until the records expire from the stream.
     */
    maximumRetryAttempts: z.number().int().min(-1).max(10_000).default(-1),
    /**
     * Records older than this are discarded instead of being sent to the
     * function. AWS default -1 (no limit); otherwise 60–604,800.
     */
    maximumRecordAgeInSeconds: z
      .number()
      .int()
      .refine((v) => v === -1 || (v >= 60 && v <= 604_800), {
        message: 'must be -1 or between 60 and 604800',
      })
      .default(-1),
    /** Split a batch in two when the function errors; splits do not use up retries. AWS default false. */
    bisectBatchOnFunctionError: z.boolean().default(false),
    /** Include `'ReportBatchItemFailures'` to honour `batchItemFailures` in responses. */
    functionResponseTypes: z.array(z.literal('ReportBatchItemFailures')).default([]),
    /** Where records of discarded batches go. Only SQS queues are emulated. */
    destinationConfig: z
      .object({
        onFailure: z.object({ destination: arn('sqs') }).optional(),
      })
      .default({}),
    /**
     * Function timeout (Lambda default 3 s, maximum 900). An invocation that
     * runs longer is treated as failed, like a Lambda timeout; the handler's
     * promise cannot be cancelled, so its work may still complete. Fractions
     * are accepted (*local-only*; Lambda takes whole seconds).
     */
    functionTimeoutSeconds: z.number().positive().max(900).default(3),
    /** Reported by `context.memoryLimitInMB`; nothing is enforced. Lambda default 128. */
    memorySizeMB: z.number().int().min(128).max(10_240).default(128),
    /** `invokeIdentityArn` of every record; defaults to a role named after the function. */
    executionRoleArn: arn('iam').optional(),
    /**
     * *Local-only.* Sleep between GetRecords calls that return nothing. AWS
     * polls each shard about once a second; a short sleep keeps end-to-end
     * latency of a local run low.
     */
    pollIntervalMs: z.number().int().min(1).max(10_000).default(50),
    /**
     * *Local-only.* While a shard stays empty, the sleep doubles from
     * `pollIntervalMs` up to this (AWS's own rate: once a second), so an idle
     * runtime costs little; records, or a {@link StreamEventSourceMapping.wake},
     * bring it back to `pollIntervalMs` at once.
     */
    idlePollIntervalMs: z.number().int().min(1).max(60_000).default(1_000),
    /**
     * *Local-only.* The least time between two checkpoint writes of a shard;
     * batches that finish meanwhile are covered by the next write. AWS keeps
     * its checkpoints itself; here each is a write to the emulator, and a
     * busy shard would otherwise make one per batch. A crash loses at most
     * this much progress, which is redelivered (handlers are idempotent). A
     * stop writes the last checkpoint at once.
     */
    checkpointIntervalMs: z.number().int().min(0).max(60_000).default(200),
    /** *Local-only.* How often shards are listed to find new (child) shards and free leases. */
    shardDiscoveryIntervalMs: z.number().int().min(50).max(600_000).default(5_000),
    /**
     * *Local-only.* How long a shard lease lasts without renewal. A runner
     * that dies without stopping holds its shards this long.
     */
    leaseDurationMs: z.number().int().min(500).max(600_000).default(10_000),
    /**
     * *Local-only.* Backoff between retries of a failed batch (and of
     * throttled or failed stream calls): full jitter, doubling from `baseMs`
     * up to `maxMs`. AWS does not document its schedule.
     */
    retryBackoff: z
      .object({
        baseMs: z.number().int().min(0).default(100),
        maxMs: z.number().int().min(0).default(5_000),
      })
      .default({ baseMs: 100, maxMs: 5_000 }),
  })
  .superRefine((c, ctx) => {
    if (c.startingPosition === 'AT_TIMESTAMP' && c.startingPositionTimestamp === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['startingPositionTimestamp'],
        message: 'required when startingPosition is AT_TIMESTAMP',
      });
    }
    if (c.startingPosition !== 'AT_TIMESTAMP' && c.startingPositionTimestamp !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['startingPositionTimestamp'],
        message: 'only valid when startingPosition is AT_TIMESTAMP',
      });
    }
    if (c.retryBackoff.maxMs < c.retryBackoff.baseMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryBackoff', 'maxMs'],
        message: 'must be at least baseMs',
      });
    }
  });

/** What callers write (defaults optional). */
export type StreamEventSourceMappingConfigInput = z.input<
  typeof StreamEventSourceMappingConfigSchema
>;
/** What the runner works with (defaults applied). */
export type StreamEventSourceMappingConfig = z.output<typeof StreamEventSourceMappingConfigSchema>;

/** Region, account and resource name pulled out of an ARN. */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function parseArn(value: string): ParsedArn {
  const parts = value.split(':');
  const [prefix, partition, service, region, accountId] = parts;
  if (
    prefix !== 'arn' ||
    partition === undefined ||
    service === undefined ||
    region === undefined ||
    accountId === undefined ||
    parts.length < 6
  ) {
    throw new RangeError(`not an ARN: ${value}`);
  }
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}
