import * as z from 'zod';
import {
  AccountId,
  AtmId,
  Currency,
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
    accountId: AccountId,
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
    version: z.number().int().min(0),
    updatedAt: Timestamp,
  })
  .meta({ id: 'Account' });
export type AccountView = z.infer<typeof AccountView>;

const common = {
  transactionId: TransactionId,
  accountId: AccountId,
  atmId: AtmId,
  occurredAt: Timestamp,
  pan: Pan.optional(),
};

export const WithdrawalRequest = z
  .strictObject({
    ...common,
    type: z.literal('WITHDRAWAL'),
    amount: MinorUnits,
    currency: Currency,
  })
  .meta({ id: 'WithdrawalRequest' });
export const DepositRequest = z
  .strictObject({ ...common, type: z.literal('DEPOSIT'), amount: MinorUnits, currency: Currency })
  .meta({ id: 'DepositRequest' });
export const TransferRequest = z
  .strictObject({
    ...common,
    type: z.literal('TRANSFER'),
    amount: MinorUnits,
    currency: Currency,
    toAccountId: AccountId,
  })
  .meta({ id: 'TransferRequest' });
export const BalanceInquiryRequest = z
  .strictObject({ ...common, type: z.literal('BALANCE_INQUIRY') })
  .meta({ id: 'BalanceInquiryRequest' });
export const ReversalRequest = z
  .strictObject({
    ...common,
    type: z.literal('REVERSAL'),
    originalTransactionId: TransactionId,
    dispensedAmount: NonNegativeMinorUnits.optional().describe(
      'Cash actually dispensed by the original withdrawal; the reversal returns original - dispensed',
    ),
  })
  .meta({ id: 'ReversalRequest' });

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
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

export const TransactionView = z
  .object({
    transactionId: TransactionId,
    status: TransactionStatus,
    reason: RejectionReason.optional(),
    conflicts: z.number().int().min(0).describe('Deliveries of this id with a different payload'),
    postedAt: Timestamp.optional(),
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

export const TrialBalance = z
  .object({
    currencies: z.record(
      Currency,
      z.object({ debits: z.number().int(), credits: z.number().int(), balanced: z.boolean() }),
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
      .describe('For validation errors: each offending field (dotted path) and what was expected'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;
