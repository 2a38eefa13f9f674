import {
  isRoutedTo,
  LedgerEvent,
  NOTIFIER_ROUTES,
  type NotifierChannel,
} from '@atm-ledger/contracts';
import {
  DynamoDbLedgerStore,
  eventsToPublish,
  rebuild,
  type TransactionRecord,
} from '@atm-ledger/ledger';
import { itemToAuthorization, itemToRecord } from '@atm-ledger/ledger/items';
import type { LocalResources } from '@atm-ledger/local-cloud';
import {
  formatMoney,
  type Notification,
  type NotificationKind,
  notificationsFor,
} from '@atm-ledger/notifier';
import { formatRebuildReport } from '@atm-ledger/ops';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { LedgerApiClient } from '../traffic/api.js';
import type { InjectedPoison } from './traffic.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

type Image = Record<string, AttributeValue>;

const s = (image: Image, name: string) => image[name]?.S;
const n = (image: Image, name: string) => Number(image[name]?.N ?? Number.NaN);

export interface LedgerSnapshot {
  /** Transaction items by id (decided or pending), without the AWAITED placeholders. */
  readonly transactions: ReadonlyMap<string, Image>;
  /** The same items read as the ledger reads them: the request folded with its journal. */
  readonly records: ReadonlyMap<string, TransactionRecord>;
  readonly entries: readonly Image[];
  /** Authorization items by id, and the same read as the ledger reads them. */
  readonly authorizations: ReadonlyMap<string, Image>;
  readonly authorizationRecords: ReadonlyMap<string, AuthorizationRecord>;
}

type AuthorizationRecord = ReturnType<typeof itemToAuthorization>;

export function ledgerSnapshot(items: readonly Image[]): LedgerSnapshot {
  const transactions = new Map<string, Image>();
  const records = new Map<string, TransactionRecord>();
  const entries: Image[] = [];
  const authorizations = new Map<string, Image>();
  const authorizationRecords = new Map<string, AuthorizationRecord>();
  for (const item of items) {
    const entity = s(item, 'entity');
    if (entity === 'AUTHORIZATION') {
      const id = s(item, 'authorizationId') ?? '';
      authorizations.set(id, item);
      authorizationRecords.set(id, itemToAuthorization(unmarshall(item)));
    } else if (entity === 'TRANSACTION' && s(item, 'sk') === 'TX') {
      const id = s(item, 'transactionId') ?? '';
      transactions.set(id, item);
      records.set(id, itemToRecord(unmarshall(item)));
    } else if (entity === 'ENTRY') {
      entries.push(item);
    }
  }
  return { transactions, records, entries, authorizations, authorizationRecords };
}

const DECIDED = new Set(['POSTED', 'REJECTED']);

/**
 * Every accepted transaction has exactly one decision, and a posted one moved
 * each of its accounts exactly once: one entry per (account, transaction),
 * matching the movement the decision recorded; no entry for anything else.
 */
export function checkExactlyOnce(snapshot: LedgerSnapshot, accepted: ReadonlySet<string>): Check {
  const problems: string[] = [];
  let undecided = 0;
  for (const id of accepted) {
    const item = snapshot.transactions.get(id);
    if (item === undefined || !DECIDED.has(s(item, 'status') ?? '')) {
      undecided++;
      if (problems.length < 5)
        problems.push(`${id}: ${item === undefined ? 'no decision' : s(item, 'status')}`);
    }
  }
  const entriesByKey = new Map<string, Image[]>();
  for (const entry of snapshot.entries) {
    const key = `${s(entry, 'accountId')}|${s(entry, 'transactionId')}`;
    entriesByKey.set(key, [...(entriesByKey.get(key) ?? []), entry]);
  }
  let twice = 0;
  for (const [key, list] of entriesByKey) {
    if (list.length > 1) {
      twice++;
      if (problems.length < 10) problems.push(`${key}: ${list.length} entries`);
    }
  }
  let missing = 0;
  let expectedEntries = 0;
  for (const [id, record] of snapshot.records) {
    if (record.status !== 'POSTED') continue;
    for (const movement of record.movements) {
      expectedEntries++;
      const list = entriesByKey.get(`${movement.accountId}|${id}`) ?? [];
      if (list.length === 0 || n(list[0] ?? {}, 'amount') !== movement.amount) {
        missing++;
        if (problems.length < 15)
          problems.push(`${id}: movement of ${movement.accountId} has no matching entry`);
      }
    }
  }
  const orphans = snapshot.entries.length - expectedEntries + missing;
  if (orphans !== 0 && problems.length < 20)
    problems.push(`${orphans} entries belong to no posted movement`);
  const decided = [...snapshot.transactions.values()].filter((i) =>
    DECIDED.has(s(i, 'status') ?? ''),
  );
  const posted = decided.filter((i) => s(i, 'status') === 'POSTED').length;
  return {
    name: 'every accepted transaction decided exactly once',
    ok: undecided === 0 && twice === 0 && missing === 0 && orphans === 0,
    detail:
      `${accepted.size} accepted, ${decided.length} decided (${posted} posted, ${decided.length - posted} rejected), ` +
      `${snapshot.entries.length} entries; undecided ${undecided}, applied twice ${twice}, missing entries ${missing}` +
      (problems.length > 0 ? `\n      ${problems.join('\n      ')}` : ''),
  };
}

