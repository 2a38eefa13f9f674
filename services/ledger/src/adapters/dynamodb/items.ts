import {
  type AtmTransaction,
  AUTHORIZATION_ENTITY,
  type AuthorizationEvent,
  type AuthorizationFields,
  type LedgerEvent,
  type Leg,
  type RejectionReason,
  type TransactionEvent,
} from '@atm-ledger/contracts';
import type { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  type Account,
  type AuthorizationRecord,
  type Entry,
  evolveAuthorization,
  evolveRecord,
  initialAuthorization,
  initialRecord,
  type Movement,
  type TransactionRecord,
} from '../../domain/index.js';

/**
 * Single-table design (docs/ledger.md draws it):
 *
 * | item        | pk            | sk                 |
 * |-------------|---------------|--------------------|
 * | transaction | `TX#<id>`     | `TX`               |
 * | account     | `ACCT#<id>`   | `ACCT`             |
 * | entry       | `ACCT#<id>`   | `ENTRY#<sequence>` |
 * | authorization | `AUTH#<id>` | `AUTH`             |
 *
 * Entries share their account's partition so one Query pages through an
 * account's history in order. System accounts (ATM cash) have no item of their
 * own: their legs live on the transaction item, so a busy ATM is never a hot key.
 */
export const keys = {
  transaction: (id: string) => ({ pk: `TX#${id}`, sk: 'TX' }),
  account: (id: string) => ({ pk: `ACCT#${id}`, sk: 'ACCT' }),
  entry: (accountId: string, sequence: number) => ({
    pk: `ACCT#${accountId}`,
    sk: `ENTRY#${String(sequence).padStart(12, '0')}`,
  }),
  /**
   * Written by ingest before the record goes on the stream: it claims the id
   * for one payload (the idempotency door), and lets reads say PENDING before
   * the ledger decides.
   */
  accepted: (id: string) => ({ pk: `TX#${id}`, sk: 'ACCEPTED' }),
  /**
   * An authorization: its request, status and journal. A partition of its own
   * (authorization ids are a namespace of their own), written with its
   * account in the decision's one transaction.
   */
  authorization: (id: string) => ({ pk: `AUTH#${id}`, sk: 'AUTH' }),
  entryPrefix: 'ENTRY#',
  /**
   * A timer: something the ledger must decide when `dueAt` comes (today, an
   * early reversal that waited its window out). Timers are spread over
   * `TIMER_SHARDS` partitions by transaction id, so no partition is hot, and
   * sorted by due time, so the sweeper reads what is due with one Query per
   * shard and nothing else.
   */
  timer: (timer: TimerRef) => ({
    pk: `TIMER#${timerShard(timerSubject(timer))}`,
    sk: `${timer.dueAt}#${timer.kind}#${timerSubject(timer)}`,
  }),
  timerShardKey: (shard: number) => `TIMER#${shard}`,
  /**
   * Running totals of posted legs per currency, in `TOTALS_SHARDS` items per
   * currency so no item is hot: each posting adds to the one its id hashes to,
   * in its own transaction. The trial balance reads every shard: one Query
   * each, whatever the table's size.
   */
  totals: (shard: number, currency: string) => ({ pk: `TOTALS#${shard}`, sk: currency }),
  totalsShardKey: (shard: number) => `TOTALS#${shard}`,
};

/** How every partition key of the table begins, one per kind of item; nothing else is stored. */
export const PARTITION_PREFIXES = ['TX#', 'ACCT#', 'AUTH#', 'TIMER#', 'TOTALS#'] as const;

/** Shards of the running totals: see `keys.totals` and docs/capacity.md. */
export const TOTALS_SHARDS = 32;

/** Partitions timers are spread over; the sweeper reads each of them. */
export const TIMER_SHARDS = 4;

/**
 * What a timer is for, and when: an early reversal's wait running out, or an
 * approved hold's expiry. `dueAt` is an ISO instant as `Date#toISOString` writes it.
 */
