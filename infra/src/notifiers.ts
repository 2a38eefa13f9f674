import type { NotifierChannel } from '@atm-ledger/contracts';
import { Duration } from 'aws-cdk-lib';

/**
 * One notifier = one SQS queue subscribed to the ledger-events topic with the
 * filter policy of its routes (contracts `NOTIFIER_ROUTES`), one DLQ, and one
 * function running the notifier handler with its kinds (contracts
 * `NOTIFIER_KINDS`, which the local cloud deploys too). A `Record` over the
 * channels, so a channel added to the contracts fails to compile here until
 * it is given its settings.
 */
export const NOTIFIERS: Readonly<Record<NotifierChannel, { readonly description: string }>> = {
  receipts: {
    description: 'Customer receipts for money that moved',
  },
  alerts: {
    description: 'Low-balance, overdrawn, large-withdrawal and refused-withdrawal alerts',
  },
};

export const NOTIFIER_CHANNELS = Object.keys(NOTIFIERS) as NotifierChannel[];

/** Shared by the queue (stateful) and the function (stateless), which must agree. */
export const NOTIFIER_TIMEOUT = Duration.seconds(30);
/**
 * AWS advises a visibility timeout of six times the function timeout for SQS
 * event sources, so a batch still being retried by the poller is not handed to
 * a second invocation.
 */
export const NOTIFIER_VISIBILITY_TIMEOUT = Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6);
/** Deliveries before a message moves to the channel's DLQ. */
export const NOTIFIER_MAX_RECEIVE_COUNT = 5;
