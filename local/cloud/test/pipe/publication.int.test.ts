import {
  type AtmTransaction,
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  type LedgerEvent,
  payloadHash,
} from '@atm-ledger/contracts';
import {
  authorize,
  DEFAULT_LEDGER_POLICY,
  DynamoDbLedgerStore,
  makePublishHandler,
  openAccount,
  postTransaction,
  sweepTimers,
} from '@atm-ledger/ledger';
import { LocalPipe } from '@atm-ledger/local-aws';
import {
  type Clients,
  createQueue,
  makeClients,
  receiveJson,
  uniqueName,
} from '@atm-ledger/local-aws/testing/pipe';
import { parseLedgerEventMessage } from '@atm-ledger/notifier';
import { createLogger, sdkClientOptions, systemClock } from '@atm-ledger/runtime';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ledgerEventsPipeConfig } from '../../src/ledger-events-pipe.js';
import { ensureResources, type LocalResources } from '../../src/resources.js';

/** A ledger event as the bus delivers it: the whole EventBridge envelope. */
interface BusEnvelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: LedgerEvent;
}

/** Each decided event reached the bus once, from the ledger, byte for byte as decided and stored. */
function expectOnTheBusAsDecided(
  decided: readonly LedgerEvent[],
  envelopes: readonly BusEnvelope[],
) {
  for (const event of decided) {
    const envelope = envelopes.find((e) => e.detail.id === event.id);
    expect(envelope, event.id).toBeDefined();
    expect(envelope?.source).toBe(LEDGER_EVENT_SOURCE);
    expect(envelope?.['detail-type']).toBe(event.type);
    expect(JSON.stringify(envelope?.detail)).toBe(JSON.stringify(event));
  }
}

/**
 * The publication path as the local cloud wires it (`ensureResources` and
 * the pipe configured like infra's), from a ledger write to the notifier
 * queues, without the HTTP API and the Kinesis consumer in front.
 */