export type TimerRef =
  | { readonly kind: 'REVERSAL_EXPIRY'; readonly transactionId: string; readonly dueAt: string }
  | { readonly kind: 'HOLD_EXPIRY'; readonly authorizationId: string; readonly dueAt: string };

/** The id a timer is about: its reversal's transaction, or its hold's authorization. */
export const timerSubject = (timer: TimerRef): string =>
  timer.kind === 'REVERSAL_EXPIRY' ? timer.transactionId : timer.authorizationId;

/** A stable shard of an id (FNV-1a), the same in every process. */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export const timerShard = (subjectId: string) => shardOf(subjectId, TIMER_SHARDS);
export const totalsShard = (transactionId: string) => shardOf(transactionId, TOTALS_SHARDS);

/** Timers outlive their due time by this much at most: TTL clears one the sweeper somehow never reached. */
const TIMER_TTL_GRACE_SECONDS = 7 * 24 * 3600;

export function timerToItem(timer: TimerRef): Item {
  return {
    ...keys.timer(timer),
    entity: 'TIMER',
    ...timer,
    expiresAt: Math.floor(Date.parse(timer.dueAt) / 1000) + TIMER_TTL_GRACE_SECONDS,
  };
}

export function itemToTimer(item: Item): TimerRef {
  return item.kind === 'HOLD_EXPIRY'
    ? {
        kind: 'HOLD_EXPIRY',
        authorizationId: String(item.authorizationId),
        dueAt: String(item.dueAt),
      }
    : {
        kind: 'REVERSAL_EXPIRY',
        transactionId: String(item.transactionId),
        dueAt: String(item.dueAt),
      };
}

/**
 * The sort-key bound of every timer due at or before `now`: keys are
 * `<dueAt>#...`, `#` sorts just before `$`, and every `dueAt` is written in
 * the same 24-character ISO form.
 */
export const timersDueBound = (now: string) => `${now}$`;

export type Item = Record<string, unknown>;

/**
 * What ingest's acceptance marker holds: the payload that claimed the id
 * (PAN already reduced to its last 4 digits) and its fingerprint.
 */
export interface Acceptance {
  readonly transaction: AtmTransaction;
  readonly payloadHash: string;
  readonly acceptedAt: string;
}

/** Markers expire: once the ledger has decided, the transaction item answers reads and conflicts. */
export const ACCEPTANCE_TTL_SECONDS = 7 * 24 * 3600;

export function acceptanceToItem(acceptance: Acceptance): Item {
  return {
    ...keys.accepted(acceptance.transaction.transactionId),
    entity: 'ACCEPTED',
    transactionId: acceptance.transaction.transactionId,
    payloadHash: acceptance.payloadHash,
    tx: acceptance.transaction,
    acceptedAt: acceptance.acceptedAt,
    expiresAt: Math.floor(Date.parse(acceptance.acceptedAt) / 1000) + ACCEPTANCE_TTL_SECONDS,
  };
}

/**
 * The idempotency door: ingest's one write per request. It claims the id for
 * this payload unless another payload holds it; a retry of the same payload
 * passes (and is put on the stream again, in case the first put was lost). A
 * marker from before markers held their payload never blocks. On failure the
 * holder comes back (`ALL_OLD`), so the refusal can say which fields differ.
 */