/** Sums every decided transaction's legs here, and asks the API too: both must balance. */
export async function checkTrialBalance(
  snapshot: LedgerSnapshot,
  api: Pick<LedgerApiClient, 'request'>,
): Promise<Check> {
  const totals = new Map<string, { debits: number; credits: number }>();
  for (const record of snapshot.records.values()) {
    for (const leg of record.legs) {
      const t = totals.get(leg.currency) ?? { debits: 0, credits: 0 };
      t.debits += leg.debit;
      t.credits += leg.credit;
      totals.set(leg.currency, t);
    }
  }
  // Amounts at each currency's exponent: 38515000 USD minor units read 385,150.00 USD.
  const pair = (currency: string, t: { debits: number; credits: number }) =>
    `${formatMoney(t.debits, currency)} / ${formatMoney(t.credits, currency)}`;
  const ours = [...totals].map(([c, t]) => pair(c, t)).join(', ');
  const oursOk = [...totals.values()].every((t) => t.debits === t.credits);
  const r = await api.request('GET', '/v1/ledger/trial-balance');
  const body = r.body as
    | { currencies?: Record<string, { debits: number; credits: number; balanced: boolean }> }
    | undefined;
  const currencies = Object.entries(body?.currencies ?? {});
  const apiOk =
    r.status === 200 && currencies.length > 0 && currencies.every(([, t]) => t.balanced);
  return {
    name: 'trial balance holds',
    ok: oursOk && apiOk && totals.size > 0,
    detail: `legs debits/credits: ${ours || 'none'}; GET /v1/ledger/trial-balance: ${r.status} ${currencies.map(([c, t]) => `${pair(c, t)} balanced=${t.balanced}`).join(', ')}`,
  };
}

export async function checkRebuild(client: DynamoDBClient, tableName: string): Promise<Check> {
  const store = new DynamoDbLedgerStore(client, tableName);
  const report = await rebuild(store);
  return {
    name: 'rebuild shows zero drift',
    ok: report.drift.length === 0,
    detail: (await formatRebuildReport(report, store, 5)).replaceAll('\n', '\n      '),
  };
}

export interface NotificationSettings {
  readonly kinds: Readonly<Record<NotifierChannel, ReadonlySet<NotificationKind>>>;
  readonly largeWithdrawalThreshold: number;
}

const CHANNELS = Object.keys(NOTIFIER_ROUTES) as NotifierChannel[];

/** The notification ids one channel sends for one event. */
function notificationIds(
  channel: NotifierChannel,
  event: LedgerEvent,
  settings: NotificationSettings,
): string[] {
  if (!isRoutedTo(channel, event)) return [];
  return notificationsFor(event, {
    kinds: settings.kinds[channel],
    largeWithdrawalThreshold: settings.largeWithdrawalThreshold,
    now: new Date(0),
  }).map((n) => n.notificationId);
}

/**
 * When a runtime process died between a notifier's send and its record of
 * it, the claim expires and the redelivered message sends once more: the
 * one window of at-least-once delivery left (docs/faults.md). A duplicate is
 * explained only if a crash fell between its two copies, within a claim's
 * lifetime of the first; any other duplicate is a bug.
 */
export interface CrashWindow {
  /** Epoch ms of every process kill. */
  readonly crashes: readonly number[];
  /** Longest a claim is held: the notifier's timeout (its visibility timeout locally), with slack. */
  readonly claimMs: number;
}

/**
 * What the notifiers must have sent, derived from the ledger's final state
 * with the same functions the pipe and the notifiers run (the publication
 * routes, each record's journal (`eventsToPublish`), `notificationsFor`), against what the local
 * channel received: nothing missing, nothing extra, and nothing twice
 * except where a crash explains it.
 */
