import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseArn } from './config.js';

/** Why a batch was discarded, as Lambda words it in `requestContext.condition`. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** Position and timing of a discarded batch (`KinesisBatchInfo` / `DDBStreamBatchInfo`). */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/**
 * The document Lambda sends to a stream mapping's on-failure destination. It
 * describes the batch but does not contain its records: a consumer re-reads
 * them from the stream by sequence number while they are retained.
 */
export interface StreamOnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DiscardCondition;
    readonly approximateInvokeCount: number;
  };
  /** Absent when the batch was discarded without ever reaching the function. */
  readonly responseContext?: {
    readonly statusCode: number;
    readonly executedVersion: string;
    /** `'Unhandled'` when the function threw or timed out; absent for a reported partial failure. */
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  /** Keyed `KinesisBatchInfo` or `DDBStreamBatchInfo` by source. */
  readonly [batchInfoKey: string]: unknown;
}

export interface OnFailureRecordInput {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: DiscardCondition;
  readonly approximateInvokeCount: number;
  /** How the last invocation ended, if there was one. */
  readonly lastInvocation?: { readonly functionError: boolean } | undefined;
  readonly batchInfoKey: string;
  readonly batchInfo: StreamBatchInfo;
  readonly at?: Date;
}

export function buildOnFailureRecord(input: OnFailureRecordInput): StreamOnFailureRecord {
  const record: Record<string, unknown> = {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
  };
  if (input.lastInvocation !== undefined) {
    record.responseContext = {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(input.lastInvocation.functionError ? { functionError: 'Unhandled' } : {}),
    };
  }
  record.version = '1.0';
  record.timestamp = (input.at ?? new Date()).toISOString();
  record[input.batchInfoKey] = input.batchInfo;
  return record as StreamOnFailureRecord;
}

/** Sends on-failure records to an SQS queue given by ARN, as the mapping's `DestinationConfig` names it. */
export class SqsOnFailureDestination {
  readonly #client: SQSClient;
  readonly queueArn: string;
  #queueUrl: Promise<string> | undefined;

  constructor(client: SQSClient, queueArn: string) {
    this.#client = client;
    this.queueArn = queueArn;
  }

  async send(record: StreamOnFailureRecord, signal?: AbortSignal): Promise<void> {
    const queueUrl = await this.#resolveUrl(signal);
    await this.#client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }),
      { abortSignal: signal },
    );
  }

  #resolveUrl(signal?: AbortSignal): Promise<string> {
    if (this.#queueUrl === undefined) {
      const { accountId, resource } = parseArn(this.queueArn);
      const pending = this.#client
        .send(new GetQueueUrlCommand({ QueueName: resource, QueueOwnerAWSAccountId: accountId }), {
          abortSignal: signal,
        })
        .then((out) => {
          if (out.QueueUrl === undefined) throw new Error(`no URL for queue ${this.queueArn}`);
          return out.QueueUrl;
        });
      // A failed lookup (queue not created yet) is retried on the next send.
      pending.catch(() => {
        if (this.#queueUrl === pending) this.#queueUrl = undefined;
      });
      this.#queueUrl = pending;
    }
    return this.#queueUrl;
  }
}
