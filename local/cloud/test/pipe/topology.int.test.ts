import {
  LEDGER_EVENT_SOURCE,
  type LedgerEvent,
  notifierFilterPolicy,
  type TransactionType,
} from '@atm-ledger/contracts';
import {
  type Clients,
  createQueue,
  makeClients,
  receiveJson,
  uniqueName,
} from '@atm-ledger/local-aws/testing/pipe';
import { parseLedgerEventMessage } from '@atm-ledger/notifier';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensurePublicationTopology,
  type PublicationTopology,
  publicationNames,
} from '../../src/topology.js';

const AT = '2026-11-27T10:00:00Z';

function posted(id: string, transactionType: TransactionType, amount = 2_500): LedgerEvent {
  return {
    schemaVersion: 1,
    id: `${id}:posted`,
    type: 'ledger.transaction.posted',
    transactionId: id,
    occurredAt: AT,
    transactionType,
    accountId: 'A',
    atmId: 'atm-1',
    currency: transactionType === 'BALANCE_INQUIRY' ? undefined : 'USD',
    amount: transactionType === 'BALANCE_INQUIRY' ? 0 : amount,
    postedAt: AT,
    movements: [],
    legs: [],
  };
}

function rejected(id: string, transactionType: TransactionType): LedgerEvent {
  return {
    schemaVersion: 1,
    id: `${id}:rejected`,
    type: 'ledger.transaction.rejected',
    transactionId: id,
    occurredAt: AT,
    transactionType,
    accountId: 'A',
    atmId: 'atm-1',
    amount: 9_000,
    currency: 'USD',
    reason: 'INSUFFICIENT_FUNDS',
    rejectedAt: AT,
  };
}

/**
 * The local publication topology over the wire: bus → rule → SNS topic →
 * filtered SQS subscriptions, one queue (with its DLQ) per notifier. Events
 * are put on the bus as the pipe puts them.
 */
describe('publication topology', () => {
  let clients: Clients;
  let topology: PublicationTopology;
  let prefix: string;

  beforeAll(async () => {
    clients = makeClients();
    prefix = uniqueName('topology');
    topology = await ensurePublicationTopology(clients, publicationNames(prefix));
  });
  afterAll(() => clients.destroy());

  async function publish(...events: LedgerEvent[]) {
    const out = await clients.eventbridge.send(
      new PutEventsCommand({
        Entries: events.map((e) => ({
          EventBusName: topology.eventBusName,
          Source: LEDGER_EVENT_SOURCE,
          DetailType: e.type,
          Detail: JSON.stringify(e),
        })),
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
  }

  /**
   * What a notifier would read from its queue: the ledger events, by id. The
   * local bus delivers inside PutEvents, so after the expected messages one
   * immediate receive is enough to see any that should not be there.
   */
  async function delivered(queueUrl: string, expected: number): Promise<string[]> {
    const bodies = [
      ...(expected > 0 ? await receiveJson(clients.sqs, queueUrl, expected, 5_000) : []),
      ...(await receiveJson(clients.sqs, queueUrl, 1, 0, 0)),
    ];
    return bodies.map((body) => {
      const parsed = parseLedgerEventMessage(JSON.stringify(body));
      if (!parsed.ok)
        throw new Error(`the notifier cannot read ${JSON.stringify(body)}: ${parsed.reason}`);
      return parsed.event.id;
    });
  }

  it('names everything after the prefix and gives each notifier queue a DLQ after 5 receives, as infra', async () => {
    // Assess
    expect(topology.eventBusName).toBe(`${prefix}-ledger-events`);
    expect(topology.ledgerEventsTopicArn).toMatch(new RegExp(`:${prefix}-ledger-events$`));
    expect(topology.pipeDlq.name).toBe(`${prefix}-pipe-dlq`);
    for (const channel of ['receipts', 'alerts'] as const) {
      const queue = topology.notifierQueues[channel];
      expect(queue.name).toBe(`${prefix}-notifier-${channel}`);
      expect(queue.dlq.name).toBe(`${prefix}-notifier-${channel}-dlq`);
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['RedrivePolicy'] }),
      );
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: queue.dlq.arn,
        maxReceiveCount: 5,
      });
    }
  });

  it('delivers a posted withdrawal to the receipts and the alerts queues', async () => {
    // Act
    await publish(posted('w1', 'WITHDRAWAL'));

    // Assess
    expect(await delivered(topology.notifierQueues.receipts.url, 1)).toEqual(['w1:posted']);
    expect(await delivered(topology.notifierQueues.alerts.url, 1)).toEqual(['w1:posted']);
  });

  it('delivers a posted reversal to the receipts queue (a refund) and the alerts queue (it can overdraw)', async () => {
    // Act
    await publish(posted('r1', 'REVERSAL'));

    // Assess
    expect(await delivered(topology.notifierQueues.receipts.url, 1)).toEqual(['r1:posted']);
    expect(await delivered(topology.notifierQueues.alerts.url, 1)).toEqual(['r1:posted']);
  });

  it('delivers a posted balance inquiry to no notifier', async () => {
    // Act
    await publish(posted('b1', 'BALANCE_INQUIRY'));

    // Assess
    expect(await delivered(topology.notifierQueues.receipts.url, 0)).toEqual([]);
    expect(await delivered(topology.notifierQueues.alerts.url, 0)).toEqual([]);
  });

  it('delivers a rejected withdrawal to the alerts queue only, and a rejected deposit nowhere', async () => {
    // Act
    await publish(rejected('w2', 'WITHDRAWAL'), rejected('d2', 'DEPOSIT'));

    // Assess
    expect(await delivered(topology.notifierQueues.alerts.url, 1)).toEqual(['w2:rejected']);
    expect(await delivered(topology.notifierQueues.receipts.url, 0)).toEqual([]);
  });

  it('finds everything again on a second run, with the same URLs', async () => {
    // Act
    const again = await ensurePublicationTopology(clients, publicationNames(prefix));
    await publish(posted('t1', 'TRANSFER'));

    // Assess
    expect(again).toEqual(topology);
    expect(await delivered(topology.notifierQueues.receipts.url, 1)).toEqual(['t1:posted']);
    expect(await delivered(topology.notifierQueues.alerts.url, 1)).toEqual(['t1:posted']);
  });

  /**
   * Pins the moto gap the topology works around: when this starts failing,
   * moto accepts `$or` in body policies and the alerts subscription can take
   * `notifierFilterPolicy('alerts')` as infra does.
   */
  it('moto rejects the $or filter policy of alerts as too complex (why routes are split locally)', async () => {
    // Prepare
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName('or') }));
    const queue = await createQueue(clients.sqs, 'or');

    // Act
    const error = await clients.sns
      .send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queue.arn,
          Attributes: {
            FilterPolicyScope: 'MessageBody',
            FilterPolicy: JSON.stringify(notifierFilterPolicy('alerts')),
          },
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect((error as Error | undefined)?.message).toMatch(/Filter policy is too complex/);
  });
});
