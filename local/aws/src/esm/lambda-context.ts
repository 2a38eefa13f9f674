import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memorySizeMB: number;
  readonly timeoutMs: number;
  /** Epoch milliseconds the invocation started at. */
  readonly startedAt: number;
  readonly awsRequestId?: string;
}

const legacyCallbackError = (name: string) => () => {
  throw new Error(
    `context.${name}() is not supported by the local event source mapping; return (or throw) from the async handler instead`,
  );
};

/**
 * A `Context` shaped like the Node.js runtime's: a fresh UUID request id per
 * invocation, `$LATEST` version, the function's log group and a log stream
 * name in Lambda's `YYYY/MM/DD/[$LATEST]<32 hex>` format, and a remaining
 * time counting down from the configured timeout.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const deadline = options.startedAt + options.timeoutMs;
  const day = new Date(options.startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: options.functionArn,
    memoryLimitInMB: String(options.memorySizeMB),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: legacyCallbackError('done'),
    fail: legacyCallbackError('fail'),
    succeed: legacyCallbackError('succeed'),
  };
}
