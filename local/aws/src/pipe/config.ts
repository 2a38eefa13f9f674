import * as z from 'zod';
import type { StreamEventSourceMappingConfigInput } from '../esm/config.js';
import { parseEventPattern } from './event-pattern.js';

const arn = (service: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-zA-Z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`),
      `expected an ${service} ARN`,
    );

/**
 * A pipe from a DynamoDB stream to an EventBridge bus. The shape and names
 * are CreatePipe's (as `AWS::Pipes::Pipe` / CDK's `CfnPipe` spell them in
 * camelCase), so infra's pipe definition can be handed over as it is; where
 * Pipes has a default, the default here is the same. `local` holds settings
 * with no AWS counterpart that tune the emulation.
 */
export const LocalPipeConfigSchema = z.object({
  /** Pipe names: 1–64 of `[.\-_A-Za-z0-9]`. Checkpoints are kept under this name. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[.\-_A-Za-z0-9]+$/),
  /** The table's stream ARN (`LatestStreamArn`). */
  source: z.string().regex(/^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/.+\/stream\/.+$/, {
    message: 'expected a DynamoDB stream ARN',
  }),
  sourceParameters: z.object({
    dynamoDbStreamParameters: z.object({
      startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
      /** 1–10,000. The API reference names no default; 1 is the CDK Pipes construct's. */
      batchSize: z.number().int().min(1).max(10_000).default(1),
      maximumBatchingWindowInSeconds: z.number().min(0).max(300).default(0),
      /** -1 (the default) retries until the records expire from the stream. */
      maximumRetryAttempts: z.number().int().min(-1).max(10_000).default(-1),
      maximumRecordAgeInSeconds: z
        .number()
        .int()
        .refine((v) => v === -1 || (v >= 60 && v <= 604_800), {
          message: 'must be -1 or between 60 and 604800',
        })
        .default(-1),
      /** Split a failing batch in two and retry the halves (without using retries). */
      onPartialBatchItemFailure: z.literal('AUTOMATIC_BISECT').optional(),
      parallelizationFactor: z.number().int().min(1).max(10).default(1),
      /** SQS only, as for Lambda's on-failure destinations here. */
      deadLetterConfig: z.object({ arn: arn('sqs') }).optional(),
    }),
    /** A record goes on if it matches any filter; an absent or empty list keeps everything. */
    filterCriteria: z
      .object({
        filters: z
          .array(
            z.object({
              pattern: z.string().superRefine((pattern, ctx) => {
                try {
                  parseEventPattern(pattern);
                } catch (error) {
                  ctx.addIssue({ code: 'custom', message: (error as Error).message });
                }
              }),
            }),
          )
          .max(5),
      })
      .optional(),
  }),
  /** ARN of the event bus. */
  target: arn('events'),
  targetParameters: z.object({
    eventBridgeEventBusParameters: z.object({
      /** A constant, or a `$.path` into each event. */
      source: z.string().min(1),
      /** A constant, or a `$.path` into each event, e.g. `$.type`. */
      detailType: z.string().min(1),
    }),
  }),
  local: z
    .object({
      /** Enrichment plus delivery of one batch; past it the attempt counts as failed. */
      invocationTimeoutSeconds: z.number().positive().max(900).default(30),
      /** Calls of PutEvents per entry within one attempt (partial failures are retried). */
      targetAttempts: z.number().int().min(1).max(100).default(3),
      pollIntervalMs: z.number().int().min(1).max(10_000).default(50),
      /** The longest sleep between reads of an idle shard (see the mapping's `idlePollIntervalMs`). */
      idlePollIntervalMs: z.number().int().min(1).max(60_000).default(1_000),
      /** The least time between two checkpoint writes (see the mapping's `checkpointIntervalMs`). */
      checkpointIntervalMs: z.number().int().min(0).max(60_000).default(200),
      shardDiscoveryIntervalMs: z.number().int().min(50).max(600_000).default(5_000),
      leaseDurationMs: z.number().int().min(500).max(600_000).default(10_000),
      retryBackoff: z
        .object({
          baseMs: z.number().int().min(0).default(100),
          maxMs: z.number().int().min(0).default(5_000),
        })
        .default({ baseMs: 100, maxMs: 5_000 }),
    })
    .default({
      invocationTimeoutSeconds: 30,
      targetAttempts: 3,
      pollIntervalMs: 50,
      idlePollIntervalMs: 1_000,
      checkpointIntervalMs: 200,
      shardDiscoveryIntervalMs: 5_000,
      leaseDurationMs: 10_000,
      retryBackoff: { baseMs: 100, maxMs: 5_000 },
    }),
});

export type LocalPipeConfigInput = z.input<typeof LocalPipeConfigSchema>;
export type LocalPipeConfig = z.output<typeof LocalPipeConfigSchema>;

/** The event source mapping that drives the pipe's source side. */
export function toMappingConfig(config: LocalPipeConfig): StreamEventSourceMappingConfigInput {
  const source = config.sourceParameters.dynamoDbStreamParameters;
  return {
    // Distinct from any Lambda mapping's id, so both can share a checkpoint table.
    mappingId: `pipe:${config.name}`,
    eventSourceArn: config.source,
    // Lambda's function-name alphabet has no '.', which pipe names allow.
    functionName: config.name.replaceAll('.', '_'),
    startingPosition: source.startingPosition,
    batchSize: source.batchSize,
    maximumBatchingWindowInSeconds: source.maximumBatchingWindowInSeconds,
    parallelizationFactor: source.parallelizationFactor,
    maximumRetryAttempts: source.maximumRetryAttempts,
    maximumRecordAgeInSeconds: source.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: source.onPartialBatchItemFailure === 'AUTOMATIC_BISECT',
    destinationConfig:
      source.deadLetterConfig === undefined
        ? {}
        : { onFailure: { destination: source.deadLetterConfig.arn } },
    functionTimeoutSeconds: config.local.invocationTimeoutSeconds,
    pollIntervalMs: config.local.pollIntervalMs,
    idlePollIntervalMs: config.local.idlePollIntervalMs,
    checkpointIntervalMs: config.local.checkpointIntervalMs,
    shardDiscoveryIntervalMs: config.local.shardDiscoveryIntervalMs,
    leaseDurationMs: config.local.leaseDurationMs,
    retryBackoff: config.local.retryBackoff,
  };
}
