import * as z from 'zod';
import {
  AccountId,
  AtmId,
  AuthorizationId,
  Currency,
  CustomerAccountId,
  MinorUnits,
  NonNegativeMinorUnits,
  Pan,
  Timestamp,
  TransactionId,
} from './primitives.js';

/** Transaction types accepted at the ATM edge. */
export const TransactionType = z.enum([
  'WITHDRAWAL',
  'DEPOSIT',
  'TRANSFER',
  'BALANCE_INQUIRY',
  'REVERSAL',
]);
export type TransactionType = z.infer<typeof TransactionType>;

export const DEFAULT_LOW_BALANCE_THRESHOLD = 10_000;

/** `POST /v1/accounts` */
export const OpenAccountRequest = z
  .strictObject({
    accountId: CustomerAccountId,
    currency: Currency,
    overdraftLimit: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .default(0)
      .describe('How far below zero the balance may go, in minor units'),
    lowBalanceThreshold: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .default(DEFAULT_LOW_BALANCE_THRESHOLD)
      .describe('A posting that takes the balance below this notifies the customer'),
    dailyWithdrawalLimit: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .optional()
      .describe(
        'Most that approved authorizations and withdrawals may take per UTC day of occurredAt, in minor units; absent means no limit',
      ),
  })
  .meta({ id: 'OpenAccountRequest' });
export type OpenAccountRequest = z.output<typeof OpenAccountRequest>;
export type OpenAccountInput = z.input<typeof OpenAccountRequest>;

export const AccountView = z
  .object({
    accountId: AccountId,
    currency: Currency,
    balance: z.number().int().describe('Credits minus debits from the customer side, minor units'),
    overdraftLimit: z.number().int(),
    lowBalanceThreshold: z.number().int(),
    heldAmount: z
      .number()
      .int()
      .min(0)
      .describe('Sum of the approved authorizations not yet completed, released or expired'),
    availableBalance: z
      .number()
      .int()
      .describe('balance + overdraftLimit - heldAmount: what an authorization may take now'),
    dailyWithdrawalLimit: z.number().int().min(0).optional(),
    version: z.number().int().min(0),
    updatedAt: Timestamp,
  })
  .meta({ id: 'Account' });
export type AccountView = z.infer<typeof AccountView>;

const common = {
  transactionId: TransactionId,
  accountId: CustomerAccountId,
  atmId: AtmId,
  occurredAt: Timestamp,
  pan: Pan.optional(),
};

/**
 * The fields of a withdrawal, before the rule that keeps `authorizationId`
 * and `advice` apart (kept apart for the same reason as {@link ReversalFields}).
 */
export const WithdrawalFields = z.strictObject({
  ...common,
  type: z.literal('WITHDRAWAL'),
  amount: MinorUnits,
  currency: Currency,
  authorizationId: AuthorizationId.optional().describe(
    'Completes this authorization: posts against its hold, never rejected for funds; amount may be less than authorized (a partial dispense), and the rest of the hold is released',
  ),
  advice: z
    .boolean()
    .optional()
    .describe(
      'Another system authorized it and the ATM dispensed: it posts even beyond the overdraft limit; only an unknown account or a currency mismatch rejects it',
    ),
});

/** A completion names its authorization; an advice has none. Both at once is a contradiction. */
export function adviceWithoutAuthorization(value: object, ctx: z.RefinementCtx): void {
  const { authorizationId, advice } = value as { authorizationId?: unknown; advice?: unknown };
  if (authorizationId === undefined || advice !== true) return;
  ctx.addIssue({
    code: 'custom',
    path: ['advice'],
    message:
      'expected no advice with an authorizationId: a completion posts against its hold, an advice has no authorization',
  });
}

export const WithdrawalRequest = WithdrawalFields.superRefine(adviceWithoutAuthorization).meta({
  id: 'WithdrawalRequest',
  // The refinement, as JSON Schema says it, so OpenAPI readers and fuzzers know it too.
  not: { required: ['authorizationId', 'advice'], properties: { advice: { const: true } } },
  description: 'A completion (authorizationId) is never an advice',
});
export const DepositRequest = z
  .strictObject({ ...common, type: z.literal('DEPOSIT'), amount: MinorUnits, currency: Currency })
  .meta({ id: 'DepositRequest' });
export const TransferRequest = z
  .strictObject({
    ...common,
    type: z.literal('TRANSFER'),
    amount: MinorUnits,
    currency: Currency,
    toAccountId: CustomerAccountId,
  })
  .meta({ id: 'TransferRequest' });
export const BalanceInquiryRequest = z
  .strictObject({ ...common, type: z.literal('BALANCE_INQUIRY') })
  .meta({ id: 'BalanceInquiryRequest' });
