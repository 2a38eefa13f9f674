import type {
  AtmTransaction,
  AuthorizationEvent,
  AuthorizationFields,
  LedgerEvent,
  ReversalPending,
  TransactionConflict,
  TransactionPosted,
} from '@atm-ledger/contracts';
import {
  type AttributeValue,
  BatchGetItemCommand,
  type CancellationReason,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type Account,
  type AuthorizationRecord,
  type AuthorizationState,
  accountPlansOf,
  accountsTouched,
  addToTotals,
  authorizationRelianceOf,
  type ExactTotals,
  entriesOf,
  evolve,
  evolveAuthorizationState,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  type Reliance,
  relianceOf,
  type TransactionRecord,
  totals,
} from '../../domain/index.js';
import {
  type AuthorizationCommitOutcome,
  type CommitOutcome,
  type EntriesPageResult,
  InvalidCursorError,
  type LedgerStore,
  RetryableStoreError,
  StoreError,
  type TimerStore,
  type TrialBalanceTotals,
  UnprocessableRecordError,
} from '../../ports.js';
import { accountOperation } from './accountWrites.js';
import {
  AWAITED,
  accountToItem,
  authorizationToItem,
  entryToItem,
  eventToAttribute,
  type Item,
  isAwaitedPlaceholder,
  itemToAcceptance,
  itemToAccount,
  itemToAuthorization,
  itemToEntry,
  itemToRecord,
  itemToTimer,
  keys,
  PARTITION_PREFIXES,
  recordToItem,
  reversalsOf,
  TIMER_SHARDS,
  type TimerRef,
  TOTALS_SHARDS,
  timersDueBound,
  timerToItem,
  totalsShard,
} from './items.js';

const toAttrs = (item: Item) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
const fromAttrs = (attrs: Record<string, AttributeValue>) => unmarshall(attrs) as Item;

/** Error names the SDK raises for load the caller should back off from. */
const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);
/** Cancellation reason codes that mean "try again", as opposed to a failed condition. */
const RETRYABLE_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** What each item of a TransactWriteItems stands for, to read its cancellation reason. */
type Slot =
  | { kind: 'transaction' }
  | { kind: 'account'; accountId: string }
  | { kind: 'entry' }
  | { kind: 'original' }
  | { kind: 'timer' }
  | { kind: 'totals' }
  | { kind: 'authorization' };

/**
 * LedgerStore on one DynamoDB table. Every decision is one TransactWriteItems
 * (or one conditional PutItem when a single item suffices), so a posting lands
 * whole or not at all; failures are classified from the cancellation reasons
 * with ALL_OLD, never by matching messages and never with an extra read.
 */