export function checkNotifications(
  snapshot: LedgerSnapshot,
  received: readonly Notification[],
  settings: NotificationSettings,
  window: CrashWindow,
): Check & { readonly crashDuplicates: number } {
  const expected = new Set<string>();
  // Authorizations are published from their items too: a decline sends the rejected-withdrawal notice.
  const published = [
    ...[...snapshot.transactions.values()].filter((i) => DECIDED.has(s(i, 'status') ?? '')),
    ...snapshot.authorizations.values(),
  ];
  for (const item of published) {
    const record = {
      eventName: 'INSERT',
      dynamodb: { NewImage: item },
    } as unknown as DynamoDBRecord;
    for (const event of eventsToPublish(record)) {
      for (const channel of CHANNELS) {
        for (const id of notificationIds(channel, event, settings)) expected.add(id);
      }
    }
  }
  const copies = new Map<string, number[]>();
  for (const r of received) {
    copies.set(r.notificationId, [
      ...(copies.get(r.notificationId) ?? []),
      Date.parse(r.createdAt),
    ]);
  }
  const lost = [...expected].filter((id) => !copies.has(id));
  const unexpected = [...copies.keys()].filter((id) => !expected.has(id));
  let crashDuplicates = 0;
  const duplicated: string[] = [];
  for (const [id, times] of copies) {
    if (times.length < 2) continue;
    const sorted = [...times].sort((x, y) => x - y);
    const explained = sorted.slice(1).every((later, i) => {
      const first = sorted[i] ?? 0;
      return window.crashes.some((t) => t >= first && t <= later && t - first <= window.claimMs);
    });
    if (explained) crashDuplicates += times.length - 1;
    else duplicated.push(`${id} ×${times.length}`);
  }
  return {
    name: 'no notification lost or duplicated',
    ok:
      lost.length === 0 && duplicated.length === 0 && unexpected.length === 0 && expected.size > 0,
    crashDuplicates,
    detail:
      `${expected.size} expected, ${received.length} received; lost ${lost.length}, duplicated ${duplicated.length}, ` +
      `unexpected ${unexpected.length}; re-sent after a crash between send and record: ${crashDuplicates}` +
      [
        ...lost.slice(0, 5).map((id) => `lost ${id}`),
        ...duplicated.slice(0, 5),
        ...unexpected.slice(0, 5).map((id) => `unexpected ${id}`),
      ]
        .map((l) => `\n      ${l}`)
        .join(''),
  };
}

/** Every message of a queue, left on it (each is received once, then hidden for a while). */
export async function peekQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) empty++;
    for (const m of messages) bodies.push(m.Body ?? '');
  }
  return bodies;
}

/** The coordinates and reason a poison letter carries (services/ledger's poison sink writes them). */
function parsePoisonLetter(
  body: string,
): { reason: string; shardId: string; sequenceNumber: string } | undefined {
  try {
    const value = JSON.parse(body) as {
      reason?: unknown;
      source?: { shardId?: unknown; sequenceNumber?: unknown };
    };
    const source = value.source ?? {};
    if (
      typeof value.reason !== 'string' ||
      typeof source.sequenceNumber !== 'string' ||
      typeof source.shardId !== 'string'
    )
      return undefined;
    return { reason: value.reason, shardId: source.shardId, sequenceNumber: source.sequenceNumber };
  } catch {
    return undefined;
  }
}

export interface DeadLetterQueues {
  readonly poison: string;
  readonly notifiers: Readonly<Record<NotifierChannel, string>>;
  /** Queues that must stay empty. */
  readonly others: Readonly<Record<string, string>>;
}

export function deadLetterQueues(
  resources: LocalResources,
  onFailureUrl: string,
): DeadLetterQueues {
  return {
    poison: resources.poisonQueueUrl,
    notifiers: {
      receipts: resources.notifierQueues.receipts.dlq.url,
      alerts: resources.notifierQueues.alerts.dlq.url,
    },
    others: { 'ledger on-failure': onFailureUrl, 'pipe DLQ': resources.pipeDlq.url },
  };
}