describe('publication path', () => {
  let clients: Clients;
  let kinesis: KinesisClient;
  let resources: LocalResources;
  let pipe: LocalPipe;
  let store: DynamoDbLedgerStore;
  /** Every ledger event that reached the bus, as the bus delivers it (the whole envelope). */
  let tap: string;

  beforeAll(async () => {
    clients = makeClients();
    kinesis = new KinesisClient(
      sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
    );
    resources = await ensureResources({ ...clients, kinesis }, uniqueName('publication'), {
      shards: 1,
    });
    const logger = createLogger('ledger-test');
    logger.setLogLevel('SILENT');
    pipe = new LocalPipe({
      config: ledgerEventsPipeConfig(resources, { pollIntervalMs: 20 }),
      enrichment: makePublishHandler({ logger }),
      clients,
      checkpointTableName: resources.names.checkpointTable,
    });
    const queue = await createQueue(clients.sqs, 'bus-tap');
    tap = queue.url;
    const rule = uniqueName('tap');
    await clients.eventbridge.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: resources.eventBusName,
        EventPattern: JSON.stringify(LEDGER_EVENTS_RULE_PATTERN),
      }),
    );
    await clients.eventbridge.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: resources.eventBusName,
        Targets: [{ Id: 'tap', Arn: queue.arn }],
      }),
    );
    await pipe.start();
    store = new DynamoDbLedgerStore(clients.dynamodb, resources.names.ledgerTable);
    await openAccount(
      { store, clock: systemClock },
      { accountId: 'A', currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 1_000 },
    );
  });
  afterAll(async () => {
    await pipe.stop();
    kinesis.destroy();
    clients.destroy();
  });

  const post = (tx: AtmTransaction) =>
    postTransaction(
      { store, clock: systemClock },
      { kind: 'PostTransaction', transaction: tx, payloadHash: payloadHash(tx) },
    );
  const ids = async (queueUrl: string, count: number) =>
    (await receiveJson(clients.sqs, queueUrl, count)).map((body) => {
      const parsed = parseLedgerEventMessage(JSON.stringify(body));
      return parsed.ok ? parsed.event.id : parsed.reason;
    });

  it('delivers what the ledger decided to the notifiers that want it', async () => {
    // Act
    const at = '2026-11-27T10:00:00Z';
    const base = { accountId: 'A', atmId: 'atm-1', occurredAt: at, currency: 'USD' } as const;
    await post({ ...base, transactionId: 'd1', type: 'DEPOSIT', amount: 5_000 });
    await post({ ...base, transactionId: 'w1', type: 'WITHDRAWAL', amount: 9_000 });
    await post({
      transactionId: 'b1',
      type: 'BALANCE_INQUIRY',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: at,
    });

    // Assess
    expect(await ids(resources.notifierQueues.receipts.url, 1)).toEqual(['d1:posted']);
    expect((await ids(resources.notifierQueues.alerts.url, 2)).sort()).toEqual([
      'd1:posted',
      'w1:rejected',
    ]);
    // The balance inquiry's event reaches no notifier, so nothing above waited for it.
    await expect
      .poll(() => pipe.stats(), { timeout: 10_000 })
      .toMatchObject({ state: 'running', eventsDelivered: 3 });
  });

  it('puts on the bus exactly the events the ledger decided, byte for byte, for every event type', async () => {
    // Prepare: one decision of each kind
    const at = '2026-11-27T11:00:00Z';
    const base = { accountId: 'A', atmId: 'atm-2', occurredAt: at, currency: 'USD' } as const;
    const outcomes = [
      await post({ ...base, transactionId: 'x-posted', type: 'DEPOSIT', amount: 700 }),
      await post({ ...base, transactionId: 'x-rejected', type: 'WITHDRAWAL', amount: 9_999_999 }),
      await post({ ...base, transactionId: 'x-posted', type: 'DEPOSIT', amount: 701 }),
      await post({
        transactionId: 'x-pending',
        type: 'REVERSAL',
        accountId: 'A',
        atmId: 'atm-2',
        occurredAt: at,
        originalTransactionId: 'x-later',
      }),
    ];
    const decided = outcomes.flatMap((o) => ('events' in o ? o.events : []));

    // Act
    const envelopes = (await receiveJson(clients.sqs, tap, 7)) as BusEnvelope[];

    // Assess: the four types, each exactly as decided and stored
    expect(decided.map((e) => e.type).sort()).toEqual([
      'ledger.reversal.pending',
      'ledger.transaction.conflict',
      'ledger.transaction.posted',
      'ledger.transaction.rejected',
    ]);
    expectOnTheBusAsDecided(decided, envelopes);
  });
  it('puts on the bus exactly the authorization events decided, byte for byte, for each of the five', async () => {
    // Prepare: a funded account, then one decision of each authorization kind
    const at = '2026-11-27T12:00:00Z';
    const base = { accountId: 'H', atmId: 'atm-3', occurredAt: at, currency: 'USD' } as const;
    await openAccount(
      { store, clock: systemClock },
      { accountId: 'H', currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 0 },
    );
    const deposit = await post({ ...base, transactionId: 'h-d', type: 'DEPOSIT', amount: 10_000 });
    const deps = { store, clock: systemClock, policy: DEFAULT_LEDGER_POLICY };
    const hold = (authorizationId: string, amount: number) =>
      authorize(deps, { authorizationId, amount, ...base });
    const approvals = [await hold('h-a1', 3_000), await hold('h-a2', 2_000)];
    const declined = await hold('h-a4', 1_000_000);
    const completed = await post({
      ...base,
      transactionId: 'h-w',
      type: 'WITHDRAWAL',
      amount: 2_500,
      authorizationId: 'h-a1',
    });
    const released = await post({
      accountId: 'H',
      atmId: 'atm-3',
      occurredAt: at,
      transactionId: 'h-r',
      type: 'REVERSAL',
      authorizationId: 'h-a2',
    });
    // A hold with a TTL of one second, swept once it is due.
    await authorize(
      { store, clock: systemClock, policy: { holdTtlSeconds: 1 } },
      { authorizationId: 'h-a3', amount: 1_000, ...base },
    );
    const later = new Date(Date.now() + 5_000);
    const swept = await sweepTimers({
      store,
      clock: { now: () => later },
      logger: createLogger('ledger-test'),
    });
    const expired = await store.getAuthorization('h-a3');
    const decided = [
      ...('events' in deposit ? deposit.events : []),
      ...approvals.flatMap((a) => ('record' in a ? a.record.events : [])),
      ...('record' in declined ? declined.record.events : []),
      ...('events' in completed ? completed.events : []),
      ...('events' in released ? released.events : []),
      ...(expired?.events ?? []),
    ];

    // Act
    const envelopes = (await receiveJson(clients.sqs, tap, decided.length)) as BusEnvelope[];

    // Assess: each kind once, each exactly as decided and stored
    expect(swept.holdsExpired).toBe(1);
    expect(new Set(decided.map((e) => e.type))).toEqual(
      new Set([
        'ledger.transaction.posted',
        'ledger.authorization.approved',
        'ledger.authorization.declined',
        'ledger.authorization.completed',
        'ledger.authorization.released',
        'ledger.authorization.expired',
      ]),
    );
    expectOnTheBusAsDecided(decided, envelopes);
  });
});
