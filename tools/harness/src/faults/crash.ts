import type { LocalCloud } from '@atm-ledger/local-cloud';
import type { FaultJournal } from './journal.js';
import type { FaultClass, FaultDice } from './spec.js';

/**
 * Arms the process-kill faults on a running local cloud. Each fires at the
 * moment a real crash hurts most: after a handler's work is durable and
 * before the platform records it as done, so the restarted runtime must
 * deliver that work again and the handler's idempotency must absorb it.
 *
 * - `kill-before-checkpoint`: the ledger consumer's batch returned (its
 *   DynamoDB writes are done) and its Kinesis checkpoint is not written yet.
 * - `kill-in-pipe`: the pipe put a batch's events on the bus and has not
 *   checkpointed the DynamoDB stream.
 * - `kill-in-notifier`: a notifier's batch returned (sent and marked) and its
 *   messages are not deleted from the queue.
 *
 * `kill-after-write` (mid-batch) acts in the SDK handler instead (see sdk.ts).
 * The listeners run synchronously inside the mapping's `emit`, before it goes
 * on to checkpoint or delete, and SIGKILL leaves no chance to clean up: that
 * is the point.
 */
export function armCrashPoints(cloud: LocalCloud, dice: FaultDice, journal: FaultJournal): void {
  const kill = (fault: FaultClass, detail: string) => {
    journal.record(fault, detail);
    process.kill(process.pid, 'SIGKILL');
  };

  cloud.ledgerConsumer.on('invoked', (e) => {
    if (e.outcome !== 'success' && e.outcome !== 'partial') return;
    if (dice.roll('kill-before-checkpoint')) {
      kill(
        'kill-before-checkpoint',
        `${e.shardId} ${e.firstSequenceNumber}..${e.lastSequenceNumber}`,
      );
    }
  });

  let delivered = cloud.ledgerEventsPipe.stats().eventsDelivered;
  cloud.ledgerEventsPipe.mapping.on('invoked', (e) => {
    const now = cloud.ledgerEventsPipe.stats().eventsDelivered;
    const putSomething = now > delivered;
    delivered = now;
    if (e.outcome !== 'success' || !putSomething) return;
    if (dice.roll('kill-in-pipe')) {
      kill('kill-in-pipe', `${e.shardId} ${e.firstSequenceNumber}..${e.lastSequenceNumber}`);
    }
  });

  for (const [channel, notifier] of Object.entries(cloud.notifiers)) {
    notifier.on('invoked', (e) => {
      if (e.outcome !== 'success' || e.messageIds.length === 0) return;
      if (dice.roll('kill-in-notifier')) {
        kill('kill-in-notifier', `${channel} ${e.messageIds.length} message(s)`);
      }
    });
  }
}

/**
 * Journals the retries the platform makes, so a soak can say how much work
 * its faults caused: each batch a mapping invokes again (ledger consumer,
 * pipe) and each notifier message left on its queue to be delivered again.
 */
export function journalRetries(cloud: LocalCloud, journal: FaultJournal): void {
  cloud.ledgerConsumer.on('retry', (e) =>
    journal.retried(`ledger-consumer ${e.shardId} ${e.batchSize}`),
  );
  cloud.ledgerEventsPipe.mapping.on('retry', (e) =>
    journal.retried(`events-pipe ${e.shardId} ${e.batchSize}`),
  );
  for (const [channel, notifier] of Object.entries(cloud.notifiers)) {
    notifier.on('invoked', (e) => {
      if (e.failedMessageIds.length > 0) {
        journal.retried(`notifier-${channel} ${e.failedMessageIds.length}`);
      }
    });
  }
}
