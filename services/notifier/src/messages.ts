import { LedgerEvent } from '@atm-ledger/contracts';

export type ParsedMessage =
  | { readonly ok: true; readonly event: LedgerEvent }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads a ledger event out of an SQS message body. Queues are subscribed to
 * SNS; with raw message delivery the body is the event itself, without it the
 * body is SNS's envelope whose `Message` holds the event. Both are accepted so
 * a subscription setting cannot silently break the notifier.
 */
export function parseLedgerEventMessage(body: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (isSnsEnvelope(value)) {
    try {
      value = JSON.parse(value.Message);
    } catch {
      return { ok: false, reason: 'SNS Message is not JSON' };
    }
  }
  // EventBridge targets receive the whole event; the ledger event is its `detail`.
  if (typeof value === 'object' && value !== null && 'detail' in value && 'detail-type' in value) {
    value = (value as { detail: unknown }).detail;
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
  return { ok: true, event: parsed.data };
}

function isSnsEnvelope(value: unknown): value is { Type: string; Message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { Type?: unknown }).Type === 'Notification' &&
    typeof (value as { Message?: unknown }).Message === 'string'
  );
}
