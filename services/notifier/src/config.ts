import { loadConfig } from '@atm-ledger/runtime';
import * as z from 'zod';
import { DEFAULT_LARGE_WITHDRAWAL_THRESHOLD, NotificationKind } from './domain/index.js';
import type { Contact } from './ports.js';

const Kinds = z.string().transform((raw, ctx) => {
  const kinds = raw
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const unknown = kinds.filter((k) => !NotificationKind.safeParse(k).success);
  if (kinds.length === 0 || unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a comma-separated list of ${NotificationKind.options.join(', ')}${
        unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''
      }`,
    });
    return z.NEVER;
  }
  return kinds as NotificationKind[];
});

const Contacts = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string(),
      z.object({
        email: z.email().optional(),
        phone: z
          .string()
          .regex(/^\+[1-9][0-9]{6,14}$/, 'expected an E.164 phone number')
          .optional(),
      }),
    ),
  );

const Common = z.object({
  AWS_REGION: z.string().min(1),
  /** Emulator endpoint on the local cloud; unset in AWS. */
  LEDGER_AWS_ENDPOINT: z.url().optional(),
  /** Idempotency records: string keys pk/sk, TTL attribute `expiresAt`. */
  NOTIFIER_TABLE_NAME: z.string().min(1),
  /** The kinds this deployment sends, e.g. `RECEIPT` or `LOW_BALANCE,OVERDRAWN,LARGE_WITHDRAWAL,WITHDRAWAL_REJECTED`. */
  NOTIFIER_KINDS: Kinds,
  /** `{"<accountId>": {"email": "...", "phone": "+1..."}}` for the `ses` and `sms` channels. */
  NOTIFIER_CONTACTS_JSON: Contacts.optional(),
  NOTIFIER_LARGE_WITHDRAWAL_THRESHOLD: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_LARGE_WITHDRAWAL_THRESHOLD),
  /**
   * How long a sent notification is remembered. Longer than SQS's longest
   * retention (14 days), so no redelivery or redrive of a kept message can
   * send twice; an EventBridge archive replay older than this does.
   */
  NOTIFIER_IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(15 * 24 * 3600),
  /** How long a claim holds outside Lambda (the local cloud gives a context too). */
  NOTIFIER_IN_PROGRESS_SECONDS: z.coerce.number().int().min(1).max(900).default(60),
  NOTIFIER_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
});

/** Where notifications go (`NOTIFIER_CHANNEL`), and what each channel needs. */
const Channel = z.discriminatedUnion('NOTIFIER_CHANNEL', [
  z.object({
    NOTIFIER_CHANNEL: z.literal('jsonl'),
    /** The file the `jsonl` channel appends to. */
    NOTIFIER_JSONL_PATH: z.string().min(1),
  }),
  z.object({
    NOTIFIER_CHANNEL: z.literal('ses'),
    /** Verified SES sender identity. */
    NOTIFIER_SES_FROM: z.email(),
    NOTIFIER_SES_CONFIGURATION_SET: z.string().min(1).optional(),
  }),
  z.object({
    NOTIFIER_CHANNEL: z.literal('sms'),
    NOTIFIER_SMS_SENDER_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{1,11}$/, 'expected up to 11 letters and digits')
      .optional(),
  }),
]);

// An intersection checks both sides, so every problem is reported at once.
const Schema = z.intersection(Common, Channel);

export type NotifierChannelConfig =
  | { readonly kind: 'jsonl'; readonly path: string }
  | {
      readonly kind: 'ses';
      readonly from: string;
      readonly configurationSet: string | undefined;
      readonly contacts: Readonly<Record<string, Contact>>;
    }
  | {
      readonly kind: 'sms';
      readonly senderId: string | undefined;
      readonly contacts: Readonly<Record<string, Contact>>;
    };

export interface NotifierConfig {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly tableName: string;
  readonly kinds: ReadonlySet<NotificationKind>;
  readonly channel: NotifierChannelConfig;
  readonly largeWithdrawalThreshold: number;
  readonly idempotencyTtlSeconds: number;
  readonly inProgressSeconds: number;
  readonly batchConcurrency: number;
}

/** Settings of a notifier function; the receipts and alerts notifiers differ only in these. */
export function readNotifierConfig(env: Record<string, string | undefined>): NotifierConfig {
  const c = loadConfig(Schema, env);
  const contacts = c.NOTIFIER_CONTACTS_JSON ?? {};
  const channel: NotifierChannelConfig =
    c.NOTIFIER_CHANNEL === 'jsonl'
      ? { kind: 'jsonl', path: c.NOTIFIER_JSONL_PATH }
      : c.NOTIFIER_CHANNEL === 'ses'
        ? {
            kind: 'ses',
            from: c.NOTIFIER_SES_FROM,
            configurationSet: c.NOTIFIER_SES_CONFIGURATION_SET,
            contacts,
          }
        : { kind: 'sms', senderId: c.NOTIFIER_SMS_SENDER_ID, contacts };
  return {
    region: c.AWS_REGION,
    endpoint: c.LEDGER_AWS_ENDPOINT,
    tableName: c.NOTIFIER_TABLE_NAME,
    kinds: new Set(c.NOTIFIER_KINDS),
    channel,
    largeWithdrawalThreshold: c.NOTIFIER_LARGE_WITHDRAWAL_THRESHOLD,
    idempotencyTtlSeconds: c.NOTIFIER_IDEMPOTENCY_TTL_SECONDS,
    inProgressSeconds: c.NOTIFIER_IN_PROGRESS_SECONDS,
    batchConcurrency: c.NOTIFIER_BATCH_CONCURRENCY,
  };
}