/**
 * The fields of a reversal, before the rule that ties `amount` and
 * `currency` together (kept apart because zod cannot `omit` from a refined
 * object, and the stream's shape omits the PAN).
 */
export const ReversalFields = z.strictObject({
  ...common,
  type: z.literal('REVERSAL'),
  originalTransactionId: TransactionId.optional().describe(
    'The transaction it reverses; exactly one of originalTransactionId and authorizationId',
  ),
  authorizationId: AuthorizationId.optional().describe(
    "Releases this authorization's hold (an approved one not yet completed): no entries; exactly one of originalTransactionId and authorizationId",
  ),
  dispensedAmount: NonNegativeMinorUnits.optional().describe(
    'Cash actually dispensed by the original withdrawal; the reversal returns original - dispensed',
  ),
  amount: MinorUnits.optional().describe(
    "The original's amount, as ISO 8583 reversals carry it; with currency. When sent, both must equal the original's, or the reversal is rejected ORIGINAL_MISMATCH",
  ),
  currency: Currency.optional().describe("The original's currency; with amount"),
});

/** A reversal's `amount` and `currency` come together or not at all. */
export function amountWithCurrency(value: object, ctx: z.RefinementCtx): void {
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  if ((amount === undefined) === (currency === undefined)) return;
  const missing = amount === undefined ? 'amount' : 'currency';
  const present = missing === 'amount' ? 'currency' : 'amount';
  ctx.addIssue({
    code: 'custom',
    path: [missing],
    message: `expected ${missing} together with ${present}: a reversal carries both of the original's, or neither`,
  });
}

/**
 * A reversal names one thing: the transaction it reverses, or the
 * authorization whose hold it releases. A release moves no cash, so it has
 * no dispensed amount.
 */
export function reversesOneThing(value: object, ctx: z.RefinementCtx): void {
  const { originalTransactionId, authorizationId, dispensedAmount } = value as {
    originalTransactionId?: unknown;
    authorizationId?: unknown;
    dispensedAmount?: unknown;
  };
  if (originalTransactionId === undefined && authorizationId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['originalTransactionId'],
      message:
        'expected originalTransactionId (the transaction reversed) or authorizationId (the hold released)',
    });
  } else if (originalTransactionId !== undefined && authorizationId !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['authorizationId'],
      message:
        'expected originalTransactionId or authorizationId, not both: after a completion, reverse the completing withdrawal',
    });
  } else if (authorizationId !== undefined && dispensedAmount !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['dispensedAmount'],
      message: 'expected no dispensedAmount on a release: releasing a hold moves no cash',
    });
  }
}

/** Every rule of a reversal's fields. */
export function reversalRules(value: object, ctx: z.RefinementCtx): void {
  amountWithCurrency(value, ctx);
  reversesOneThing(value, ctx);
}

export const ReversalRequest = ReversalFields.superRefine(reversalRules).meta({
  id: 'ReversalRequest',
  // The refinements, as JSON Schema says them, so OpenAPI readers and fuzzers know them too.
  dependentRequired: { amount: ['currency'], currency: ['amount'] },
  anyOf: [{ required: ['originalTransactionId'] }, { required: ['authorizationId'] }],
  allOf: [
    { not: { required: ['originalTransactionId', 'authorizationId'] } },
    { not: { required: ['authorizationId', 'dispensedAmount'] } },
  ],
  description:
    'Exactly one of originalTransactionId (reverse a transaction) and authorizationId (release a hold); a release carries no dispensedAmount',
});

/** `POST /v1/transactions`: one shape per type, so each field is required exactly where it means something. */
export const PostTransactionRequest = z
  .discriminatedUnion('type', [
    WithdrawalRequest,
    DepositRequest,
    TransferRequest,
    BalanceInquiryRequest,
    ReversalRequest,
  ])
  .meta({ id: 'PostTransactionRequest' });
export type PostTransactionRequest = z.infer<typeof PostTransactionRequest>;

export const TransactionAccepted = z
  .object({ transactionId: TransactionId, status: z.literal('ACCEPTED') })
  .meta({ id: 'TransactionAccepted' });
export type TransactionAccepted = z.infer<typeof TransactionAccepted>;

export const TransactionStatus = z.enum(['PENDING', 'POSTED', 'REJECTED']);
export type TransactionStatus = z.infer<typeof TransactionStatus>;

