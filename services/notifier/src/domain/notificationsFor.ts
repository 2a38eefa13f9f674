import type {
  AccountMovement,
  AuthorizationDeclined,
  DeclineReason,
  LedgerEvent,
  RejectionReason,
  TransactionPosted,
  TransactionRejected,
  TransactionType,
} from '@atm-ledger/contracts';
import { formatMoney, maskedAccount, maskedCard } from './format.js';
import {
  type Notification,
  type NotificationKind,
  type NotificationSettings,
  notificationIdOf,
} from './notification.js';

const REJECTION_TEXT: Readonly<Record<RejectionReason, string>> = {
  INSUFFICIENT_FUNDS: 'insufficient funds',
  ACCOUNT_NOT_FOUND: 'the account was not found',
  CURRENCY_MISMATCH: 'the currency does not match the account',
  ALREADY_REVERSED: 'it was already reversed',
  NOT_REVERSIBLE: 'it cannot be reversed',
  ORIGINAL_NOT_POSTED: 'the original transaction was not posted',
  INVALID_DISPENSED_AMOUNT: 'the dispensed amount is invalid',
  SAME_ACCOUNT: 'both accounts are the same',
  ORIGINAL_MISMATCH: 'it does not match the transaction it reverses',
  ORIGINAL_NOT_FOUND: 'the transaction it reverses never reached the bank',
  NOTHING_TO_REVERSE: 'all of the cash was dispensed, so there was nothing to give back',
  // The ledger's bound on a balance (MAX_BALANCE): not a limit the customer set or knows of.
  LIMIT_EXCEEDED: 'the amount is more than the bank can process for this account',
  DAILY_LIMIT_EXCEEDED: 'it would pass your daily withdrawal limit',
  AUTHORIZATION_NOT_FOUND: 'the ATM had no approval for it',
  AUTHORIZATION_NOT_ACTIVE: 'its approval was no longer valid',
  EXCEEDS_AUTHORIZATION: 'it was more than was approved',
  ALREADY_COMPLETED: 'its approval was already used',
};

const DECLINE_TEXT: Readonly<Record<DeclineReason, string>> = {
  INSUFFICIENT_FUNDS: REJECTION_TEXT.INSUFFICIENT_FUNDS,
  ACCOUNT_NOT_FOUND: REJECTION_TEXT.ACCOUNT_NOT_FOUND,
  CURRENCY_MISMATCH: REJECTION_TEXT.CURRENCY_MISMATCH,
  DAILY_LIMIT_EXCEEDED: REJECTION_TEXT.DAILY_LIMIT_EXCEEDED,
};