export function acceptancePut(tableName: string, acceptance: Acceptance): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: marshall(acceptanceToItem(acceptance), { removeUndefinedValues: true }),
    ConditionExpression:
      'attribute_not_exists(pk) OR attribute_not_exists(payloadHash) OR payloadHash = :hash',
    ExpressionAttributeValues: marshall({ ':hash': acceptance.payloadHash }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** A marker as read back; one written before markers held their payload has none to show. */
export function itemToAcceptance(item: Item): Acceptance | { readonly transaction: undefined } {
  if (typeof item.payloadHash !== 'string' || item.tx === undefined)
    return { transaction: undefined };
  return {
    transaction: item.tx as AtmTransaction,
    payloadHash: item.payloadHash,
    acceptedAt: String(item.acceptedAt),
  };
}

/**
 * The attribute of an account item that holds one UTC day's usage against
 * its daily limit: top-level, so an authorization adds to it and conditions
 * on it in its one write, without reading or rewriting the others.
 */
export const withdrawnAttribute = (day: string) => `withdrawn#${day}`;
const WITHDRAWN_PREFIX = 'withdrawn#';

export function accountToItem(account: Account): Item {
  const { withdrawn, dailyWithdrawalLimit, ...rest } = account;
  const item: Item = { ...keys.account(account.accountId), entity: 'ACCOUNT', ...rest };
  if (dailyWithdrawalLimit !== undefined) item.dailyWithdrawalLimit = dailyWithdrawalLimit;
  for (const [day, amount] of Object.entries(withdrawn)) item[withdrawnAttribute(day)] = amount;
  return item;
}

/** An account as read back; an item from before holds has none (0) and no daily usage. */
export function itemToAccount(item: Item): Account {
  const withdrawn: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(WITHDRAWN_PREFIX))
      withdrawn[name.slice(WITHDRAWN_PREFIX.length)] = Number(value);
  }
  return {
    accountId: String(item.accountId),
    currency: String(item.currency),
    balance: Number(item.balance),
    overdraftLimit: Number(item.overdraftLimit),
    lowBalanceThreshold: Number(item.lowBalanceThreshold),
    version: Number(item.version),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    heldAmount: Number(item.heldAmount ?? 0),
    ...(item.dailyWithdrawalLimit === undefined
      ? {}
      : { dailyWithdrawalLimit: Number(item.dailyWithdrawalLimit) }),
    withdrawn,
  };
}

/**
 * The authorization item: its request (`request`) and fingerprint, and its
 * journal (`events`), published as stored like a transaction's. `status` is
 * top-level for the write conditions (a completion, a release and an expiry
 * each act only on the status they read), `accountId` to find it by account.
 */
export function authorizationToItem(record: AuthorizationRecord): Item {
  return {
    ...keys.authorization(record.fields.authorizationId),
    entity: AUTHORIZATION_ENTITY,
    authorizationId: record.fields.authorizationId,
    accountId: record.fields.accountId,
    status: record.status,
    payloadHash: record.payloadHash,
    request: record.fields,
    events: record.events.map(eventToAttribute),
  };
}

/** The record of an authorization item: its request, folded with its journal. */
export function itemToAuthorization(item: Item): AuthorizationRecord {
  const events = eventsOf(item) as AuthorizationEvent[];
  const decision = events[0];
  const request = {
    kind: 'Authorize' as const,
    fields: item.request as AuthorizationFields,
    payloadHash: String(item.payloadHash),
    correlationId: decision?.correlationId,
  };
  return events.reduce(evolveAuthorization, initialAuthorization(request));
}

export function entryToItem(entry: Entry): Item {
  return { ...keys.entry(entry.accountId, entry.sequence), entity: 'ENTRY', ...entry };
}

export function itemToEntry(item: Item): Entry {
  return {
    accountId: String(item.accountId),
    sequence: Number(item.sequence),
    transactionId: String(item.transactionId),
    type: item.type as Entry['type'],
    amount: Number(item.amount),
    balanceAfter: Number(item.balanceAfter),
    postedAt: String(item.postedAt),
  };
}

/**
 * The transaction item is the ledger's memory of an id, and its journal: the
 * request (`tx`) and its fingerprint (for duplicates and conflicts), and
 * `events`, every event decided for the id, oldest first, each as the JSON
 * the bus will carry. The record is their fold (`itemToRecord`); nothing else
 * is stored twice. `status` and the counters are top-level for the write
 * conditions and the pipe's filter; `accountId` and `type` to filter without
 * parsing `tx`.
 */
