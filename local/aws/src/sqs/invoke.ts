import type { Context, SQSEvent } from 'aws-lambda';
import type { SqsHandler, SqsHandlerResult } from './events.js';

export type Invocation =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'error' | 'timeout'; readonly error: unknown }
  | { readonly kind: 'abandoned' };

const isThenable = (value: unknown): value is PromiseLike<SqsHandlerResult> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs a handler as Lambda's Node.js runtime would: async or callback-style,
 * failed by a throw, a rejection or an error callback, and timed out after
 * `timeoutMs`. A timed-out handler cannot be stopped (Lambda would kill the
 * sandbox); its promise runs on and is ignored.
 */
export function invokeHandler(
  handler: SqsHandler,
  event: SQSEvent,
  context: Context,
  timeoutMs: number,
  abandon: AbortSignal,
): Promise<Invocation> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (result: Invocation) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      abandon.removeEventListener('abort', onAbandon);
      resolve(result);
    };
    const onAbandon = () => settle({ kind: 'abandoned' });
    const timer = setTimeout(
      () =>
        settle({
          kind: 'timeout',
          error: new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`),
        }),
      timeoutMs,
    );
    if (abandon.aborted) return settle({ kind: 'abandoned' });
    abandon.addEventListener('abort', onAbandon, { once: true });
    try {
      const returned = handler(event, context, (error, value) => {
        if (error !== undefined && error !== null) settle({ kind: 'error', error });
        else settle({ kind: 'returned', value });
      });
      if (isThenable(returned)) {
        returned.then(
          (value) => settle({ kind: 'returned', value }),
          (error: unknown) => settle({ kind: 'error', error }),
        );
      }
    } catch (error) {
      settle({ kind: 'error', error });
    }
  });
}
