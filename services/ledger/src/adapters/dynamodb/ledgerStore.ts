import type { AtmTransaction } from '@atm-ledger/contracts';
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
  type AccountWrite,
  accountsTouched,
  addToTotals,
  type ExactTotals,
  type LedgerState,
  MAX_CONFLICTS_COUNTED,
  type TransactionRecord,
} from '../../domain/index.js';
import {
  type CommitOutcome,
  type EntriesPageResult,
  InvalidCursorError,
  type LedgerStore,
  RetryableStoreError,
  StoreError,
  type TimerStore,
  type TrialBalanceTotals,
  UnprocessableRecordError,
  type WritingDecision,
} from '../../ports.js';
import {
  AWAITED,
  accountToItem,
  entryToItem,
  type Item,
  isAwaitedPlaceholder,
  itemToAcceptance,
  itemToAccount,
  itemToEntry,
  itemToRecord,
  itemToTimer,
  keys,
  recordToItem,
  reversalsOf,
  TIMER_SHARDS,
  type TimerRef,
  timersDueBound,
  timerToItem,
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
  | { kind: 'timer' };

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
    return {
      existing,
      accounts,
      original: originalRecord,
      waiting: tx === undefined ? [] : reversalsOf(tx),
      originalWaiting,
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

  async commit(decision: WritingDecision): Promise<CommitOutcome> {
    const slots: Slot[] = [];
    const items: TransactWriteItem[] = [];
    const add = (slot: Slot, item: TransactWriteItem) => {
      slots.push(slot);
      items.push(item);
    };
    add({ kind: 'transaction' }, { Put: this.transactionPut(decision) });
    switch (decision.kind) {
      case 'Post':
        for (const write of decision.writes) {
          add({ kind: 'account', accountId: write.after.accountId }, this.accountUpdate(write));
          add(
            { kind: 'entry' },
            {
              Put: {
                TableName: this.tableName,
                Item: toAttrs(entryToItem(write.entry)),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          );
        }
        for (const account of decision.unchanged) {
          add({ kind: 'account', accountId: account.accountId }, this.versionCheck(account));
        }
        if (decision.reverses !== undefined) {
          add(
            { kind: 'original' },
            {
              Update: {
                TableName: this.tableName,
                Key: toAttrs(keys.transaction(decision.reverses)),
                UpdateExpression: 'SET reversedBy = :by',
                ConditionExpression: 'attribute_not_exists(reversedBy) AND #status = :posted',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: toAttrs({
                  ':by': decision.record.transaction.transactionId,
                  ':posted': 'POSTED',
                }),
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          );
        }
        break;
      case 'Reject':
        for (const account of decision.basedOn) {
          add({ kind: 'account', accountId: account.accountId }, this.versionCheck(account));
        }
        for (const accountId of decision.absent) {
          add(
            { kind: 'account', accountId },
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: toAttrs(keys.account(accountId)),
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          );
        }
        break;
      case 'Pend': {
        // Leaves a placeholder at the original's key listing the waiting reversals in
        // arrival order, unless the original was decided since we read it (the reversal
        // must then be decided again, not left waiting) or another reversal joined the
        // list meanwhile (it is decided again behind that one).
        const waiting = decision.waitingBefore;
        add(
          { kind: 'original' },
          {
            Update: {
              TableName: this.tableName,
              Key: toAttrs(keys.transaction(decision.waitsFor)),
              UpdateExpression:
                'SET entity = if_not_exists(entity, :awaited), #status = if_not_exists(#status, :awaited), reversals = :list',
              ConditionExpression:
                waiting.length === 0
                  ? 'attribute_not_exists(pk)'
                  : '#status = :awaited AND size(reversals) = :n',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: toAttrs({
                ':list': [...waiting, decision.record.transaction.transactionId],
                ':awaited': AWAITED,
                ...(waiting.length === 0 ? {} : { ':n': waiting.length }),
              }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        );
        // The wait's end, written with the wait itself: the sweeper finds it when it is due.
        const waitUntil = decision.record.waitUntil;
        if (waitUntil === undefined)
          throw new StoreError(`PENDING ${decision.waitsFor} reversal has no waitUntil`);
        add(
          { kind: 'timer' },
          {
            Put: {
              TableName: this.tableName,
              Item: toAttrs(
                timerToItem({
                  kind: 'REVERSAL_EXPIRY',
                  transactionId: decision.record.transaction.transactionId,
                  dueAt: waitUntil,
                }),
              ),
            },
          },
        );
        break;
      }
      default: {
        const never: never = decision;
        throw new StoreError(`unhandled decision ${JSON.stringify(never)}`);
      }
    }
    return items.length === 1 ? this.putAlone(items[0]) : this.transact(items, slots);
  }

  /**
   * The transaction item is written exactly once per id: on an empty key; over
   * its own PENDING record when a waiting reversal is decided (conditional on
   * the conflicts counted meanwhile, which it carries over); or over the
   * placeholder early reversals left, conditional on that set of reversals
   * being exactly the one it read.
   */
  private transactionPut(decision: WritingDecision) {
    const record = decision.record;
    const base = {
      TableName: this.tableName,
      Item: toAttrs(recordToItem(record)),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    if (decision.kind !== 'Pend' && decision.resumesPending === true) {
      return {
        ...base,
        ConditionExpression:
          '#status = :pending AND payloadHash = :hash AND conflicts = :conflicts',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toAttrs({
          ':pending': 'PENDING',
          ':hash': record.payloadHash,
          ':conflicts': record.conflicts,
        }),
      };
    }
    const waiting = record.reversalsWaiting?.length ?? 0;
    if (waiting > 0) {
      return {
        ...base,
        ConditionExpression: '#status = :awaited AND size(reversals) = :n',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toAttrs({ ':awaited': AWAITED, ':n': waiting }),
      };
    }
    return { ...base, ConditionExpression: 'attribute_not_exists(pk)' };
  }

  /**
   * The account write is conditional on the version it was decided from and,
   * for a debit, on the funds being there. The funds condition is what keeps
   * overdraft atomic even if the version check were ever loosened.
   */
  private accountUpdate(write: AccountWrite): TransactWriteItem {
    const values: Item = {
      ':v': write.before.version,
      ':nv': write.after.version,
      ':b': write.after.balance,
      ':u': write.after.updatedAt,
    };
    let condition = '#version = :v';
    if (write.minimumBalance > Number.MIN_SAFE_INTEGER) {
      // balance_before >= minimum - amount  <=>  balance_after >= minimum
      values[':floor'] = write.minimumBalance - write.entry.amount;
      condition += ' AND #balance >= :floor';
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: toAttrs(keys.account(write.after.accountId)),
        UpdateExpression: 'SET #balance = :b, #version = :nv, updatedAt = :u',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#balance': 'balance', '#version': 'version' },
        ExpressionAttributeValues: toAttrs(values),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private versionCheck(account: Account): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: toAttrs(keys.account(account.accountId)),
        ConditionExpression: '#version = :v',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: toAttrs({ ':v': account.version }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
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
        return { kind: 'AlreadyDecided', existing: itemToRecord(fromAttrs(error.Item)) };
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

  async recordConflict(transactionId: string, conflictingHash: string, at: string) {
    try {
      const response = await this.call(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toAttrs(keys.transaction(transactionId)),
            UpdateExpression: 'ADD conflicts :one, conflictHashes :hashes SET lastConflictAt = :at',
            // Bounded: past MAX_CONFLICTS_COUNTED fingerprints the item would only grow.
            ConditionExpression:
              'attribute_exists(pk) AND NOT contains(conflictHashes, :hash) AND (attribute_not_exists(conflictHashes) OR size(conflictHashes) < :max)',
            ExpressionAttributeValues: toAttrs({
              ':one': 1,
              ':hashes': new Set([conflictingHash]),
              ':hash': conflictingHash,
              ':at': at,
              ':max': MAX_CONFLICTS_COUNTED,
            }),
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return {
        counted: true,
        conflicts: Number(fromAttrs(response.Attributes ?? {}).conflicts ?? 0),
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const existing = error.Item === undefined ? undefined : fromAttrs(error.Item);
        if (existing === undefined)
          throw new StoreError(`conflict recorded for unknown transaction ${transactionId}`);
        const hashes = existing.conflictHashes;
        const known = hashes instanceof Set && hashes.has(conflictingHash);
        return {
          counted: false,
          conflicts: Number(existing.conflicts ?? 0),
          ...(known ? {} : { limitReached: true }),
        };
      }
      throw error;
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

  async trialBalance(): Promise<TrialBalanceTotals> {
    const totals: ExactTotals = new Map();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const response = await this.call(() =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'entity = :tx AND #status = :posted',
            ProjectionExpression: 'legs',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toAttrs({ ':tx': 'TRANSACTION', ':posted': 'POSTED' }),
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      for (const attrs of response.Items ?? []) {
        addToTotals(totals, (fromAttrs(attrs).legs as TransactionRecord['legs'] | undefined) ?? []);
      }
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    return totals;
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
      (pk.startsWith('ACCT#') || pk.startsWith('TX#')) &&
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