export function recordToItem(record: TransactionRecord): Item {
  const item: Item = {
    ...keys.transaction(record.transaction.transactionId),
    entity: 'TRANSACTION',
    transactionId: record.transaction.transactionId,
    accountId: record.transaction.accountId,
    type: record.transaction.type,
    status: record.status,
    payloadHash: record.payloadHash,
    tx: record.transaction,
    conflicts: record.conflicts,
    events: record.events.map(eventToAttribute),
  };
  if (record.reversedBy !== undefined) item.reversedBy = record.reversedBy;
  if (record.conflictHashes.length > 0) item.conflictHashes = new Set(record.conflictHashes);
  if (record.reversalsWaiting !== undefined && record.reversalsWaiting.length > 0) {
    // A list, in arrival order: the first reversal to arrive is the one applied.
    item.reversals = [...record.reversalsWaiting];
  }
  // For the sweep's condition: a PENDING reversal is refused only once its wait is over.
  if (record.status === 'PENDING' && record.waitUntil !== undefined)
    item.waitUntil = record.waitUntil;
  return item;
}

/** An event as the journal keeps it: its JSON, exactly as decided, and as it will be published. */
export const eventToAttribute = (event: LedgerEvent): string => JSON.stringify(event);

/** The events of a transaction item's journal, as decided; a legacy item has none. */
export function eventsOf(item: Item): LedgerEvent[] {
  const stored = item.events;
  if (!Array.isArray(stored)) return [];
  return stored.map((json) => JSON.parse(String(json)) as LedgerEvent);
}

/**
 * Status of the placeholder a reversal leaves at its original's key when it
 * arrives first. It holds only `reversals`, the waiting reversals in arrival
 * order; each one that starts waiting rewrites the list conditional on its
 * length being the one it read, and the original's own write replaces the
 * placeholder conditional on the same, so no waiting reversal can be missed
 * and their order is the stream's.
 */
export const AWAITED = 'AWAITED';
export const isAwaitedPlaceholder = (item: Item) => item.status === AWAITED;
export const reversalsOf = (item: Item): string[] => {
  if (Array.isArray(item.reversals)) return item.reversals.map(String);
  // A string set, as placeholders before arrival order was kept were written: id order.
  if (item.reversals instanceof Set) return [...(item.reversals as Set<string>)].sort();
  return [];
};

/** The record of a transaction item: its request, folded with its journal. */
export function itemToRecord(item: Item): TransactionRecord {
  const events = eventsOf(item);
  if (!Array.isArray(item.events)) return legacyItemToRecord(item);
  const transaction = item.tx as AtmTransaction;
  const decision = events.find((e) => e.type !== 'ledger.transaction.conflict');
  const request = {
    kind: 'PostTransaction' as const,
    transaction,
    payloadHash: String(item.payloadHash),
    correlationId: decision?.correlationId,
  };
  const folded = (events as TransactionEvent[]).reduce(
    evolveRecord,
    initialRecord(request, reversalsOf(item)),
  );
  return {
    ...folded,
    ...(typeof item.reversedBy === 'string' ? { reversedBy: item.reversedBy } : {}),
  };
}

/** A transaction item written before the journal: its outcome in attributes of its own, no events. */
function legacyItemToRecord(item: Item): TransactionRecord {
  const hashes = item.conflictHashes;
  return {
    transaction: item.tx as AtmTransaction,
    payloadHash: String(item.payloadHash),
    status: item.status as TransactionRecord['status'],
    reason: item.reason as RejectionReason | undefined,
    conflicts: Number(item.conflicts ?? 0),
    conflictHashes: hashes instanceof Set ? [...(hashes as Set<string>)] : [],
    legs: (item.legs as Leg[] | undefined) ?? [],
    movements: ((item.movements as Movement[] | undefined) ?? []).map((m) => ({
      ...m,
      overdraftLimit: m.overdraftLimit ?? 0,
    })),
    decidedAt: item.decidedAt as string | undefined,
    correlationId: item.correlationId as string | undefined,
    reversedBy: item.reversedBy as string | undefined,
    ...(reversalsOf(item).length > 0 ? { reversalsWaiting: reversalsOf(item) } : {}),
    events: [],
  };
}
