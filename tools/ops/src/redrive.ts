import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageSystemAttributeNameForSends,
  type MessageSystemAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

export type RedriveMethod = 'move-task' | 'manual';

export interface RedriveOptions {
  /**
   * The dead-letter queue, or a queue whose RedrivePolicy names one (then
   * its DLQ is drained back into it); a name or a URL.
   */
  readonly queue: string;
  /**
   * Where the messages go: a name or a URL. Default: the queue whose
   * RedrivePolicy names the DLQ (there must be exactly one).
   */
  readonly destination?: string | undefined;
  /**
   * `auto` (default): SQS's own `StartMessageMoveTask` where the endpoint
   * has it (AWS), else the manual move (receive, send, delete).
   */
  readonly method?: 'auto' | RedriveMethod | undefined;
  /** Manual move: stop after this many messages. Default: until the DLQ is empty. */
  readonly maxMessages?: number | undefined;
  /** Manual move: how long a batch stays invisible in the DLQ while it is moved. Default 30 s. */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /**
   * Manual move: `WaitTimeSeconds` of each receive. Default 0, because the
   * local emulator serves one request at a time and a long poll would stall
   * it; SQS short polls sample a subset of servers, so the move stops only
   * after `emptyReceivesToStop` empty receives in a row.
   */
  readonly waitTimeSeconds?: number | undefined;
  readonly emptyReceivesToStop?: number | undefined;
  /** Move task: how often its progress is read, and how long to wait for it. */
  readonly taskPollIntervalMs?: number | undefined;
  readonly taskTimeoutMs?: number | undefined;
  readonly log?: ((message: string) => void) | undefined;
}

export interface RedriveResult {
  readonly deadLetterQueueUrl: string;
  readonly destinationQueueUrl: string;
  readonly method: RedriveMethod;
  /** Messages now on the destination and gone from the DLQ. */
  readonly moved: number;
  /** Messages that could not be sent; they stay in the DLQ. */
  readonly failed: number;
  /**
   * Sent to the destination but not deleted from the DLQ: a later redrive
   * sends them again (consumers must be idempotent; the notifier is).
   */
  readonly notDeleted: number;
  /** For `auto`: why the move task was not used. */
  readonly fallbackReason?: string;
  readonly taskHandle?: string;
}

/** Error names an SQS endpoint gives for an API it does not implement. */
const UNSUPPORTED = new Set([
  'UnsupportedOperation',
  'InvalidAction',
  'NotImplemented',
  'UnknownOperationException',
]);

interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

/**
 * Moves the messages of a dead-letter queue back to its source queue (or
 * another), reporting counts. Plain SQS API calls, so it works on the local
 * cloud and on AWS alike: AWS takes the move task; an emulator without it
 * (moto) gets the manual move.
 */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const log = options.log ?? (() => {});
  const { dlq, destination } = await resolveQueues(sqs, options);
  log(`redriving ${dlq.url} -> ${destination.url}`);
  const method = options.method ?? 'auto';
  let fallbackReason: string | undefined;
  if (method !== 'manual') {
    try {
      return await moveTask(sqs, dlq, destination, options);
    } catch (error) {
      if (method === 'move-task' || !isUnsupported(error)) throw error;
      fallbackReason = `StartMessageMoveTask is not available here (${(error as Error).name})`;
      log(`${fallbackReason}; moving messages one batch at a time`);
    }
  }
  const counts = await manualMove(sqs, dlq, destination, options);
  log(`moved ${counts.moved}, failed ${counts.failed}, sent but not deleted ${counts.notDeleted}`);
  return {
    deadLetterQueueUrl: dlq.url,
    destinationQueueUrl: destination.url,
    method: 'manual',
    ...counts,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
  };
}

function isUnsupported(error: unknown): boolean {
  // An endpoint without the API may answer with anything, even an HTML page
  // the SDK cannot parse: only a modelled SQS error is a real refusal.
  if (!(error instanceof SQSServiceException)) return true;
  return UNSUPPORTED.has(error.name);
}

async function queueUrlOf(sqs: SQSClient, nameOrUrl: string): Promise<string> {
  if (/^https?:\/\//.test(nameOrUrl)) return nameOrUrl;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: nameOrUrl }));
  if (QueueUrl === undefined) throw new Error(`queue ${nameOrUrl} has no URL`);
  return QueueUrl;
}

async function describeQueue(
  sqs: SQSClient,
  url: string,
): Promise<QueueRef & { deadLetterTargetArn: string | undefined }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'RedrivePolicy'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${url} has no ARN`);
  const policy = Attributes?.RedrivePolicy;
  const target =
    policy === undefined || policy === ''
      ? undefined
      : (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  return { url, arn, deadLetterTargetArn: target };
}

async function urlOfArn(sqs: SQSClient, arn: string): Promise<string> {
  const parts = arn.split(':');
  const name = parts[5];
  const account = parts[4];
  if (name === undefined || account === undefined) throw new Error(`not a queue ARN: ${arn}`);
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  if (QueueUrl === undefined) throw new Error(`queue ${arn} has no URL`);
  return QueueUrl;
}

async function resolveQueues(
  sqs: SQSClient,
  options: RedriveOptions,
): Promise<{ dlq: QueueRef; destination: QueueRef }> {
  const given = await describeQueue(sqs, await queueUrlOf(sqs, options.queue));
  const explicit =
    options.destination === undefined
      ? undefined
      : await describeQueue(sqs, await queueUrlOf(sqs, options.destination));
  if (given.deadLetterTargetArn !== undefined) {
    // A source queue was named: drain its DLQ back into it.
    const dlq = await describeQueue(sqs, await urlOfArn(sqs, given.deadLetterTargetArn));
    return { dlq, destination: explicit ?? given };
  }
  if (explicit !== undefined) return { dlq: given, destination: explicit };
  const sources: string[] = [];
  let token: string | undefined;
  do {
    const out = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: given.url, NextToken: token }),
    );
    sources.push(...(out.queueUrls ?? []));
    token = out.NextToken;
  } while (token !== undefined);
  const [only, ...others] = sources;
  if (only === undefined) {
    throw new Error(
      `${given.url} is no queue's dead-letter queue and has no RedrivePolicy: name the destination`,
    );
  }
  if (others.length > 0) {
    throw new Error(
      `${given.url} is the dead-letter queue of ${sources.length} queues (${sources.join(', ')}): name the destination`,
    );
  }
  return { dlq: given, destination: await describeQueue(sqs, only) };
}