export const RejectionReason = z.enum([
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_FOUND',
  'CURRENCY_MISMATCH',
  'ALREADY_REVERSED',
  'NOT_REVERSIBLE',
  'ORIGINAL_NOT_POSTED',
  'INVALID_DISPENSED_AMOUNT',
  'SAME_ACCOUNT',
  /**
   * A reversal whose original is of another account or ATM, outside the window, or of another
   * amount or currency; a completion of an authorization of another account.
   */
  'ORIGINAL_MISMATCH',
  /** A reversal whose original had not arrived when the reversal window passed. */
  'ORIGINAL_NOT_FOUND',
  /** A reversal that would return nothing: all of the original was dispensed. */
  'NOTHING_TO_REVERSE',
  /** A bound the ledger keeps would be passed: a balance beyond ±MAX_BALANCE, too many reversals waiting for one original. */
  'LIMIT_EXCEEDED',
  /** A withdrawal without authorization that would take the day past the account's dailyWithdrawalLimit. */
  'DAILY_LIMIT_EXCEEDED',
  /** A completion or release naming an authorization the ledger never approved nor declined. */
  'AUTHORIZATION_NOT_FOUND',
  /** A completion or release of an authorization that was declined or released (or, for a release, expired). */
  'AUTHORIZATION_NOT_ACTIVE',
  /** A completion for more than was authorized. */
  'EXCEEDS_AUTHORIZATION',
  /** A second completion, or a release, of an authorization already completed. */
  'ALREADY_COMPLETED',
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

/** Why an authorization was declined: the refusals of a withdrawal that an ATM hears before it dispenses. */
export const DeclineReason = RejectionReason.extract([
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_FOUND',
  'CURRENCY_MISMATCH',
  'DAILY_LIMIT_EXCEEDED',
]);
export type DeclineReason = z.infer<typeof DeclineReason>;

/**
 * `GET /v1/transactions/{transactionId}`: the outcome, and the business
 * fields of the payload that stands (the first one accepted for the id; a
 * conflicting reuse never replaces it). Never the PAN.
 */
export const TransactionView = z
  .object({
    transactionId: TransactionId,
    status: TransactionStatus,
    reason: RejectionReason.optional(),
    conflicts: z.number().int().min(0).describe('Deliveries of this id with a different payload'),
    postedAt: Timestamp.optional(),
    type: TransactionType,
    accountId: AccountId,
    atmId: AtmId,
    occurredAt: Timestamp,
    amount: MinorUnits.optional(),
    currency: Currency.optional(),
    toAccountId: AccountId.optional(),
    originalTransactionId: TransactionId.optional(),
    dispensedAmount: NonNegativeMinorUnits.optional(),
    authorizationId: AuthorizationId.optional(),
    advice: z.boolean().optional(),
    balance: z
      .number()
      .int()
      .optional()
      .describe('For a posted BALANCE_INQUIRY: the balance it showed, minor units'),
  })
  .meta({ id: 'Transaction' });
export type TransactionView = z.infer<typeof TransactionView>;

export const EntryView = z
  .object({
    sequence: z.number().int().min(1),
    transactionId: TransactionId,
    type: TransactionType,
    amount: z.number().int().describe('Signed: + credits the customer, - debits'),
    balanceAfter: z.number().int(),
    postedAt: Timestamp,
  })
  .meta({ id: 'Entry' });
export type EntryView = z.infer<typeof EntryView>;

export const EntriesPage = z
  .object({ items: z.array(EntryView), nextCursor: z.string().nullable() })
  .meta({ id: 'EntriesPage' });
export type EntriesPage = z.infer<typeof EntriesPage>;

/** Most entries one page returns. */
export const MAX_ENTRIES_PAGE = 100;
/** Longest cursor accepted; the ones the API issues are a few dozen characters. */
export const MAX_CURSOR_LENGTH = 512;

/** `GET /v1/accounts/{accountId}/entries` query parameters. */
export const EntriesQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_ENTRIES_PAGE)
    .default(50)
    .describe('Entries per page'),
  cursor: z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .optional()
    .describe("The previous page's nextCursor; opaque, and only the API's own are accepted"),
});

/**
 * A sum of minor units written exactly, as a JSON integer with no bound: a
 * ledger's totals pass 2^53 in time (JSON numbers may be any size; read them
 * with a big-number aware parser to keep every digit).
 */
const ExactInteger = z
  .number()
  .int()
  .meta({ minimum: undefined, maximum: undefined })
  .describe('Exact integer of minor units, without bound (it may pass 2^53)');

export const TrialBalance = z
  .object({
    // Partial: a currency appears once the ledger has posted in it (a record keyed by an enum
    // would require every ISO 4217 code).
    currencies: z.partialRecord(
      Currency,
      z.object({ debits: ExactInteger, credits: ExactInteger, balanced: z.boolean() }),
    ),
  })
  .meta({ id: 'TrialBalance' });
export type TrialBalance = z.infer<typeof TrialBalance>;

export const Health = z
  .object({
    status: z.enum(['UP', 'DOWN']),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(['UP', 'DOWN']), detail: z.string().optional() }),
    ),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;

/** RFC 9457 problem details, served as `application/problem+json`. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe(
        'For validation errors: each offending field (dotted path) and what was expected. For an idempotency conflict: each field that differs from the payload holding the transactionId',
      ),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;
