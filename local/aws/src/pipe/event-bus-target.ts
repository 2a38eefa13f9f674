import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type RetryPolicy, retryDelayMs } from '../shared/timing.js';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;
/** And at most 256 KB per call, counted as EventBridge counts entry sizes. */
const MAX_BYTES_PER_CALL = 256 * 1024;

export interface EventBusTargetOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus. */
  readonly eventBusName: string;
  /** `Source` of every entry, or `$.path` into the event. */
  readonly source: string;
  /** `DetailType` of every entry, or `$.path` into the event (e.g. `$.type`). */
  readonly detailType: string;
  /** Calls per entry before the batch is failed (the pipe then retries it whole). */
  readonly maxAttempts: number;
  readonly backoff: RetryPolicy;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface PutOutcome {
  readonly entries: number;
  /** Entries PutEvents reported as failed and that were sent again. */
  readonly retriedEntries: number;
}

/** The target gave up on some entries; the pipe fails the batch so it is retried, then dead-lettered. */
export class TargetDeliveryError extends Error {
  override readonly name = 'TargetDeliveryError';
  constructor(
    message: string,
    readonly failures: readonly { readonly errorCode?: string; readonly errorMessage?: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A pipe's EventBridge bus target: one entry per event, sent in order in
 * calls of at most 10 entries; entries PutEvents reports as failed (a
 * partial failure answers 200) are sent again, alone, until they succeed
 * or `maxAttempts` is reached.
 */
export class EventBusTarget {
  readonly #options: EventBusTargetOptions;

  constructor(options: EventBusTargetOptions) {
    this.#options = options;
  }

  /** The entry an event becomes, as Pipes builds it from the target parameters. */
  entryFor(event: unknown): PutEventsRequestEntry {
    return {
      EventBusName: this.#options.eventBusName,
      Source: resolve(this.#options.source, event, 'Source'),
      DetailType: resolve(this.#options.detailType, event, 'DetailType'),
      Detail: JSON.stringify(event),
    };
  }

  async put(events: readonly unknown[], signal?: AbortSignal): Promise<PutOutcome> {
    let retriedEntries = 0;
    const entries = events.map((e) => this.entryFor(e));
    for (const chunk of chunks(entries)) {
      retriedEntries += await this.#putChunk(chunk, signal);
    }
    return { entries: entries.length, retriedEntries };
  }

  async #putChunk(chunk: PutEventsRequestEntry[], signal?: AbortSignal): Promise<number> {
    const { client, maxAttempts, backoff, sleep } = this.#options;
    let pending = chunk;
    let retried = 0;
    for (let attempt = 1; ; attempt++) {
      let failures: { entry: PutEventsRequestEntry; errorCode?: string; errorMessage?: string }[];
      try {
        const out = await client.send(new PutEventsCommand({ Entries: pending }), {
          abortSignal: signal,
        });
        // Results are positional: result i is entry i.
        failures = pending.flatMap((entry, i) => {
          const result = out.Entries?.[i];
          if (result?.ErrorCode === undefined && result?.EventId !== undefined) return [];
          return [{ entry, errorCode: result?.ErrorCode, errorMessage: result?.ErrorMessage }];
        });
      } catch (error) {
        if (signal?.aborted || attempt >= maxAttempts) {
          throw new TargetDeliveryError(`PutEvents failed: ${(error as Error).message}`, [], {
            cause: error,
          });
        }
        await sleep(retryDelayMs(backoff, attempt));
        continue;
      }
      if (failures.length === 0) return retried;
      if (attempt >= maxAttempts || signal?.aborted) {
        throw new TargetDeliveryError(
          `PutEvents failed ${failures.length} of ${pending.length} entries after ${attempt} attempts: ${failures
            .map((f) => f.errorCode ?? 'no EventId')
            .join(', ')}`,
          failures.map(({ errorCode, errorMessage }) => ({ errorCode, errorMessage })),
        );
      }
      pending = failures.map((f) => f.entry);
      retried += pending.length;
      await sleep(retryDelayMs(backoff, attempt));
    }
  }
}

/**
 * A target parameter: a constant, or a `$.a.b` path into the event, as
 * Pipes' dynamic path parameters (only dotted paths to a string).
 */
function resolve(parameter: string, event: unknown, name: string): string {
  if (!parameter.startsWith('$.')) return parameter;
  let value: unknown = event;
  for (const key of parameter.slice(2).split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  if (typeof value !== 'string' || value === '') {
    // Retrying cannot fix it: the batch fails until its retries run out and it is dead-lettered.
    throw new TargetDeliveryError(`${name} path ${parameter} is not a string in the event`, []);
  }
  return value;
}

/** EventBridge's size of an entry: its strings in UTF-8, plus 14 bytes for a time. */
function entrySize(entry: PutEventsRequestEntry): number {
  return (
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '') +
    (entry.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0) +
    14
  );
}

function* chunks(entries: readonly PutEventsRequestEntry[]): Generator<PutEventsRequestEntry[]> {
  let chunk: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (
      chunk.length === MAX_ENTRIES_PER_CALL ||
      (chunk.length > 0 && bytes + size > MAX_BYTES_PER_CALL)
    ) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
