import { isRoutedTo, NOTIFIER_KINDS, type NotifierChannel } from '@atm-ledger/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, notificationsFor } from '../../src/domain/index.js';
import {
  arbIdentifier,
  arbLedgerEvent,
  arbPanFreeIdentifier,
  arbPosted,
  numRuns,
} from '../support/arbitraries.js';
import { NOW } from '../support/builders.js';

const settings = { largeWithdrawalThreshold: 50_000, now: NOW };
const PAN_LIKE = /[0-9]{12,}/;

describe('notificationsFor: properties', () => {
  it('never writes 12 or more digits in a row in a message, whatever the ids and amounts', () => {
    fc.assert(
      fc.property(arbLedgerEvent(arbIdentifier), (event) => {
        // Act
        const notifications = notificationsFor(event, settings);

        // Assess
        for (const n of notifications) expect(n.message).not.toMatch(PAN_LIKE);
      }),
      { numRuns: numRuns() },
    );
  });

  it('puts no PAN-like digit run anywhere in a notification when the ids have none', () => {
    fc.assert(
      fc.property(arbLedgerEvent(arbPanFreeIdentifier), (event) => {
        // Act
        const notifications = notificationsFor(event, settings);

        // Assess
        for (const n of notifications) expect(JSON.stringify(n)).not.toMatch(PAN_LIKE);
      }),
      { numRuns: numRuns() },
    );
  });

  it('shows a card only as **** and its last 4 digits', () => {
    fc.assert(
      fc.property(arbLedgerEvent(), (event) => {
        // Act
        const notifications = notificationsFor(event, settings);

        // Assess
        for (const n of notifications) {
          expect(n.message).not.toMatch(/card (?!\*\*\*\* [0-9]{4}\b)/);
          for (const match of n.message.matchAll(/card \*\*\*\* ([0-9]{4})/g)) {
            expect(match[1]).toBe(event.panLast4);
          }
        }
      }),
      { numRuns: numRuns() },
    );
  });

  it('sends a RECEIPT for exactly the movements that moved money, refunds and reversals included', () => {
    fc.assert(
      fc.property(arbPosted(arbPanFreeIdentifier), (event) => {
        // Act
        const receipts = notificationsFor(event, settings).filter((n) => n.kind === 'RECEIPT');

        // Assess
        const moved =
          event.transactionType === 'BALANCE_INQUIRY'
            ? []
            : event.movements.filter((m) => event.transactionType !== 'REVERSAL' || m.amount !== 0);
        expect(receipts.map((n) => n.accountId)).toEqual(moved.map((m) => m.accountId));
        for (const [i, n] of receipts.entries()) {
          expect(n.message).toContain(
            `Balance: ${formatMoney(moved[i]?.balanceAfter ?? 0, event.currency)}.`,
          );
        }
      }),
      { numRuns: numRuns() },
    );
  });

  it('alerts LOW_BALANCE for exactly the movements that cross the threshold downwards', () => {
    fc.assert(
      fc.property(arbPosted(arbPanFreeIdentifier), (event) => {
        // Act
        const alerted = notificationsFor(event, settings)
          .filter((n) => n.kind === 'LOW_BALANCE')
          .map((n) => n.accountId);

        // Assess
        const crossing = event.movements
          .filter(
            (m) =>
              m.balanceBefore >= m.lowBalanceThreshold && m.balanceAfter < m.lowBalanceThreshold,
          )
          .map((m) => m.accountId);
        expect(alerted).toEqual(crossing);
      }),
      { numRuns: numRuns() },
    );
  });

  it('alerts OVERDRAWN for exactly the movements that took money and left the balance beyond the limit', () => {
    fc.assert(
      fc.property(arbPosted(arbPanFreeIdentifier), (event) => {
        // Act
        const alerted = notificationsFor(event, settings)
          .filter((n) => n.kind === 'OVERDRAWN')
          .map((n) => n.accountId);

        // Assess
        const overdrawn = event.movements
          .filter(
            (m) =>
              m.amount < 0 && m.overdraftLimit !== undefined && m.balanceAfter < -m.overdraftLimit,
          )
          .map((m) => m.accountId);
        expect(alerted).toEqual(overdrawn);
      }),
      { numRuns: numRuns() },
    );
  });

  it('derives every id from the event, the kind and the account', () => {
    fc.assert(
      fc.property(arbLedgerEvent(), (event) => {
        // Act
        const notifications = notificationsFor(event, settings);

        // Assess
        for (const n of notifications) {
          expect(n.notificationId).toBe(`${event.id}:${n.kind}:${n.accountId}`);
          expect(n.transactionId).toBe(event.transactionId);
        }
      }),
      { numRuns: numRuns() },
    );
  });

  it('writes each kind only from events the routes deliver to the notifier that sends it', () => {
    const channels = Object.keys(NOTIFIER_KINDS) as NotifierChannel[];
    fc.assert(
      fc.property(arbLedgerEvent(arbPanFreeIdentifier), (event) => {
        // Act
        const notifications = notificationsFor(event, settings);

        // Assess: a kind whose notifier never receives the event would never be sent.
        for (const n of notifications) {
          const sender = channels.find((c) =>
            (NOTIFIER_KINDS[c] as readonly string[]).includes(n.kind),
          );
          expect(sender, n.kind).toBeDefined();
          expect(isRoutedTo(sender as NotifierChannel, event), `${n.kind} of ${event.type}`).toBe(
            true,
          );
        }
      }),
      { numRuns: numRuns() },
    );
  });
});