async function moveTask(
  sqs: SQSClient,
  dlq: QueueRef,
  destination: QueueRef,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const started = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: destination.arn }),
  );
  const interval = options.taskPollIntervalMs ?? 1_000;
  const deadline = Date.now() + (options.taskTimeoutMs ?? 10 * 60_000);
  for (;;) {
    // The newest task comes first; only a running one carries its handle.
    const { Results } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 }),
    );
    const task = Results?.[0];
    if (task !== undefined && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      if (task.Status === 'FAILED') {
        throw new Error(`message move task failed: ${task.FailureReason ?? 'no reason given'}`);
      }
      const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
      const toMove = task.ApproximateNumberOfMessagesToMove ?? moved;
      return {
        deadLetterQueueUrl: dlq.url,
        destinationQueueUrl: destination.url,
        method: 'move-task',
        moved,
        failed: Math.max(0, toMove - moved),
        notDeleted: 0,
        ...(started.TaskHandle === undefined ? {} : { taskHandle: started.TaskHandle }),
      };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `message move task ${started.TaskHandle ?? ''} still running; follow it with ListMessageMoveTasks`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** What a moved message keeps: body, attributes, trace header and, on FIFO queues, group and dedup ids. */
function toSendEntry(message: Message, id: string): SendMessageBatchRequestEntry {
  const a = message.Attributes ?? {};
  const trace = a.AWSTraceHeader;
  const system: Partial<Record<MessageSystemAttributeNameForSends, MessageSystemAttributeValue>> =
    trace === undefined ? {} : { AWSTraceHeader: { DataType: 'String', StringValue: trace } };
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes === undefined ||
    Object.keys(message.MessageAttributes).length === 0
      ? {}
      : { MessageAttributes: message.MessageAttributes }),
    ...(Object.keys(system).length === 0 ? {} : { MessageSystemAttributes: system }),
    ...(a.MessageGroupId === undefined ? {} : { MessageGroupId: a.MessageGroupId }),
    ...(a.MessageDeduplicationId === undefined
      ? {}
      : { MessageDeduplicationId: a.MessageDeduplicationId }),
  };
}

async function manualMove(
  sqs: SQSClient,
  dlq: QueueRef,
  destination: QueueRef,
  options: RedriveOptions,
): Promise<{ moved: number; failed: number; notDeleted: number }> {
  const max = options.maxMessages ?? Number.POSITIVE_INFINITY;
  const waitTimeSeconds = options.waitTimeSeconds ?? 0;
  const emptyToStop = waitTimeSeconds > 0 ? 1 : (options.emptyReceivesToStop ?? 3);
  let moved = 0;
  let failed = 0;
  let notDeleted = 0;
  let empty = 0;
  while (moved + failed + notDeleted < max && empty < emptyToStop) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq.url,
        MaxNumberOfMessages: Math.min(10, max - moved - failed - notDeleted),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const batch = Messages ?? [];
    if (batch.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    const sent = await send(sqs, destination.url, batch);
    failed += batch.length - sent.length;
    // Delete only what reached the destination: a failed send stays in the DLQ.
    const deleted = await remove(sqs, dlq.url, sent);
    moved += deleted;
    notDeleted += sent.length - deleted;
  }
  return { moved, failed, notDeleted };
}

/** Sends a batch; returns the messages the destination accepted. */
async function send(sqs: SQSClient, url: string, batch: readonly Message[]): Promise<Message[]> {
  try {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: batch.map((m, i) => toSendEntry(m, String(i))),
      }),
    );
    return (out.Successful ?? [])
      .map((s) => batch[Number(s.Id)])
      .filter((m): m is Message => m !== undefined);
  } catch {
    // A batch can be refused whole (e.g. over the batch size limit): try each message alone.
    const accepted: Message[] = [];
    for (const message of batch) {
      const { Id: _id, ...entry } = toSendEntry(message, '0');
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: url, ...entry }));
        accepted.push(message);
      } catch {
        // Stays in the DLQ, counted as failed.
      }
    }
    return accepted;
  }
}

/** Deletes moved messages from the DLQ; returns how many were deleted. */
async function remove(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<number> {
  if (messages.length === 0) return 0;
  try {
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    return out.Successful?.length ?? 0;
  } catch {
    return 0;
  }
}
