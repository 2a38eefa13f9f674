import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { SdkRequestHandlerDecorator } from '@atm-ledger/runtime';
import type { FaultJournal } from './journal.js';
import type { FaultDice } from './spec.js';

/*
 * Fault injection at the SDK clients' HTTP handler, the innermost step of a
 * client's middleware stack. Everything above it is the real SDK: an injected
 * throttle or 5xx is a synthetic HTTP response in the service's own protocol,
 * which the real deserializer turns into the real exception class and the
 * real retry strategy classifies (and retries) as it would the service's; an
 * injected timeout is the error the Node HTTP handler itself raises. Our
 * adapters then see exactly what they would see in AWS.
 */

type DecoratedHandler = ReturnType<SdkRequestHandlerDecorator>;
type InnerHandler = Parameters<SdkRequestHandlerDecorator>[0];
type HttpRequest = Parameters<DecoratedHandler['handle']>[0];
type HandlerOptions = Parameters<DecoratedHandler['handle']>[1];
type Handled = Awaited<ReturnType<DecoratedHandler['handle']>>;
type HttpResponse = Handled['response'];

type Service = 'dynamodb' | 'dynamodbstreams' | 'kinesis' | 'events' | 'sqs' | 'sns';

/** The service and operation a request is for, read from the wire as AWS reads it. */
interface Operation {
  readonly service: Service;
  readonly name: string;
  readonly write: boolean;
  readonly region: string;
  /** DynamoDB only: the (first) table the request names, for the throttling reason. */
  readonly table?: string | undefined;
}

/** `X-Amz-Target` prefixes of the JSON protocols (awsJson1_0 / awsJson1_1) our clients speak. */
const JSON_TARGETS: Readonly<Record<string, Service>> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodbstreams',
  Kinesis_20131202: 'kinesis',
  AWSEvents: 'events',
  // SQS speaks awsJson1_0 since SDK 3.460 (with query-compatible error codes).
  AmazonSQS: 'sqs',
};

/** Calls that write: only these can time out (or crash) after their write succeeded. */
const WRITE_OPERATIONS = new Set([
  'TransactWriteItems',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'PutRecord',
  'PutRecords',
  'PutEvents',
  'SendMessage',
  'SendMessageBatch',
  'Publish',
  'PublishBatch',
]);

const LOCAL_ACCOUNT = '123456789012';

