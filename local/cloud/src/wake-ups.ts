import type { SweepReport } from '@atm-ledger/ledger';
import type { SdkRequestHandlerDecorator } from '@atm-ledger/runtime';

type Decorated = ReturnType<SdkRequestHandlerDecorator>;

/**
 * The longest sleep of an idle shard reader here. The functions' own writes
 * wake it, so it can sleep longer than AWS's one second; a record put from
 * outside this process (another producer on the same emulator) waits up to
 * this long while the stream is idle.
 */
export const IDLE_POLL_INTERVAL_MS = 2_000;

/**
 * How often the timer sweep runs once its sweeps find nothing (it runs every
 * second after one that found work). Each sweep is a query per timer shard; a
 * timer falls due with no write to wake anything, so this bounds how late an
 * idle ledger notices it.
 */
export const IDLE_TIMER_SWEEP_MS = 2_000;

/** A sweep that fired, expired, cleaned up and failed nothing. */
export function isIdleSweep(report: SweepReport): boolean {
  return (
    report.fired + report.expired + report.holdsExpired + report.alreadyDecided + report.failed ===
    0
  );
}

/** Kinesis calls that add records to a stream. */
export const STREAM_WRITES: ReadonlySet<string> = new Set([
  'Kinesis_20131202.PutRecord',
  'Kinesis_20131202.PutRecords',
]);

/** DynamoDB calls that may change items, hence add to the table's stream. */
export const TABLE_WRITES: ReadonlySet<string> = new Set([
  'DynamoDB_20120810.PutItem',
  'DynamoDB_20120810.UpdateItem',
  'DynamoDB_20120810.DeleteItem',
  'DynamoDB_20120810.BatchWriteItem',
  'DynamoDB_20120810.TransactWriteItems',
]);

/**
 * A request handler that calls `wake` after each successful call whose
 * `X-Amz-Target` is one of `targets`, around `inner` (the host's faults) when
 * given. Local-only: in AWS the readers poll; here the runtime owns both the
 * function that writes and the mapping that reads, so the reader need not
 * sleep out its idle interval. It changes when a reader looks, never what it
 * reads or in what order.
 */
export function wakeOn(
  targets: ReadonlySet<string>,
  wake: () => void,
  inner?: SdkRequestHandlerDecorator,
): SdkRequestHandlerDecorator {
  return (node) => {
    const handler: Decorated = inner === undefined ? (node as unknown as Decorated) : inner(node);
    return {
      metadata: handler.metadata,
      handle: async (request, options) => {
        const handled = await handler.handle(request, options);
        const status = handled.response.statusCode;
        if (status >= 200 && status < 300 && targets.has(request.headers['x-amz-target'] ?? '')) {
          wake();
        }
        return handled;
      },
      destroy: () => handler.destroy?.(),
      updateHttpClientConfig: (key, value) =>
        handler.updateHttpClientConfig(key as never, value as never),
      httpHandlerConfigs: () => handler.httpHandlerConfigs(),
    };
  };
}
