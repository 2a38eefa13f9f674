import * as z from 'zod';

/**
 * Settings of an SQS event source mapping. Names follow
 * `CreateEventSourceMapping` in camelCase, with AWS's defaults, so a mapping
 * copied from the infrastructure code behaves as it does in AWS. Settings
 * marked *local-only* have no AWS counterpart: they tune the emulation.
 */
export const SqsEventSourceMappingConfigSchema = z
  .object({
    /** ARN of the queue. Region, account and queue name are taken from it. */
    eventSourceArn: z
      .string()
      .regex(
        /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/,
        'expected an SQS queue ARN',
      ),
    /** Function name (≤ 64 characters, as in Lambda); shows up in the context and ARNs. */
    functionName: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-zA-Z0-9-_]+$/),
    /** Messages per invocation. AWS default 10; above 10 needs a batching window, as in AWS. */
    batchSize: z.number().int().min(1).max(10_000).default(10),
    /**
     * How long to keep receiving before invoking with a partial batch. AWS
     * default 0, maximum 300, whole seconds; fractions are accepted here
     * (*local-only*) for tests.
     */
    maximumBatchingWindowInSeconds: z.number().min(0).max(300).default(0),
    /** Include `'ReportBatchItemFailures'` to honour `batchItemFailures` in responses. */
    functionResponseTypes: z.array(z.literal('ReportBatchItemFailures')).default([]),
    /**
     * Function timeout (Lambda default 3 s, maximum 900). The queue's
     * visibility timeout must be at least this, as CreateEventSourceMapping
     * requires. Fractions are accepted (*local-only*).
     */
    functionTimeoutSeconds: z.number().positive().max(900).default(3),
    /** Reported by `context.memoryLimitInMB`; nothing is enforced. Lambda default 128. */
    memorySizeMB: z.number().int().min(128).max(10_240).default(128),
    /**
     * *Local-only.* Concurrent pollers, each receiving and invoking one batch
     * at a time. Lambda starts with five and scales with the backlog (capped
     * by `ScalingConfig.MaximumConcurrency`); a fixed small number suits one
     * machine.
     */
    pollers: z.number().int().min(1).max(20).default(1),
    /**
     * `WaitTimeSeconds` of each ReceiveMessage: Lambda long-polls, 20 s. Our
     * emulator launcher serves a long poll without holding its request lock
     * (it waits between short polls for another request to be served), so
     * an idle queue costs one request per wait, and a message sent during
     * it is received at once.
     */
    waitTimeSeconds: z.number().int().min(0).max(20).default(20),
    /** *Local-only.* Sleep after a receive that returned nothing. */
    pollIntervalMs: z.number().int().min(1).max(60_000).default(100),
    /** *Local-only.* Backoff after a failed SQS call: full jitter, doubling from `baseMs` to `maxMs`. */
    retryBackoff: z
      .object({
        baseMs: z.number().int().min(0).default(100),
        maxMs: z.number().int().min(0).default(5_000),
      })
      .default({ baseMs: 100, maxMs: 5_000 }),
  })
  .superRefine((c, ctx) => {
    if (c.eventSourceArn.endsWith('.fifo')) {
      ctx.addIssue({
        code: 'custom',
        path: ['eventSourceArn'],
        message: 'FIFO queues are not emulated (message group ordering)',
      });
    }
    if (c.batchSize > 10 && c.maximumBatchingWindowInSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['maximumBatchingWindowInSeconds'],
        message: 'must be greater than 0 when batchSize is greater than 10',
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
export type SqsEventSourceMappingConfigInput = z.input<typeof SqsEventSourceMappingConfigSchema>;
/** What the runner works with (defaults applied). */
export type SqsEventSourceMappingConfig = z.output<typeof SqsEventSourceMappingConfigSchema>;