/** What a notification is about: the event's transaction, or its authorization. */
export function subjectOf(
  event: LedgerEvent,
): { readonly transactionId: string } | { readonly authorizationId: string } {
  switch (event.type) {
    case 'ledger.transaction.posted':
    case 'ledger.transaction.rejected':
    case 'ledger.transaction.conflict':
    case 'ledger.reversal.pending':
    case 'ledger.authorization.completed':
    case 'ledger.authorization.released':
      return { transactionId: event.transactionId };
    case 'ledger.authorization.approved':
    case 'ledger.authorization.declined':
    case 'ledger.authorization.expired':
      return { authorizationId: event.authorizationId };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * The notifications a ledger event calls for, in a stable order:
 *
 * - RECEIPT for each account a posted WITHDRAWAL, DEPOSIT, TRANSFER or
 *   REVERSAL moved (both sides of a transfer and of its reversal): a
 *   customer sees a refund, and money taken back, as plainly as a withdrawal;
 * - LOW_BALANCE for each account a posting took from at or above its
 *   threshold to below it (crossing only: an account already below stays quiet);
 * - OVERDRAWN for each account a posting took money from and left beyond
 *   its overdraft limit (every such posting: the ledger lets some through
 *   whatever the balance, a reversed deposit or a withdrawal advice, and
 *   the customer must hear of each one);
 * - LARGE_WITHDRAWAL for a posted withdrawal of at least the threshold;
 * - WITHDRAWAL_REJECTED for a rejected withdrawal, and for a declined
 *   authorization (the ATM refused the cash);
 * - nothing for conflicts, pending reversals and the other authorization
 *   events: the customer hears of the money when it is posted (a hold is
 *   not a posting, and low-balance crossings count the posted balance).
 *
 * Pure: `createdAt` comes from `settings.now`.
 */
export function notificationsFor(
  event: LedgerEvent,
  settings: NotificationSettings,
): Notification[] {
  const all = candidates(event, settings);
  const kinds = settings.kinds;
  return kinds === undefined ? all : all.filter((n) => kinds.has(n.kind));
}

function candidates(event: LedgerEvent, settings: NotificationSettings): Notification[] {
  switch (event.type) {
    case 'ledger.transaction.posted':
      return posted(event, settings);
    case 'ledger.transaction.rejected':
      return rejected(event, settings);
    case 'ledger.authorization.declined':
      return declined(event, settings);
    case 'ledger.transaction.conflict':
    case 'ledger.reversal.pending':
    case 'ledger.authorization.approved':
    case 'ledger.authorization.completed':
    case 'ledger.authorization.released':
    case 'ledger.authorization.expired':
      return [];
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function make(
  event: LedgerEvent,
  kind: NotificationKind,
  accountId: string,
  message: string,
  settings: NotificationSettings,
): Notification {
  return {
    notificationId: notificationIdOf(event.id, kind, accountId),
    kind,
    accountId,
    ...subjectOf(event),
    createdAt: settings.now.toISOString(),
    message,
  };
}

function currencyOf(event: TransactionPosted): string | undefined {
  return event.currency ?? event.legs[0]?.currency;
}

const card = (panLast4: string | undefined) =>
  panLast4 === undefined ? '' : ` with card ${maskedCard(panLast4)}`;

function posted(event: TransactionPosted, settings: NotificationSettings): Notification[] {
  const out: Notification[] = [];
  const currency = currencyOf(event);
  const money = (minor: number) => formatMoney(minor, currency);
  for (const m of event.movements) {
    const receipt = receiptText(event, m, money);
    if (receipt !== undefined) out.push(make(event, 'RECEIPT', m.accountId, receipt, settings));
  }
  for (const m of event.movements) {
    if (m.balanceBefore >= m.lowBalanceThreshold && m.balanceAfter < m.lowBalanceThreshold) {
      out.push(
        make(
          event,
          'LOW_BALANCE',
          m.accountId,
          `Low balance: your ${maskedAccount(m.accountId)} is at ${money(m.balanceAfter)}, ` +
            `below your alert threshold of ${money(m.lowBalanceThreshold)}.`,
          settings,
        ),
      );
    }
  }
  for (const m of event.movements) {
    if (isOverdrawnBy(m)) {
      out.push(make(event, 'OVERDRAWN', m.accountId, overdrawnText(m, money), settings));
    }
  }
  if (event.transactionType === 'WITHDRAWAL' && event.amount >= settings.largeWithdrawalThreshold) {
    out.push(
      make(
        event,
        'LARGE_WITHDRAWAL',
        event.accountId,
        `Large withdrawal: ${money(event.amount)} from your ${maskedAccount(event.accountId)}` +
          `${card(event.panLast4)}. If this was not you, contact your bank now.`,
        settings,
      ),
    );
  }
  return out;
}

/**
 * The movement took money and left the account below `-overdraftLimit`. A
 * movement without a limit (an event from before the ledger recorded it)
 * says nothing about overdrafts, so it raises nothing.
 */
function isOverdrawnBy(m: AccountMovement): m is AccountMovement & { overdraftLimit: number } {
  return m.amount < 0 && m.overdraftLimit !== undefined && m.balanceAfter < -m.overdraftLimit;
}

function overdrawnText(
  m: AccountMovement & { overdraftLimit: number },
  money: (minor: number) => string,
): string {
  const shortfall = -m.overdraftLimit - m.balanceAfter;
  return (
    `Your ${maskedAccount(m.accountId)} is overdrawn: balance ${money(m.balanceAfter)}, ` +
    `beyond your overdraft limit of ${money(m.overdraftLimit)}. ` +
    `Pay in at least ${money(shortfall)} to bring it back within the limit.`
  );
}

/** The receipt of one movement, or none: an inquiry moves no money and gets no receipt. */
function receiptText(
  event: TransactionPosted,
  m: AccountMovement,
  money: (minor: number) => string,
): string | undefined {
  const amount = money(Math.abs(m.amount));
  const account = maskedAccount(m.accountId);
  // Only the account that used the card sees it on its receipt.
  const withCard = m.accountId === event.accountId ? card(event.panLast4) : '';
  const balance = `Balance: ${money(m.balanceAfter)}.`;
  switch (event.transactionType) {
    case 'WITHDRAWAL':
      return `Withdrawal of ${amount} from your ${account}${withCard}. ${balance}`;
    case 'DEPOSIT':
      return `Deposit of ${amount} to your ${account}${withCard}. ${balance}`;
    case 'TRANSFER':
      return m.amount < 0
        ? `Transfer of ${amount} sent from your ${account}${withCard}. ${balance}`
        : `Transfer of ${amount} received in your ${account}. ${balance}`;
    case 'REVERSAL':
      // A reversal that moved nothing (only in events from before the ledger
      // rejected those as NOTHING_TO_REVERSE) has nothing to show.
      if (m.amount === 0) return undefined;
      return `${reversalText(event.reversedTransactionType, m.amount > 0, amount, account, withCard)} ${balance}`;
    case 'BALANCE_INQUIRY':
      return undefined;
    default: {
      const unknown: never = event.transactionType;
      return unknown;
    }
  }
}

/**
 * What a reversal did to one account, in the customer's words. The reversed
 * type says why (the ledger names it on every reversal it posts now); when it
 * is absent, or does not fit the direction the money went, the direction
 * alone is shown, which is never wrong.
 */
function reversalText(
  reversed: TransactionType | undefined,
  refunded: boolean,
  amount: string,
  account: string,
  withCard: string,
): string {
  switch (reversed) {
    case 'WITHDRAWAL':
      if (refunded) {
        return `Refund of ${amount} to your ${account}${withCard}: the ATM did not dispense it.`;
      }
      break;
    case 'DEPOSIT':
      if (!refunded) {
        return (
          `Deposit of ${amount} reversed: taken back from your ${account}${withCard}, ` +
          'as the ATM did not take the cash in.'
        );
      }
      break;
    case 'TRANSFER':
      return refunded
        ? `Transfer of ${amount} reversed: returned to your ${account}.`
        : `Transfer of ${amount} reversed: taken back from your ${account}.`;
    case 'BALANCE_INQUIRY':
    case 'REVERSAL':
    case undefined:
      break;
    default: {
      const unknown: never = reversed;
      return unknown;
    }
  }
  return refunded
    ? `Refund of ${amount} to your ${account}${withCard}.`
    : `Reversal: ${amount} taken back from your ${account}${withCard}.`;
}

function rejected(event: TransactionRejected, settings: NotificationSettings): Notification[] {
  if (event.transactionType !== 'WITHDRAWAL') return [];
  const amount =
    event.amount === undefined
      ? 'A withdrawal'
      : `A withdrawal of ${formatMoney(event.amount, event.currency)}`;
  return [
    make(
      event,
      'WITHDRAWAL_REJECTED',
      event.accountId,
      `${amount} from your ${maskedAccount(event.accountId)}${card(event.panLast4)} ` +
        `was declined: ${REJECTION_TEXT[event.reason]}.`,
      settings,
    ),
  ];
}

function declined(event: AuthorizationDeclined, settings: NotificationSettings): Notification[] {
  return [
    make(
      event,
      'WITHDRAWAL_REJECTED',
      event.accountId,
      `A withdrawal of ${formatMoney(event.amount, event.currency)} from your ` +
        `${maskedAccount(event.accountId)}${card(event.panLast4)} was declined: ` +
        `${DECLINE_TEXT[event.reason]}.`,
      settings,
    ),
  ];
}
