import { FUNCTION_ENV as ENV } from '@atm-ledger/contracts';
import { type AwsEndpoint, AwsEndpointSetting, loadConfig } from '@atm-ledger/runtime';
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
  [ENV.ledgerAwsEndpoint]: AwsEndpointSetting.optional(),
  /** Idempotency records: string keys pk/sk, TTL attribute `expiresAt`. */
  [ENV.notifierTableName]: z.string().min(1),
  /** The kinds this deployment sends, e.g. `RECEIPT` or `LOW_BALANCE,OVERDRAWN,LARGE_WITHDRAWAL,WITHDRAWAL_REJECTED`. */
  [ENV.notifierKinds]: Kinds,
  /** `{"<accountId>": {"email": "...", "phone": "+1..."}}` for the `ses` and `sms` channels. */
  [ENV.notifierContactsJson]: Contacts.optional(),
  [ENV.notifierLargeWithdrawalThreshold]: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_LARGE_WITHDRAWAL_THRESHOLD),
  /**
   * How long a sent notification is remembered. Longer than SQS's longest
   * retention (14 days), so no redelivery or redrive of a kept message can
   * send twice; an EventBridge archive replay older than this does.
   */
  [ENV.notifierIdempotencyTtlSeconds]: z.coerce
    .number()
    .int()
    .min(60)
    .default(15 * 24 * 3600),
  /** How long a claim holds outside Lambda (the local cloud gives a context too). */
  [ENV.notifierInProgressSeconds]: z.coerce.number().int().min(1).max(900).default(60),
  [ENV.notifierBatchConcurrency]: z.coerce.number().int().min(1).max(100).default(10),
});

/** Where notifications go (`NOTIFIER_CHANNEL`), and what each channel needs. */
const Channel = z.discriminatedUnion(ENV.notifierChannel, [
  z.object({
    [ENV.notifierChannel]: z.literal('jsonl'),
    /** The file the `jsonl` channel appends to. */
    [ENV.notifierJsonlPath]: z.string().min(1),
  }),
  z.object({
    [ENV.notifierChannel]: z.literal('ses'),
    /** Verified SES sender identity. */
    [ENV.notifierSesFrom]: z.email(),
    [ENV.notifierSesConfigurationSet]: z.string().min(1).optional(),
  }),
  z.object({
    [ENV.notifierChannel]: z.literal('sms'),
    [ENV.notifierSmsSenderId]: z
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
  readonly endpoint: AwsEndpoint | undefined;
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
  const contacts = c[ENV.notifierContactsJson] ?? {};
  // TypeScript narrows the union by `c[key]` only when the key is a plain
  // identifier, not a property access such as `ENV.notifierChannel`.
  const kind = ENV.notifierChannel;
  const channel: NotifierChannelConfig =
    c[kind] === 'jsonl'
      ? { kind: 'jsonl', path: c[ENV.notifierJsonlPath] }
      : c[kind] === 'ses'
        ? {
            kind: 'ses',
            from: c[ENV.notifierSesFrom],
            configurationSet: c[ENV.notifierSesConfigurationSet],
            contacts,
          }
        : { kind: 'sms', senderId: c[ENV.notifierSmsSenderId], contacts };
  return {
    region: c.AWS_REGION,
    endpoint: c[ENV.ledgerAwsEndpoint],
    tableName: c[ENV.notifierTableName],
    kinds: new Set(c[ENV.notifierKinds]),
    channel,
    largeWithdrawalThreshold: c[ENV.notifierLargeWithdrawalThreshold],
    idempotencyTtlSeconds: c[ENV.notifierIdempotencyTtlSeconds],
    inProgressSeconds: c[ENV.notifierInProgressSeconds],
    batchConcurrency: c[ENV.notifierBatchConcurrency],
  };
}
