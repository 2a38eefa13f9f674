export {
  type LocalPipeConfig,
  type LocalPipeConfigInput,
  LocalPipeConfigSchema,
  toMappingConfig,
} from './config.js';
export {
  type DynamoDbStreamPayload,
  DynamoDbStreamSource,
  type DynamoDbStreamSourceOptions,
} from './dynamodb-stream-source.js';
export {
  EventBusTarget,
  type EventBusTargetOptions,
  type PutOutcome,
  TargetDeliveryError,
} from './event-bus-target.js';
export {
  type EventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from './event-pattern.js';
export {
  LocalPipe,
  type LocalPipeCounters,
  type LocalPipeOptions,
  type LocalPipeStats,
  type PipeEnrichment,
} from './local-pipe.js';