function header(request: HttpRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

const utf8 = new TextDecoder();

function bodyText(request: HttpRequest): string | undefined {
  const body: unknown = request.body;
  if (typeof body === 'string') return body;
  // Decoded from the bytes: the JSON codec's body adapter warns on string coercion (valueOf).
  if (body instanceof Uint8Array) return utf8.decode(body);
  return undefined;
}

/** The signing scope's region and service: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function credentialScope(request: HttpRequest): { region?: string; service?: string } {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    header(request, 'authorization') ?? '',
  );
  return { region: match?.[1], service: match?.[2] };
}

function dynamoDbTable(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const input = JSON.parse(body) as {
      TableName?: unknown;
      TransactItems?: Record<string, { TableName?: unknown } | undefined>[];
      RequestItems?: Record<string, unknown>;
    };
    if (typeof input.TableName === 'string') return input.TableName;
    const first = input.TransactItems?.[0];
    const named = first === undefined ? undefined : Object.values(first)[0]?.TableName;
    if (typeof named === 'string') return named;
    return input.RequestItems === undefined ? undefined : Object.keys(input.RequestItems)[0];
  } catch {
    return undefined;
  }
}

/** Which call this is; `undefined` for a protocol we do not model (it is never faulted). */
function identifyOperation(request: HttpRequest): Operation | undefined {
  const scope = credentialScope(request);
  const region = scope.region ?? 'us-east-1';
  const target = header(request, 'x-amz-target');
  if (target !== undefined) {
    const dot = target.lastIndexOf('.');
    const service = JSON_TARGETS[target.slice(0, dot)];
    if (service === undefined || dot < 0) return undefined;
    const name = target.slice(dot + 1);
    const body = service === 'dynamodb' ? bodyText(request) : undefined;
    return { service, name, write: WRITE_OPERATIONS.has(name), region, table: dynamoDbTable(body) };
  }
  // The query protocol (SNS): a form body naming the Action.
  const body = bodyText(request);
  if (scope.service !== 'sns' || body === undefined) return undefined;
  const name = new URLSearchParams(body).get('Action');
  if (name === null) return undefined;
  return { service: 'sns', name, write: WRITE_OPERATIONS.has(name), region };
}

function response(
  statusCode: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): HttpResponse {
  const bytes = Buffer.from(text, 'utf8');
  return {
    statusCode,
    headers: {
      'content-type': contentType,
      'content-length': String(bytes.length),
      date: new Date().toUTCString(),
      ...headers,
    },
    // A stream, as the Node handler gives: the SDK reads it through the same stream collector.
    body: Readable.from([bytes], { objectMode: false }),
  };
}

function jsonError(
  statusCode: number,
  contentType: string,
  type: string,
  fields: Record<string, unknown>,
  requestId: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return response(statusCode, contentType, JSON.stringify({ __type: type, ...fields }), {
    'x-amzn-requestid': requestId,
    ...headers,
  });
}

function queryError(
  statusCode: number,
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
  requestId: string,
) {
  const xml =
    '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
    `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return response(statusCode, 'text/xml', xml, { 'x-amzn-requestid': requestId });
}

const DDB_JSON = 'application/x-amz-json-1.0';
const JSON_1_1 = 'application/x-amz-json-1.1';

/**
 * What each service answers when it throttles a call.
 *
 * DynamoDB: `ProvisionedThroughputExceededException`, HTTP 400, with a
 * `ThrottlingReasons` list. Our tables are on-demand, and what throttles an
 * on-demand table in practice is a hot partition (one busy account): DynamoDB
 * reports that, in both capacity modes, as this exception with the reason
 * `Table{Read,Write}KeyRangeThroughputExceeded`. `ThrottlingException` is the
 * control plane's (CreateTable and the like, too fast); `RequestLimitExceeded`
 * is the account-level quota. Kinesis: `ProvisionedThroughputExceededException`
 * (400, per shard). EventBridge: `ThrottlingException` (400). SQS:
 * `RequestThrottled`, HTTP 403 as in its service model (SQS answers throttles
 * with 403 "Request is throttled"), with the query-compatible error header.
 * SNS: `Throttled` (`ThrottledException`), HTTP 429. Streams: `LimitExceededException`.
 */
function throttled(op: Operation, requestId: string): HttpResponse {
  switch (op.service) {
    case 'dynamodb': {
      const kind = op.write ? 'Write' : 'Read';
      const reason = {
        reason: `Table${kind}KeyRangeThroughputExceeded`,
        ...(op.table === undefined
          ? {}
          : { resource: `arn:aws:dynamodb:${op.region}:${LOCAL_ACCOUNT}:table/${op.table}` }),
      };
      return jsonError(
        400,
        DDB_JSON,
        'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        {
          message:
            'Throughput exceeds the current capacity for one or more partitions of the table.',
          ThrottlingReasons: [reason],
        },
        requestId,
      );
    }
    case 'dynamodbstreams':
      return jsonError(
        400,
        DDB_JSON,
        'com.amazonaws.dynamodb.v20120810#LimitExceededException',
        { message: 'Rate exceeded' },
        requestId,
      );
    case 'kinesis':
      return jsonError(
        400,
        JSON_1_1,
        'ProvisionedThroughputExceededException',
        { message: 'Rate exceeded for shard in stream.' },
        requestId,
      );
    case 'events':
      return jsonError(
        400,
        JSON_1_1,
        'ThrottlingException',
        { message: 'Rate exceeded' },
        requestId,
      );
    case 'sqs':
      return jsonError(
        403,
        DDB_JSON,
        'com.amazonaws.sqs#RequestThrottled',
        { message: 'Request is throttled.' },
        requestId,
        { 'x-amzn-query-error': 'RequestThrottled;Sender' },
      );
    case 'sns':
      return queryError(429, 'Sender', 'Throttled', 'Rate exceeded', requestId);
    default: {
      const never: never = op.service;
      throw new Error(`no throttle response for ${String(never)}`);
    }
  }
}

/**
 * What each service answers when it fails on its side: HTTP 500 with its
 * modelled internal error (DynamoDB and its streams `InternalServerError`,
 * Kinesis `InternalFailureException`, EventBridge `InternalException`, SNS
 * `InternalError`) or, for SQS, which models none, AWS's common `InternalFailure`.
 */
function serverError(op: Operation, requestId: string): HttpResponse {
  switch (op.service) {
    case 'dynamodb':
    case 'dynamodbstreams':
      return jsonError(
        500,
        DDB_JSON,
        'com.amazonaws.dynamodb.v20120810#InternalServerError',
        { message: 'Internal server error' },
        requestId,
      );
    case 'kinesis':
      return jsonError(
        500,
        JSON_1_1,
        'InternalFailureException',
        { message: 'Internal service failure.' },
        requestId,
      );
    case 'events':
      return jsonError(
        500,
        JSON_1_1,
        'InternalException',
        { message: 'Internal error' },
        requestId,
      );
    case 'sqs':
      return jsonError(
        500,
        DDB_JSON,
        'com.amazon.coral.service#InternalFailure',
        { message: 'The request processing has failed because of an unknown error.' },
        requestId,
        { 'x-amzn-query-error': 'InternalFailure;Receiver' },
      );
    case 'sns':
      return queryError(500, 'Receiver', 'InternalError', 'Internal error', requestId);
    default: {
      const never: never = op.service;
      throw new Error(`no server error response for ${String(never)}`);
    }
  }
}

/**
 * The error the Node HTTP handler raises when a request outlives its
 * `requestTimeout` (with `throwOnRequestTimeout`): same name, code and message,
 * so the SDK's retry strategy treats it as the transient error it is.
 */
function requestTimeoutError(timeoutMs: number): Error {
  return Object.assign(
    new Error(
      `@smithy/node-http-handler - [ERROR] a request has exceeded the configured ${timeoutMs} ms requestTimeout.`,
    ),
    { name: 'TimeoutError', code: 'ETIMEDOUT' },
  );
}

/** The items of a TransactWriteItems request, one cancellation reason each; 0 if unreadable. */
function transactItemCount(request: HttpRequest): number {
  try {
    const input = JSON.parse(bodyText(request) ?? '') as { TransactItems?: unknown };
    return Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
  } catch {
    return 0;
  }
}

/**
 * DynamoDB cancelling a transaction because one of its items sits on a
 * throttled partition: HTTP 400 `TransactionCanceledException`, one
 * cancellation reason per item in request order, `ThrottlingError` on the
 * last and `None` on the others, and AWS's message listing the codes. The
 * SDK does not retry it (it is not a throttling error to the SDK), so our
 * own code must read the reasons and tell it from a failed condition.
 */
function transactionThrottled(itemCount: number, requestId: string): HttpResponse {
  const reasons = Array.from({ length: itemCount }, (_, i) =>
    i === itemCount - 1
      ? {
          Code: 'ThrottlingError',
          Message: 'Throughput exceeds the current capacity of your table or index.',
        }
      : { Code: 'None' },
  );
  return jsonError(
    400,
    DDB_JSON,
    'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    {
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      CancellationReasons: reasons,
    },
    requestId,
  );
}

interface PutRecordsInput {
  readonly Records: readonly unknown[];
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

function putRecordsInput(request: HttpRequest): PutRecordsInput | undefined {
  try {
    const input = JSON.parse(bodyText(request) ?? '') as Partial<PutRecordsInput>;
    return Array.isArray(input.Records) && input.Records.length > 0
      ? (input as PutRecordsInput)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The request with another JSON body (moto checks no signature; AWS would). */
function withBody(request: HttpRequest, text: string): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() !== 'content-length') headers[key] = value;
  }
  headers['content-length'] = String(Buffer.byteLength(text));
  return Object.assign(Object.create(Object.getPrototypeOf(request) as object) as HttpRequest, {
    ...request,
    headers,
    body: text,
  });
}

async function readText(res: HttpResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Kinesis accepting part of a PutRecords: HTTP 200 with `FailedRecordCount`
 * and, in request order, a result per record. The records at even positions
 * (the first, the third, ...) are refused with
 * `ProvisionedThroughputExceededException` and never reach the stream; the
 * others are really put, with the stream's own sequence numbers. A one-record
 * batch is refused whole, still with a 200. The SDK sees a success; only the
 * caller's own reading of `Records[i].ErrorCode` can tell.
 */
async function partialPutRecords(
  inner: InnerHandler,
  request: HttpRequest,
  options: HandlerOptions | undefined,
  input: PutRecordsInput,
): Promise<Handled> {
  const refused = (i: number) => i % 2 === 0;
  const kept = input.Records.filter((_, i) => !refused(i));
  let results: unknown[] = [];
  let extra: Record<string, unknown> = {};
  let requestId = `fault-${randomUUID()}`;
  if (kept.length > 0) {
    const forwarded = await inner.handle(
      withBody(request, JSON.stringify({ ...input, Records: kept })),
      options,
    );
    if (!isSuccess(forwarded.response)) return forwarded;
    const output = JSON.parse(await readText(forwarded.response)) as {
      Records?: unknown[];
      [key: string]: unknown;
    };
    results = output.Records ?? [];
    const { Records: _records, FailedRecordCount: _count, ...rest } = output;
    extra = rest;
    requestId = forwarded.response.headers['x-amzn-requestid'] ?? requestId;
  }
  const stream = input.StreamName ?? input.StreamARN?.split('/').pop() ?? 'unknown';
  let next = 0;
  const merged = input.Records.map((_, i) =>
    refused(i)
      ? {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard in stream ${stream} under account ${LOCAL_ACCOUNT}.`,
        }
      : results[next++],
  );
  const failed = merged.filter(
    (r) => typeof r === 'object' && r !== null && 'ErrorCode' in r && r.ErrorCode !== undefined,
  ).length;
  return {
    response: response(
      200,
      JSON_1_1,
      JSON.stringify({ FailedRecordCount: failed, Records: merged, ...extra }),
      { 'x-amzn-requestid': requestId },
    ),
  };
}