/** The ledger event inside a notifier queue's message: the bus event, as SNS delivered it raw. */
function ledgerEventOf(body: string): LedgerEvent | undefined {
  try {
    const value = JSON.parse(body) as { detail?: unknown; Message?: unknown };
    // Raw delivery carries the bus event; an SNS envelope carries it as a string in Message.
    const busEvent =
      typeof value.Message === 'string'
        ? (JSON.parse(value.Message) as { detail?: unknown })
        : value;
    const parsed = LedgerEvent.safeParse(busEvent.detail);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every dead letter must be accounted for:
 * - a poison letter carries the coordinates of a record the soak put on the
 *   stream as poison, and a reason; and every such record has its letter;
 * - a notifier letter is a message whose notifications were all sent anyway,
 *   dead-lettered because crashes kept it from being deleted (its receives ran
 *   out); a letter whose notifications are missing is a loss;
 * - the ledger's on-failure queue and the pipe's DLQ stay empty.
 */
export async function checkDeadLetters(
  sqs: SQSClient,
  queues: DeadLetterQueues,
  injected: readonly InjectedPoison[],
  notifications: {
    readonly received: readonly Notification[];
    readonly settings: NotificationSettings;
    readonly crashes: number;
  },
): Promise<{ check: Check; counts: Record<string, number> }> {
  const counts: Record<string, number> = {};
  const unexplained: string[] = [];
  const key = (shardId: string, sequenceNumber: string) => `${shardId}|${sequenceNumber}`;
  const poisonBodies = await peekQueue(sqs, queues.poison);
  counts.poison = poisonBodies.length;
  const found = new Set<string>();
  for (const body of poisonBodies) {
    const letter = parsePoisonLetter(body);
    const match = injected.find(
      (p) => p.sequenceNumber === letter?.sequenceNumber && p.shardId === letter.shardId,
    );
    if (match === undefined || !letter?.reason) unexplained.push(`poison: ${body.slice(0, 200)}`);
    else found.add(key(match.shardId, match.sequenceNumber));
  }
  const sent = new Set(notifications.received.map((n) => n.notificationId));
  let doneButDeadLettered = 0;
  for (const channel of CHANNELS) {
    const bodies = await peekQueue(sqs, queues.notifiers[channel]);
    counts[`${channel} DLQ`] = bodies.length;
    for (const body of bodies) {
      const event = ledgerEventOf(body);
      const owed =
        event === undefined ? [] : notificationIds(channel, event, notifications.settings);
      if (event !== undefined && notifications.crashes > 0 && owed.every((id) => sent.has(id))) {
        doneButDeadLettered++;
      } else {
        unexplained.push(`${channel} DLQ: ${body.slice(0, 200)}`);
      }
    }
  }
  for (const [name, url] of Object.entries(queues.others)) {
    const bodies = await peekQueue(sqs, url);
    counts[name] = bodies.length;
    for (const body of bodies) unexplained.push(`${name}: ${body.slice(0, 200)}`);
  }
  const missing = injected.filter((p) => !found.has(key(p.shardId, p.sequenceNumber)));
  return {
    counts,
    check: {
      name: 'every dead letter explained',
      ok: unexplained.length === 0 && missing.length === 0,
      detail:
        `${injected.length} poison records injected, ${found.size} with their letter ` +
        `(${poisonBodies.length - found.size} more letters are copies from redeliveries); ` +
        `notifier letters already sent, dead-lettered by crashes: ${doneButDeadLettered}; ` +
        `dead letters: ${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', ',
          )}; unexplained ${unexplained.length}, poison without a letter ${missing.length}` +
        [
          ...unexplained.slice(0, 5),
          ...missing.slice(0, 5).map((p) => `missing ${p.kind} ${p.shardId} ${p.sequenceNumber}`),
        ]
          .map((l) => `\n      ${l}`)
          .join(''),
    },
  };
}

/** What the soak's ATMs did after each authorization, and what they were answered. */
export interface SentAuthorization {
  readonly authorizationId: string;
  readonly accountId: string;
  readonly amount: number;
  /** What the ATM does after an approval (`ABANDON`: nothing, so it must expire). */
  readonly settlement: 'FULL' | 'PARTIAL' | 'RELEASE' | 'ABANDON';
  /** The decision the ATM was answered; the follow-up was sent only after an approval. */
  readonly decision: 'APPROVED' | 'DECLINED';
  /** What the completion posted, for FULL and PARTIAL. */
  readonly completedAmount?: number;
}

/** `GET /v1/authorizations/{id}`, as far as the checks read it. */
export interface AuthorizationViewLike {
  readonly authorizationId: string;
  readonly accountId: string;
  readonly status: string;
  readonly amount: number;
  readonly completedAmount?: number;
}

/** `GET /v1/accounts/{id}`, as far as the checks read it. */
export interface AccountViewLike {
  readonly accountId: string;
  readonly balance: number;
  readonly overdraftLimit: number;
  readonly heldAmount: number;
  readonly availableBalance: number;
}

const ENDINGS = new Set([
  'ledger.authorization.completed',
  'ledger.authorization.released',
  'ledger.authorization.expired',
]);

/**
 * Holds after the drain (expiry and its sweep included), from the API and
 * the items:
 * - every authorization ended exactly once: none left APPROVED; an approved
 *   one has exactly one completion, release or expiry in its journal (a
 *   completion after the expiry posts the cash but ends nothing), a declined
 *   one none;
 * - each ended as its ATM acted: a completion COMPLETED for what was posted
 *   (an expired hold still completes), a release RELEASED (or EXPIRED, if the
 *   expiry came first), an abandoned hold EXPIRED, a decline DECLINED;
 * - every account's heldAmount is the sum of its authorizations still
 *   APPROVED, and availableBalance = balance + overdraftLimit − heldAmount.
 */
export function checkHolds(
  sent: readonly SentAuthorization[],
  views: ReadonlyMap<string, AuthorizationViewLike | undefined>,
  accounts: readonly AccountViewLike[],
  snapshot: Pick<LedgerSnapshot, 'authorizationRecords'>,
): Check {
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < 12) problems.push(p);
  };
  const byStatus: Record<string, number> = {};
  let stillApproved = 0;
  let endedOtherwise = 0;
  let notOnce = 0;
  let completedAfterExpiry = 0;
  const held = new Map<string, number>();
  for (const a of sent) {
    const view = views.get(a.authorizationId);
    if (view === undefined) {
      note(`${a.authorizationId}: GET /v1/authorizations answered no authorization`);
      endedOtherwise++;
      continue;
    }
    byStatus[view.status] = (byStatus[view.status] ?? 0) + 1;
    if (view.status === 'APPROVED') {
      stillApproved++;
      held.set(view.accountId, (held.get(view.accountId) ?? 0) + view.amount);
      note(`${a.authorizationId}: still APPROVED after expiry and its sweep`);
    }
    const journal = snapshot.authorizationRecords.get(a.authorizationId)?.events ?? [];
    const types = journal.map((e) => e.type);
    // An expired hold still completes (the cash left): its completion posts, but the hold ended
    // at the expiry, so it is not a second ending.
    const expiredAt = types.indexOf('ledger.authorization.expired');
    const lateCompletion =
      expiredAt >= 0 && types.indexOf('ledger.authorization.completed') > expiredAt;
    if (lateCompletion) completedAfterExpiry++;
    const endings = types.filter((t) => ENDINGS.has(t)).length - (lateCompletion ? 1 : 0);
    const wantEndings = a.decision === 'APPROVED' ? 1 : 0;
    if (endings !== wantEndings) {
      notOnce++;
      note(`${a.authorizationId}: ${endings} endings in its journal, expected ${wantEndings}`);
    }
    const allowed: readonly string[] =
      a.decision === 'DECLINED'
        ? ['DECLINED']
        : a.settlement === 'RELEASE'
          ? ['RELEASED', 'EXPIRED']
          : a.settlement === 'ABANDON'
            ? ['EXPIRED']
            : ['COMPLETED'];
    const amountOk =
      view.status !== 'COMPLETED' || view.completedAmount === (a.completedAmount ?? a.amount);
    if (!allowed.includes(view.status) || !amountOk) {
      endedOtherwise++;
      note(
        `${a.authorizationId} (${a.decision}, ${a.settlement}): ${view.status}` +
          (view.status === 'COMPLETED'
            ? ` for ${view.completedAmount}, posted ${a.completedAmount ?? a.amount}`
            : '') +
          `, expected ${allowed.join(' or ')}`,
      );
    }
  }
  let heldWrong = 0;
  let availableWrong = 0;
  for (const account of accounts) {
    const want = held.get(account.accountId) ?? 0;
    if (account.heldAmount !== want) {
      heldWrong++;
      note(
        `${account.accountId}: heldAmount ${account.heldAmount}, its APPROVED authorizations hold ${want}`,
      );
    }
    const available = account.balance + account.overdraftLimit - account.heldAmount;
    if (account.availableBalance !== available) {
      availableWrong++;
      note(
        `${account.accountId}: availableBalance ${account.availableBalance}, balance + overdraft - held = ${available}`,
      );
    }
  }
  return {
    name: 'every hold ended exactly once, and the accounts hold what is still approved',
    ok:
      stillApproved === 0 &&
      endedOtherwise === 0 &&
      notOnce === 0 &&
      heldWrong === 0 &&
      availableWrong === 0 &&
      sent.length > 0,
    detail:
      `${sent.length} authorizations (${Object.entries(byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}); completed after they expired ${completedAfterExpiry}; still approved ${stillApproved}, not ended as the ATM acted ${endedOtherwise}, ` +
      `not ended exactly once ${notOnce}; ${accounts.length} accounts: heldAmount wrong ${heldWrong}, availableBalance wrong ${availableWrong}` +
      problems.map((p) => `\n      ${p}`).join(''),
  };
}
