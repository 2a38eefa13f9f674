import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { parseArn } from '../esm/config.js';
import type { InvocationOutcome, MappingState } from '../esm/events.js';
import { createLambdaContext } from '../esm/lambda-context.js';
import { pause, retryDelayMs } from '../shared/timing.js';
import { classifySqsBatchResponse } from './batch-response.js';
import {
  type SqsEventSourceMappingConfig,
  type SqsEventSourceMappingConfigInput,
  SqsEventSourceMappingConfigSchema,
} from './config.js';
import type {
  SqsEventSourceMappingEventMap,
  SqsEventSourceMappingStats,
  SqsHandler,
} from './events.js';
import { invokeHandler } from './invoke.js';
import { toSqsRecord } from './sqs-event.js';

/** ReceiveMessage and DeleteMessageBatch take at most 10 messages. */
const SQS_MAX_BATCH = 10;

export interface SqsEventSourceMappingOptions {
  /** Validated with {@link SqsEventSourceMappingConfigSchema}; throws a `ZodError` if invalid. */
  readonly config: SqsEventSourceMappingConfigInput;
  readonly handler: SqsHandler;
  readonly clients: { readonly sqs: SQSClient };
}

export interface SqsStopOptions {
  /**
   * Do not wait for in-flight invocations: their messages are not deleted and
   * come back after their visibility timeout. By default `stop()` waits for
   * them (bounded by the function timeout) and deletes those that succeeded.
   */
  readonly abandonInFlight?: boolean;
}

type Counters = {
  -readonly [K in keyof Omit<SqsEventSourceMappingStats, 'state' | 'inFlightBatches'>]: number;
};

/**
 * Runs an unmodified SQS Lambda handler the way Lambda's SQS event source
 * mapping does: receive up to `batchSize` messages (gathering for up to
 * `maximumBatchingWindowInSeconds`), invoke with a faithful `SQSEvent`,
 * delete what succeeded, and leave what failed on the queue to become
 * visible again after the queue's visibility timeout. With
 * ReportBatchItemFailures only the listed messages fail; a throw, a timeout
 * or a malformed report fails the whole batch. Dead-lettering is the queue's
 * own: its RedrivePolicy moves a message after `maxReceiveCount` receives.
 *
 * @example
 * const esm = new SqsEventSourceMapping({
 *   config: { eventSourceArn, functionName: 'notifier-receipts', functionResponseTypes: ['ReportBatchItemFailures'] },
 *   handler,
 *   clients: { sqs },
 * });
 * await esm.start();
 */
