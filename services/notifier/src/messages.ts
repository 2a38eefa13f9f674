import { LedgerEvent } from '@atm-ledger/contracts';

/** Where a ledger event travelled through before it reached the queue; for logs and tracing. */
export interface Envelope {
  /** Present when the body was SNS's envelope (subscription without raw delivery). */
  readonly sns?: { readonly messageId?: string; readonly topicArn?: string };
  /** Present when the event came wrapped in an EventBridge event. */
  readonly eventBridge?: {
    readonly id?: string;
    readonly detailType?: string;
    readonly source?: string;
  };
}

export type ParsedMessage =
  | { readonly ok: true; readonly event: LedgerEvent; readonly envelope: Envelope }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads a ledger event out of an SQS message body. Queues are subscribed to
 * SNS; with raw message delivery the body is the event itself, without it the
 * body is SNS's envelope whose `Message` holds the event. Both are accepted so
 * a subscription setting cannot silently break the notifier. Inside, the
 * ledger event is either bare or the `detail` of an EventBridge event.
 */
export function parseLedgerEventMessage(body: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  let sns: Envelope['sns'];
  if (isSnsEnvelope(value)) {
    sns = {
      ...(typeof value.MessageId === 'string' ? { messageId: value.MessageId } : {}),
      ...(typeof value.TopicArn === 'string' ? { topicArn: value.TopicArn } : {}),
    };
    try {
      value = JSON.parse(value.Message);
    } catch {
      return { ok: false, reason: 'SNS Message is not JSON' };
    }
  }
  let eventBridge: Envelope['eventBridge'];
  // EventBridge targets receive the whole event; the ledger event is its `detail`.
  if (isEventBridgeEvent(value)) {
    eventBridge = {
      ...(typeof value.id === 'string' ? { id: value.id } : {}),
      ...(typeof value['detail-type'] === 'string' ? { detailType: value['detail-type'] } : {}),
      ...(typeof value.source === 'string' ? { source: value.source } : {}),
    };
    value = value.detail;
  }
  const parsed = LedgerEvent.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues
        .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
        .join('; '),
    };
  }
  return {
    ok: true,
    event: parsed.data,
    envelope: {
      ...(sns === undefined ? {} : { sns }),
      ...(eventBridge === undefined ? {} : { eventBridge }),
    },
  };
}

function isSnsEnvelope(
  value: unknown,
): value is { Type: string; Message: string; MessageId?: unknown; TopicArn?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { Type?: unknown }).Type === 'Notification' &&
    typeof (value as { Message?: unknown }).Message === 'string'
  );
}

function isEventBridgeEvent(
  value: unknown,
): value is { detail: unknown; 'detail-type': unknown; id?: unknown; source?: unknown } {
  return typeof value === 'object' && value !== null && 'detail' in value && 'detail-type' in value;
}