export class DynamoDbLedgerStore implements LedgerStore, TimerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async load(transaction: AtmTransaction): Promise<LedgerState> {
    const wanted = new Map<string, Item>([
      ['tx', keys.transaction(transaction.transactionId)],
      ...accountsTouched(transaction).map((id): [string, Item] => [`acct:${id}`, keys.account(id)]),
    ]);
    if (transaction.originalTransactionId !== undefined) {
      wanted.set('original', keys.transaction(transaction.originalTransactionId));
    }
    if (transaction.authorizationId !== undefined) {
      wanted.set('authorization', keys.authorization(transaction.authorizationId));
    }
    const found = await this.batchGet([...wanted.values()]);
    const get = (k: string) => {
      const key = wanted.get(k);
      return key === undefined ? undefined : found.get(`${key.pk}|${key.sk}`);
    };
    const original = get('original');
    const originalRecord =
      original === undefined || isAwaitedPlaceholder(original) ? undefined : itemToRecord(original);
    const originalWaiting =
      original !== undefined && isAwaitedPlaceholder(original) ? reversalsOf(original) : [];
    const accounts = new Map<string, Account | undefined>();
    for (const id of accountsTouched(transaction)) {
      const item = get(`acct:${id}`);
      accounts.set(id, item === undefined ? undefined : itemToAccount(item));
    }
    // A reversal of a transfer also touches the transfer's other account, known only now.
    const more = accountsTouched(transaction, originalRecord).filter((id) => !accounts.has(id));
    if (more.length > 0) {
      const extra = await this.batchGet(more.map((id) => keys.account(id)));
      for (const id of more) {
        const key = keys.account(id);
        const item = extra.get(`${key.pk}|${key.sk}`);
        accounts.set(id, item === undefined ? undefined : itemToAccount(item));
      }
    }
    const tx = get('tx');
    const existing = tx === undefined || isAwaitedPlaceholder(tx) ? undefined : itemToRecord(tx);
    const authorization = get('authorization');
    return {
      existing,
      accounts,
      original: originalRecord,
      waiting: tx === undefined ? [] : reversalsOf(tx),
      originalWaiting,
      ...(authorization === undefined ? {} : { authorization: itemToAuthorization(authorization) }),
    };
  }

  private async batchGet(keyList: Item[]): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    // BatchGetItem refuses duplicate keys (a reversal naming itself would ask twice).
    const unique = new Map(keyList.map((k) => [`${k.pk}|${k.sk}`, k]));
    let pending: Record<string, AttributeValue>[] = [...unique.values()].map((k) => toAttrs(k));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(500, 10 * 2 ** round)));
      if (round > 10) throw new RetryableStoreError('BatchGetItem kept returning unprocessed keys');
      const response = await this.call(() =>
        this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        ),
      );
      for (const attrs of response.Responses?.[this.tableName] ?? []) {
        const item = fromAttrs(attrs);
        out.set(`${item.pk}|${item.sk}`, item);
      }
      pending = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return out;
  }

  async commit(state: LedgerState, events: readonly LedgerEvent[]): Promise<CommitOutcome> {
    const [first] = events;
    if (first === undefined) throw new StoreError('commit of no events');
    if (first.type === 'ledger.transaction.conflict') return this.commitConflict(state, first);
    const after = events.reduce(evolve, state);
    const record = after.existing;
    if (record === undefined) throw new StoreError(`events of ${first.id} left no record`);
    const slots: Slot[] = [];
    const items: TransactWriteItem[] = [];
    const add = (slot: Slot, item: TransactWriteItem) => {
      slots.push(slot);
      items.push(item);
    };
    add({ kind: 'transaction' }, { Put: this.transactionPut(state, record) });
    const reliances = events.map((event) => relianceOf(state, event));
    this.addAccounts(events, reliances, state.accounts, add);
    this.addAuthorization(reliances, state.authorization, after.authorization, add);
    for (const event of events) {
      switch (event.type) {
        case 'ledger.transaction.posted':
          this.posting(event, add);
          break;
        case 'ledger.reversal.pending':
          this.waiting(state, event, add);
          break;
        case 'ledger.transaction.rejected':
        case 'ledger.authorization.completed':
        case 'ledger.authorization.released':
          break;
        case 'ledger.transaction.conflict':
        case 'ledger.authorization.approved':
        case 'ledger.authorization.declined':
        case 'ledger.authorization.expired':
          throw new StoreError(`${event.id} cannot be part of a posting's decision`);
        default: {
          const never: never = event;
          throw new StoreError(`unhandled event ${JSON.stringify(never)}`);
        }
      }
    }
    return items.length === 1 ? this.putAlone(items[0]) : this.transact(items, slots);
  }

  /** One operation per account the decision writes to or relies on. */
  private addAccounts(
    events: readonly LedgerEvent[],
    reliances: readonly Reliance[],
    accounts: ReadonlyMap<string, Account | undefined>,
    add: (slot: Slot, item: TransactWriteItem) => void,
  ) {
    for (const plan of accountPlansOf(events, reliances, accounts).values()) {
      add({ kind: 'account', accountId: plan.accountId }, accountOperation(this.tableName, plan));
    }
  }

  /**
   * The authorization a decision acts on: rewritten (status and journal) when
   * the decision ended it, conditional on the status it was decided from;
   * checked when the decision relied on its absence.
   */
  private addAuthorization(
    reliances: readonly Reliance[],
    before: AuthorizationRecord | undefined,
    after: AuthorizationRecord | undefined,
    add: (slot: Slot, item: TransactWriteItem) => void,
  ) {
    const relied = reliances.map((r) => r.authorization).find((a) => a !== undefined);
    if (relied === undefined) return;
    if (relied.status === 'ABSENT') {
      add(
        { kind: 'authorization' },
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: toAttrs(keys.authorization(relied.authorizationId)),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      );
      return;
    }
    if (before === undefined || after === undefined)
      throw new StoreError('a decision relied on an authorization it did not read');
    add({ kind: 'authorization' }, { Put: this.authorizationPut(after, relied.status) });
  }

  /** What a posting writes besides its record and its accounts: its entries, the totals, the original's mark. */
  private posting(event: TransactionPosted, add: (slot: Slot, item: TransactWriteItem) => void) {
    for (const entry of entriesOf(event)) {
      add(
        { kind: 'entry' },
        {
          Put: {
            TableName: this.tableName,
            Item: toAttrs(entryToItem(entry)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
    }
    for (const [currency, sums] of totals(event.legs)) {
      add(
        { kind: 'totals' },
        {
          Update: {
            TableName: this.tableName,
            Key: toAttrs(keys.totals(totalsShard(event.transactionId), currency)),
            UpdateExpression: 'SET entity = :entity ADD debits :d, credits :c',
            ExpressionAttributeValues: toAttrs({
              ':entity': 'TOTALS',
              ':d': sums.debits,
              ':c': sums.credits,
            }),
          },
        },
      );
    }
    if (event.transactionType === 'REVERSAL' && event.originalTransactionId !== undefined) {
      add(
        { kind: 'original' },
        {
          Update: {
            TableName: this.tableName,
            Key: toAttrs(keys.transaction(event.originalTransactionId)),
            UpdateExpression: 'SET reversedBy = :by',
            ConditionExpression: 'attribute_not_exists(reversedBy) AND #status = :posted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toAttrs({
              ':by': event.transactionId,
              ':posted': 'POSTED',
            }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      );
    }
  }

  /**
   * An early reversal joins its original's queue: a placeholder at the
   * original's key listing the waiting reversals in arrival order, unless the
   * original was decided since we read it (the reversal must then be decided
   * again, not left waiting) or another reversal joined the list meanwhile (it
   * is decided again behind that one). Its timer is written with it.
   */
  private waiting(
    state: LedgerState,
    event: ReversalPending,
    add: (slot: Slot, item: TransactWriteItem) => void,
  ) {
    const waiting = state.originalWaiting ?? [];
    add(
      { kind: 'original' },
      {
        Update: {
          TableName: this.tableName,
          Key: toAttrs(keys.transaction(event.originalTransactionId)),
          UpdateExpression:
            'SET entity = if_not_exists(entity, :awaited), #status = if_not_exists(#status, :awaited), reversals = :list',
          ConditionExpression:
            waiting.length === 0
              ? 'attribute_not_exists(pk)'
              : '#status = :awaited AND size(reversals) = :n',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toAttrs({
            ':list': [...waiting, event.transactionId],
            ':awaited': AWAITED,
            ...(waiting.length === 0 ? {} : { ':n': waiting.length }),
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    );
    if (event.waitUntil === undefined)
      throw new StoreError(`PENDING ${event.transactionId} reversal has no waitUntil`);
    add(
      { kind: 'timer' },
      {
        Put: {
          TableName: this.tableName,
          Item: toAttrs(
            timerToItem({
              kind: 'REVERSAL_EXPIRY',
              transactionId: event.transactionId,
              dueAt: event.waitUntil,
            }),
          ),
        },
      },
    );
  }

  /**
   * The transaction item is written exactly once per id: on an empty key; over
   * its own PENDING record when a waiting reversal is decided (conditional on
   * the conflicts counted meanwhile, which it carries over); or over the
   * placeholder early reversals left, conditional on that list of reversals
   * being exactly the one it read.
   */
  private transactionPut(state: LedgerState, record: TransactionRecord) {
    const base = {
      TableName: this.tableName,
      Item: toAttrs(recordToItem(record)),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const before = state.existing;
    if (before !== undefined) {
      if (before.status !== 'PENDING')
        throw new StoreError(`transaction ${record.transaction.transactionId} decided twice`);
      return {
        ...base,
        ConditionExpression:
          '#status = :pending AND payloadHash = :hash AND conflicts = :conflicts',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toAttrs({
          ':pending': 'PENDING',
          ':hash': before.payloadHash,
          ':conflicts': before.conflicts,
        }),
      };
    }
    if (state.waiting.length > 0) {
      return {
        ...base,
        ConditionExpression: '#status = :awaited AND size(reversals) = :n',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toAttrs({ ':awaited': AWAITED, ':n': state.waiting.length }),
      };
    }
    return { ...base, ConditionExpression: 'attribute_not_exists(pk)' };
  }

  /** A decision that writes only the transaction item needs no transaction: half the write units. */
  private async putAlone(item: TransactWriteItem | undefined): Promise<CommitOutcome> {
    const put = item?.Put;
    if (put === undefined) throw new StoreError('single-item commit without a Put');
    try {
      await this.call(() => this.client.send(new PutItemCommand(put)));
      return { kind: 'Committed' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item !== undefined) {
        const item = fromAttrs(error.Item);
        return isAwaitedPlaceholder(item)
          ? { kind: 'WaitingChanged', waiting: reversalsOf(item) }
          : { kind: 'AlreadyDecided', existing: itemToRecord(item) };
      }
      throw error;
    }
  }

  private async transact(items: TransactWriteItem[], slots: Slot[]): Promise<CommitOutcome> {
    try {
      await this.call(() =>
        this.client.send(new TransactWriteItemsCommand({ TransactItems: items })),
      );
      return { kind: 'Committed' };
    } catch (error) {
      if (error instanceof TransactionCanceledException) return classifyCancellation(error, slots);
      throw error;
    }
  }

  /**
   * A conflicting payload is counted on the record it conflicts with: its
   * event joins the journal, conditional on the count being the one decided
   * from (so conflict numbers are never taken twice), on the payload not
   * counted already, and on the bound. A failed condition returns the record
   * as it is, to decide again from.
   */
  private async commitConflict(
    state: LedgerState,
    event: TransactionConflict,
  ): Promise<CommitOutcome> {
    const before = state.existing;
    if (before === undefined)
      throw new StoreError(`conflict recorded for unknown transaction ${event.transactionId}`);
    try {
      await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toAttrs(keys.transaction(event.transactionId)),
            UpdateExpression:
              'SET conflicts = :n, events = list_append(if_not_exists(events, :none), :event) ADD conflictHashes :hashes',
            ConditionExpression:
              'conflicts = :before AND NOT contains(conflictHashes, :hash) AND (attribute_not_exists(conflictHashes) OR size(conflictHashes) < :max)',
            ExpressionAttributeValues: toAttrs({
              ':n': event.conflictNumber,
              ':before': before.conflicts,
              ':none': [],
              ':event': [eventToAttribute(event)],
              ':hashes': new Set([event.conflictingPayloadHash]),
              ':hash': event.conflictingPayloadHash,
              ':max': MAX_CONFLICTS_COUNTED,
            }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { kind: 'Committed' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if (error.Item === undefined)
          throw new StoreError(`conflict recorded for unknown transaction ${event.transactionId}`);
        return { kind: 'AlreadyDecided', existing: itemToRecord(fromAttrs(error.Item)) };
      }
      throw error;
    }
  }

  /**
   * An authorization item is written whole: on an empty key when first
   * decided, else over the status the decision read, so a hold ends once.
   */
  private authorizationPut(record: AuthorizationRecord, before: string | undefined) {
    return {
      TableName: this.tableName,
      Item: toAttrs(authorizationToItem(record)),
      ConditionExpression: before === undefined ? 'attribute_not_exists(pk)' : '#status = :before',
      ...(before === undefined
        ? {}
        : {
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toAttrs({ ':before': before }),
          }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  async loadAuthorization(fields: AuthorizationFields): Promise<AuthorizationState> {
    const authKey = keys.authorization(fields.authorizationId);
    const accountKey = keys.account(fields.accountId);
    const found = await this.batchGet([authKey, accountKey]);
    const auth = found.get(`${authKey.pk}|${authKey.sk}`);
    const account = found.get(`${accountKey.pk}|${accountKey.sk}`);
    return {
      existing: auth === undefined ? undefined : itemToAuthorization(auth),
      account: account === undefined ? undefined : itemToAccount(account),
    };
  }

  async getAuthorization(authorizationId: string) {
    const item = await this.getItem(keys.authorization(authorizationId));
    return item === undefined ? undefined : itemToAuthorization(item);
  }

  /**
   * One TransactWriteItems: the authorization's record, its account's hold
   * and usage (or a check of what a decline relied on), and an approval's
   * expiry timer. A failure says, from its own reasons, whether the id was
   * decided first (or the hold ended meanwhile) or the account moved.
   */
  async commitAuthorization(
    state: AuthorizationState,
    events: readonly AuthorizationEvent[],
  ): Promise<AuthorizationCommitOutcome> {
    const [first] = events;
    if (first === undefined) throw new StoreError('commit of no events');
    const after = events.reduce(evolveAuthorizationState, state).existing;
    if (after === undefined) throw new StoreError(`events of ${first.id} left no record`);
    const slots: Slot[] = [];
    const items: TransactWriteItem[] = [];
    const add = (slot: Slot, item: TransactWriteItem) => {
      slots.push(slot);
      items.push(item);
    };
    add({ kind: 'authorization' }, { Put: this.authorizationPut(after, state.existing?.status) });
    const accounts = new Map([[first.accountId, state.account]]);
    this.addAccounts(
      events,
      events.map((event) => authorizationRelianceOf(state, event)),
      accounts,
      add,
    );
    for (const event of events) {
      if (event.type === 'ledger.authorization.approved') {
        add(
          { kind: 'timer' },
          {
            Put: {
              TableName: this.tableName,
              Item: toAttrs(
                timerToItem({
                  kind: 'HOLD_EXPIRY',
                  authorizationId: event.authorizationId,
                  dueAt: event.expiresAt,
                }),
              ),
            },
          },
        );
      }
    }
    try {
      await this.call(() =>
        this.client.send(new TransactWriteItemsCommand({ TransactItems: items })),
      );
      return { kind: 'Committed' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const outcome = classifyCancellation(error, slots);
      switch (outcome.kind) {
        case 'AuthorizationChanged':
          if (outcome.authorization === undefined)
            throw new StoreError(`authorization ${first.authorizationId} vanished`);
          return { kind: 'AlreadyDecided', existing: outcome.authorization };
        case 'Stale':
          return { kind: 'Stale', account: outcome.accounts.get(first.accountId) };
        default:
          throw new StoreError(`authorization commit cancelled as ${outcome.kind}`);
      }
    }
  }

  readonly timerShards = TIMER_SHARDS;

  async dueTimers(shard: number, now: string, limit: number): Promise<readonly TimerRef[]> {
    const response = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk < :due',
          ExpressionAttributeValues: toAttrs({
            ':pk': keys.timerShardKey(shard),
            ':due': timersDueBound(now),
          }),
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (response.Items ?? []).map((attrs) => itemToTimer(fromAttrs(attrs)));
  }

  async deleteTimer(timer: TimerRef): Promise<void> {
    await this.call(() =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: toAttrs(keys.timer(timer)) }),
      ),
    );
  }

  async createAccount(account: Account) {
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toAttrs(accountToItem(account)),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { created: true, account };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item !== undefined) {
        return { created: false, account: itemToAccount(fromAttrs(error.Item)) };
      }
      throw error;
    }
  }

  async getAccount(accountId: string) {
    const item = await this.getItem(keys.account(accountId));
    return item === undefined ? undefined : itemToAccount(item);
  }

  async getTransaction(transactionId: string) {
    const item = await this.getItem(keys.transaction(transactionId));
    return item === undefined || isAwaitedPlaceholder(item) ? undefined : itemToRecord(item);
  }

  async getAcceptance(transactionId: string) {
    const item = await this.getItem(keys.accepted(transactionId));
    return item === undefined ? undefined : itemToAcceptance(item);
  }

  private async getItem(key: Item): Promise<Item | undefined> {
    const response = await this.call(() =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: toAttrs(key), ConsistentRead: true }),
      ),
    );
    return response.Item === undefined ? undefined : fromAttrs(response.Item);
  }

  async listEntries(accountId: string, limit: number, cursor?: string): Promise<EntriesPageResult> {
    const start = cursor === undefined ? undefined : decodeCursor(cursor, accountId);
    const response = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: toAttrs({
            ':pk': keys.account(accountId).pk,
            ':prefix': keys.entryPrefix,
          }),
          ExclusiveStartKey:
            start === undefined ? undefined : toAttrs(keys.entry(accountId, start)),
          // One more than asked: DynamoDB returns a continuation key whenever it stops at
          // the limit, so only an extra item proves there is a next page.
          Limit: limit + 1,
          ConsistentRead: true,
        }),
      ),
    );
    const all = (response.Items ?? []).map((attrs) => itemToEntry(fromAttrs(attrs)));
    const items = all.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      all.length > limit && last !== undefined ? encodeCursor(last.sequence) : null;
    return { items, nextCursor };
  }

  async listAccounts(cursor?: string, options: { readonly pageSize?: number } = {}) {
    // Outside `call`: a forged cursor is the caller's error, not a DynamoDB failure.
    const start = cursor === undefined ? undefined : decodeAccountsCursor(cursor);
    const response = await this.call(() =>
      this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'entity = :account',
          ExpressionAttributeValues: toAttrs({ ':account': 'ACCOUNT' }),
          ExclusiveStartKey: start,
          ConsistentRead: true,
          ...(options.pageSize === undefined ? {} : { Limit: options.pageSize }),
        }),
      ),
    );
    const items = (response.Items ?? []).map((attrs) => itemToAccount(fromAttrs(attrs)));
    const next = response.LastEvaluatedKey;
    return {
      items,
      nextCursor:
        next === undefined ? null : Buffer.from(JSON.stringify(next)).toString('base64url'),
    };
  }

  /**
   * The running totals, read from every shard: one Query each, in parallel, so
   * the call count does not grow with the table. Numbers are read as written,
   * digit for digit (`wrapNumbers`): the sums pass 2^53 in time.
   */
  async trialBalance(): Promise<TrialBalanceTotals> {
    const pages = await Promise.all(
      Array.from({ length: TOTALS_SHARDS }, (_, shard) => this.totalsShard(shard)),
    );
    const sums: ExactTotals = new Map();
    for (const items of pages) {
      for (const item of items) {
        const t = sums.get(item.currency) ?? { debits: 0n, credits: 0n };
        t.debits += item.debits;
        t.credits += item.credits;
        sums.set(item.currency, t);
      }
    }
    return sums;
  }

  private async totalsShard(shard: number) {
    const out: { currency: string; debits: bigint; credits: bigint }[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const response = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: toAttrs({ ':pk': keys.totalsShardKey(shard) }),
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      for (const attrs of response.Items ?? []) {
        const item = unmarshall(attrs, { wrapNumbers: true }) as Record<string, { value: string }>;
        out.push({
          currency: String(item.sk),
          debits: BigInt(item.debits?.value ?? '0'),
          credits: BigInt(item.credits?.value ?? '0'),
        });
      }
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    return out;
  }

  /**
   * Totals recomputed from the journal, every posted event's legs: a full scan,
   * for the audit, never for the API.
   */
  async journalTotals(): Promise<TrialBalanceTotals> {
    const sums: ExactTotals = new Map();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const response = await this.call(() =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'entity = :tx AND #status = :posted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toAttrs({ ':tx': 'TRANSACTION', ':posted': 'POSTED' }),
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      for (const attrs of response.Items ?? []) {
        addToTotals(sums, itemToRecord(fromAttrs(attrs)).legs);
      }
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    return sums;
  }

  /** Maps SDK failures onto the port's two error kinds; condition failures are handled by callers. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        error instanceof TransactionCanceledException
      ) {
        throw error;
      }
      const name = (error as { name?: string }).name ?? '';
      if (name === 'ValidationException') {
        throw new UnprocessableRecordError(
          `DynamoDB refused the request as invalid: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const status =
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      if (
        RETRYABLE_ERRORS.has(name) ||
        status >= 500 ||
        (error as { $retryable?: unknown }).$retryable
      ) {
        throw new RetryableStoreError(
          `DynamoDB ${name || 'call'} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw new StoreError(`DynamoDB ${name || 'call'} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/**
 * Reads a cancelled transaction's reasons, in item order. The transaction
 * item's failure wins: if the id was already decided nothing else matters.
 */
export function classifyCancellation(
  error: TransactionCanceledException,
  slots: readonly Slot[],
): CommitOutcome {
  const reasons: CancellationReason[] = error.CancellationReasons ?? [];
  if (reasons.some((r) => r.Code !== undefined && RETRYABLE_REASONS.has(r.Code))) {
    throw new RetryableStoreError(
      `transaction cancelled for retry: ${reasons.map((r) => r.Code ?? 'None').join(',')}`,
      { cause: error },
    );
  }
  const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
  const txIndex = slots.findIndex((s) => s.kind === 'transaction');
  const txReason = reasons[txIndex];
  if (failed(txIndex) && txReason?.Item !== undefined) {
    const item = fromAttrs(txReason.Item);
    return isAwaitedPlaceholder(item)
      ? { kind: 'WaitingChanged', waiting: reversalsOf(item) }
      : { kind: 'AlreadyDecided', existing: itemToRecord(item) };
  }
  // An authorization decided first, or ended meanwhile: nothing else matters either.
  const authIndex = slots.findIndex((s) => s.kind === 'authorization');
  if (failed(authIndex)) {
    const attrs = reasons[authIndex]?.Item;
    return {
      kind: 'AuthorizationChanged',
      authorization: attrs === undefined ? undefined : itemToAuthorization(fromAttrs(attrs)),
    };
  }
  const stale = new Map<string, Account | undefined>();
  let original: CommitOutcome | undefined;
  slots.forEach((slot, i) => {
    if (!failed(i)) return;
    const attrs = reasons[i]?.Item;
    const item = attrs === undefined ? undefined : fromAttrs(attrs);
    if (slot.kind === 'account')
      stale.set(slot.accountId, item === undefined ? undefined : itemToAccount(item));
    if (slot.kind === 'original')
      original =
        item !== undefined && isAwaitedPlaceholder(item)
          ? { kind: 'OriginalWaitingChanged', waiting: reversalsOf(item) }
          : {
              kind: 'OriginalChanged',
              original: item === undefined ? undefined : itemToRecord(item),
            };
  });
  if (stale.size > 0) return { kind: 'Stale', accounts: stale };
  if (original !== undefined) return original;
  if (reasons.some((r) => r.Code === 'ValidationError')) {
    throw new UnprocessableRecordError(
      `transaction refused as invalid: ${reasons.map((r) => `${r.Code ?? 'None'}${r.Message ? ` (${r.Message})` : ''}`).join(', ')}`,
      { cause: error },
    );
  }
  throw new StoreError(
    `transaction cancelled for an unexpected reason: ${reasons.map((r) => `${r.Code ?? 'None'}${r.Message ? ` (${r.Message})` : ''}`).join(', ')}`,
    { cause: error },
  );
}

/**
 * An accounts cursor is a position of the filtered scan: the key of the last
 * item the page looked at, which may be any item of the table (a transaction,
 * an entry), since the filter applies after the page is read. Anything that
 * is not a key of this table's shape is refused.
 */
function decodeAccountsCursor(cursor: string): Record<string, AttributeValue> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<
      string,
      AttributeValue
    >;
    const pk = key.pk?.S;
    if (
      typeof pk === 'string' &&
      PARTITION_PREFIXES.some((prefix) => pk.startsWith(prefix)) &&
      typeof key.sk?.S === 'string' &&
      Object.keys(key).length === 2
    ) {
      return key;
    }
  } catch {
    // fall through to the typed error
  }
  throw new InvalidCursorError(`cursor ${JSON.stringify(cursor)} was not issued by listAccounts`);
}

function encodeCursor(sequence: number): string {
  return Buffer.from(JSON.stringify({ s: sequence })).toString('base64url');
}

function decodeCursor(cursor: string, accountId: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof parsed.s === 'number' && Number.isSafeInteger(parsed.s) && parsed.s > 0)
      return parsed.s;
  } catch {
    // fall through to the typed error
  }
  throw new InvalidCursorError(
    `cursor ${JSON.stringify(cursor)} was not issued for the entries of ${accountId}`,
  );
}