export class SqsEventSourceMapping extends EventEmitter<SqsEventSourceMappingEventMap> {
  readonly config: SqsEventSourceMappingConfig;
  readonly functionArn: string;
  readonly region: string;
  readonly #handler: SqsHandler;
  readonly #sqs: SQSClient;
  readonly #stop = new AbortController();
  readonly #abandon = new AbortController();
  readonly #counters: Counters = {
    invocations: 0,
    failedInvocations: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    pollErrors: 0,
  };
  #inFlight = 0;
  #state: MappingState = 'idle';
  #queueUrl: string | undefined;
  #pollers: Promise<void>[] = [];
  #stopping: Promise<void> | undefined;

  constructor(options: SqsEventSourceMappingOptions) {
    super();
    this.config = SqsEventSourceMappingConfigSchema.parse(options.config);
    const { partition, region, accountId } = parseArn(this.config.eventSourceArn);
    this.region = region;
    this.functionArn = `arn:${partition}:lambda:${region}:${accountId}:function:${this.config.functionName}`;
    this.#handler = options.handler;
    this.#sqs = options.clients.sqs;
  }

  get state(): MappingState {
    return this.#state;
  }

  /** The queue's URL, known once started. */
  get queueUrl(): string | undefined {
    return this.#queueUrl;
  }

  /**
   * Finds the queue and checks it as CreateEventSourceMapping does (its
   * visibility timeout must cover the function timeout, or a message would
   * reappear while still being processed), then starts polling.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`cannot start a mapping that is ${this.#state}`);
    this.#state = 'starting';
    let queueUrl: string;
    try {
      const { accountId, resource } = parseArn(this.config.eventSourceArn);
      const { QueueUrl } = await this.#sqs.send(
        new GetQueueUrlCommand({ QueueName: resource, QueueOwnerAWSAccountId: accountId }),
      );
      if (QueueUrl === undefined) throw new Error(`queue ${resource} has no URL`);
      const { Attributes } = await this.#sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
      );
      const visibility = Number(Attributes?.VisibilityTimeout ?? 30);
      if (visibility < this.config.functionTimeoutSeconds) {
        throw new RangeError(
          `Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${this.config.functionTimeoutSeconds} seconds`,
        );
      }
      queueUrl = QueueUrl;
    } catch (error) {
      this.#state = 'stopped';
      throw error;
    }
    this.#queueUrl = queueUrl;
    this.#state = 'running';
    this.#pollers = Array.from({ length: this.config.pollers }, (_, i) => this.#poll(i, queueUrl));
  }

  /**
   * Stops receiving, waits for in-flight invocations (unless told to abandon
   * them) and deletes the messages that succeeded. Messages received but not
   * finished reappear after their visibility timeout, as after a Lambda crash.
   */
  stop(options: SqsStopOptions = {}): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      return Promise.resolve();
    }
    if (options.abandonInFlight) this.#abandon.abort();
    this.#stopping ??= (async () => {
      this.#state = 'stopping';
      this.#stop.abort();
      await Promise.all(this.#pollers);
      this.#state = 'stopped';
    })();
    return this.#stopping;
  }

  /** A snapshot for health endpoints and tests. */
  stats(): SqsEventSourceMappingStats {
    return { state: this.#state, ...this.#counters, inFlightBatches: this.#inFlight };
  }

  #emit<K extends keyof SqsEventSourceMappingEventMap>(
    event: K,
    ...args: SqsEventSourceMappingEventMap[K]
  ): void {
    try {
      // Node's typings cannot relate a generic key to its argument tuple.
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch {
      // A throwing listener must not stop the poller.
    }
  }

  async #poll(poller: number, queueUrl: string): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.#gather(queueUrl, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.#counters.pollErrors++;
        this.#emit('pollError', { operation: 'ReceiveMessage', error });
        await pause(retryDelayMs(this.config.retryBackoff, failures), signal);
        continue;
      }
      if (messages.length === 0) {
        await pause(this.config.pollIntervalMs, signal);
        continue;
      }
      await this.#process(poller, queueUrl, messages);
    }
  }

  /** Receives one batch: up to `batchSize` messages, within the batching window. */
  async #gather(queueUrl: string, signal: AbortSignal): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowInSeconds, waitTimeSeconds } = this.config;
    const batch: Message[] = [];
    let deadline: number | undefined;
    for (;;) {
      // Once a batch has begun, wait no longer than what is left of its window.
      const wait =
        deadline === undefined
          ? waitTimeSeconds
          : Math.min(waitTimeSeconds, Math.floor(Math.max(0, deadline - Date.now()) / 1000));
      const out = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, batchSize - batch.length),
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        // A long poll is an answer that takes its time, not a hung call: give it room past its wait.
        { abortSignal: signal, requestTimeout: (wait + 10) * 1000 },
      );
      const received = out.Messages ?? [];
      this.#counters.messagesReceived += received.length;
      batch.push(...received);
      if (batch.length === 0) return batch;
      deadline ??= Date.now() + maximumBatchingWindowInSeconds * 1000;
      if (batch.length >= batchSize || Date.now() >= deadline || signal.aborted) return batch;
      if (received.length === 0) {
        await pause(Math.min(this.config.pollIntervalMs, deadline - Date.now()), signal);
      }
    }
  }

  async #process(poller: number, queueUrl: string, messages: readonly Message[]): Promise<void> {
    const requestId = randomUUID();
    const started = Date.now();
    const messageIds = messages.map((m) => m.MessageId ?? '');
    const timeoutMs = this.config.functionTimeoutSeconds * 1000;
    const event: SQSEvent = {
      Records: messages.map((m) => toSqsRecord(m, this.config.eventSourceArn, this.region)),
    };
    const context = createLambdaContext({
      functionName: this.config.functionName,
      functionArn: this.functionArn,
      memorySizeMB: this.config.memorySizeMB,
      timeoutMs,
      startedAt: started,
      awsRequestId: requestId,
    });
    this.#inFlight++;
    this.#counters.invocations++;
    this.#emit('invoke', { requestId, poller, messageIds });
    try {
      const invocation = await invokeHandler(
        this.#handler,
        event,
        context,
        timeoutMs,
        this.#abandon.signal,
      );
      if (invocation.kind === 'abandoned') return;
      const { outcome, failed, error } = this.#classify(invocation, messageIds);
      if (outcome !== 'success') this.#counters.failedInvocations++;
      this.#counters.messagesFailed += failed.size;
      this.#emit('invoked', {
        requestId,
        poller,
        messageIds,
        outcome,
        durationMs: Date.now() - started,
        failedMessageIds: messageIds.filter((id) => failed.has(id)),
        ...(error === undefined ? {} : { error }),
      });
      await this.#delete(
        queueUrl,
        messages.filter((m) => !failed.has(m.MessageId ?? '')),
      );
    } finally {
      this.#inFlight--;
    }
  }

  #classify(
    invocation: Exclude<Awaited<ReturnType<typeof invokeHandler>>, { kind: 'abandoned' }>,
    messageIds: readonly string[],
  ): { outcome: InvocationOutcome; failed: ReadonlySet<string>; error?: unknown } {
    const all = new Set(messageIds);
    if (invocation.kind !== 'returned') {
      return { outcome: invocation.kind, failed: all, error: invocation.error };
    }
    // The response crosses Lambda's API as JSON; an unserialisable one fails the invocation there too.
    let response: unknown;
    try {
      const json = JSON.stringify(invocation.value);
      response = json === undefined ? undefined : JSON.parse(json);
    } catch (error) {
      return { outcome: 'error', failed: all, error };
    }
    const result = classifySqsBatchResponse(
      response,
      messageIds,
      this.config.functionResponseTypes.includes('ReportBatchItemFailures'),
    );
    switch (result.kind) {
      case 'success':
        return { outcome: 'success', failed: new Set() };
      case 'partial':
        return { outcome: 'partial', failed: result.failedMessageIds };
      case 'invalid-response':
        return { outcome: 'invalid-response', failed: all, error: new Error(result.reason) };
      default: {
        const unknown: never = result;
        return unknown;
      }
    }
  }

  /**
   * Deletes what succeeded. A delete that fails leaves the message to be
   * delivered again, which SQS's at-least-once contract allows anyway.
   */
  async #delete(queueUrl: string, messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
      const chunk = messages.slice(i, i + SQS_MAX_BATCH);
      try {
        const out = await this.#sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        const deleted = (out.Successful ?? []).map((s) => chunk[Number(s.Id)]?.MessageId ?? '');
        this.#counters.messagesDeleted += deleted.length;
        if (deleted.length > 0) this.#emit('deleted', { messageIds: deleted });
        for (const failure of out.Failed ?? []) {
          this.#counters.pollErrors++;
          this.#emit('pollError', {
            operation: 'DeleteMessageBatch',
            error: new Error(
              `${chunk[Number(failure.Id)]?.MessageId}: ${failure.Code} ${failure.Message ?? ''}`,
            ),
          });
        }
      } catch (error) {
        this.#counters.pollErrors++;
        this.#emit('pollError', { operation: 'DeleteMessageBatch', error });
      }
    }
  }
}