/** Reads a response we throw away to its end, so its keep-alive socket goes back to the pool. */
async function discard(res: HttpResponse): Promise<void> {
  const body: unknown = res.body;
  if (body instanceof Readable) {
    body.resume();
    await finished(body).catch(() => {});
  }
}

const isSuccess = (res: HttpResponse) => res.statusCode >= 200 && res.statusCode < 300;

/**
 * Installs fault injection on the HTTP handler of every SDK client built from
 * now on with `sdkClientOptions` (not `platform` ones: the local cloud's own
 * mappings, pipe, pollers and checkpoints are never faulted). Install it
 * before the handler modules are imported: they build their clients then.
 *
 * Per request, in this order, the first class that fires wins (later classes
 * do not count that request as an occurrence):
 * - `throttle`, `server-error`: every call; nothing is sent, the synthetic
 *   error response of that service comes back instead.
 * - `transaction-throttled`: DynamoDB `TransactWriteItems`; nothing is sent,
 *   the transaction comes back cancelled with a `ThrottlingError` reason.
 * - `partial-batch`: Kinesis `PutRecords`; every other record is refused in a
 *   200 answer, the rest are really put.
 * - `timeout-after-write`: writes that succeeded (2xx); the real response is
 *   read and dropped, and the caller gets the handler's request timeout.
 * - `kill-after-write`: writes that succeeded (2xx); journaled, then SIGKILL.
 * An SDK retry is a new request, hence a new occurrence. Each injection is
 * journaled with `service.Operation` as its detail.
 *
 * Returns the request handler to give the functions the local cloud runs (and
 * no client that plays AWS's own part), and `disarm`: from then on, the
 * handlers built with it pass every request through untouched.
 */
