export { type BatchOutcome, classifyBatchResponse } from './batch-response.js';
export {
  DynamoDbCheckpointStore,
  LeaseLostError,
  type ShardCheckpoint,
} from './checkpoint-store.js';
export { CheckpointTracker } from './checkpoint-tracker.js';
export {
  type ParsedArn,
  parseArn,
  type StartingPosition,
  StartingPositionSchema,
  type StreamEventSourceMappingConfig,
  type StreamEventSourceMappingConfigInput,
  StreamEventSourceMappingConfigSchema,
} from './config.js';
export type * from './events.js';
export {
  KinesisEventSourceMapping,
  type KinesisEventSourceMappingOptions,
  type KinesisHandler,
} from './kinesis-event-source-mapping.js';
export { type KinesisPayload, KinesisSource, type KinesisSourceOptions } from './kinesis-source.js';
export { createLambdaContext, type LambdaContextOptions } from './lambda-context.js';
export {
  buildOnFailureRecord,
  type DiscardCondition,
  type OnFailureRecordInput,
  SqsOnFailureDestination,
  type StreamBatchInfo,
  type StreamOnFailureRecord,
} from './on-failure.js';
export { compareSequenceNumbers, sortableSequenceNumber } from './sequence-number.js';
export type * from './source.js';
export {
  type StopOptions,
  StreamEventSourceMapping,
  type StreamEventSourceMappingOptions,
} from './stream-event-source-mapping.js';
