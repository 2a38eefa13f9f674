export { classifySqsBatchResponse, type SqsBatchOutcome } from './batch-response.js';
export {
  type SqsEventSourceMappingConfig,
  type SqsEventSourceMappingConfigInput,
  SqsEventSourceMappingConfigSchema,
} from './config.js';
export type * from './events.js';
export { type Invocation, invokeHandler } from './invoke.js';
export { toSqsRecord } from './sqs-event.js';
export {
  SqsEventSourceMapping,
  type SqsEventSourceMappingOptions,
  type SqsStopOptions,
} from './sqs-event-source-mapping.js';