export function sdkFaults(
  dice: FaultDice,
  journal: FaultJournal,
): { readonly requestHandler: SdkRequestHandlerDecorator; disarm(): void } {
  let active = true;
  const afterWrite = dice.armed('timeout-after-write') || dice.armed('kill-after-write');

  const decorator: SdkRequestHandlerDecorator = (inner: InnerHandler) => {
    const handle = async (request: HttpRequest, options?: HandlerOptions): Promise<Handled> => {
      const op = active ? identifyOperation(request) : undefined;
      if (op === undefined) return inner.handle(request, options);
      const detail = `${op.service}.${op.name}`;
      if (dice.roll('throttle')) {
        journal.record('throttle', detail);
        return { response: throttled(op, `fault-${randomUUID()}`) };
      }
      if (dice.roll('server-error')) {
        journal.record('server-error', detail);
        return { response: serverError(op, `fault-${randomUUID()}`) };
      }
      if (op.service === 'dynamodb' && op.name === 'TransactWriteItems') {
        const items = transactItemCount(request);
        if (items > 0 && dice.roll('transaction-throttled')) {
          journal.record('transaction-throttled', detail);
          return { response: transactionThrottled(items, `fault-${randomUUID()}`) };
        }
      }
      if (op.service === 'kinesis' && op.name === 'PutRecords' && dice.armed('partial-batch')) {
        const input = putRecordsInput(request);
        if (input !== undefined && dice.roll('partial-batch')) {
          journal.record('partial-batch', detail);
          return partialPutRecords(inner, request, options, input);
        }
      }
      if (!op.write || !afterWrite) return inner.handle(request, options);

      const handled = await inner.handle(request, options);
      if (!isSuccess(handled.response)) return handled;
      if (dice.roll('timeout-after-write')) {
        await discard(handled.response);
        journal.record('timeout-after-write', detail);
        const timeoutMs = options?.requestTimeout ?? inner.httpHandlerConfigs().requestTimeout ?? 0;
        throw requestTimeoutError(timeoutMs);
      }
      if (dice.roll('kill-after-write')) {
        // The write is durable in the service; the process dies before anyone hears of it.
        journal.record('kill-after-write', detail);
        process.kill(process.pid, 'SIGKILL');
      }
      return handled;
    };
    return {
      metadata: inner.metadata,
      handle,
      destroy: () => inner.destroy(),
      updateHttpClientConfig: (key, value) =>
        inner.updateHttpClientConfig(key as never, value as never),
      httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    };
  };

  return {
    requestHandler: decorator,
    disarm: () => {
      active = false;
    },
  };
}
