import { randomUUID } from 'node:crypto';
import {
  type AtmTransaction,
  PostTransactionRequest,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import { type Clock, systemClock } from '@atm-ledger/runtime';
import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** One transaction as it waits in the landing store. */
export interface LandedTransaction {
  readonly arrivedAt: string;
  /** Sort key: arrival time, then writer and counter, so equal milliseconds keep their order. */
  readonly sk: string;
  readonly correlationId: string;
  readonly transaction: AtmTransaction;
}

export type LandingResult =
  | { readonly status: 202; readonly landed: LandedTransaction }
  | { readonly status: 400; readonly issues: readonly string[] };

/** Landing items stay a week, long enough for any rerun of a window. */
const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The legacy landing store: ATM transactions are written here as they arrive
 * and wait for the next batch run. Items are grouped by arrival hour
 * (`pk = LANDING#<yyyy-mm-ddThh>`) and sorted by arrival time (`sk`), so a
 * run reads one interval with one Query per hour it spans, in arrival order.
 * Requests are checked against the same contract as the streaming edge and
 * the PAN is masked the same way before anything is stored.
 */
export class BatchLanding {
  readonly #writerId = randomUUID().slice(0, 8);
  #counter = 0;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly options: { clock?: Clock; retentionSeconds?: number } = {},
  ) {}

  async land(body: unknown, correlationId: string = randomUUID()): Promise<LandingResult> {
    const parsed = PostTransactionRequest.safeParse(body);
    if (!parsed.success) {
      return {
        status: 400,
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      };
    }
    const now = (this.options.clock ?? systemClock).now();
    const arrivedAt = now.toISOString();
    const landed: LandedTransaction = {
      arrivedAt,
      sk: `${arrivedAt}#${this.#writerId}#${String(this.#counter++).padStart(10, '0')}`,
      correlationId,
      transaction: toAtmTransaction(parsed.data),
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          {
            pk: hourBucket(arrivedAt),
            sk: landed.sk,
            arrivedAt,
            correlationId,
            transaction: JSON.stringify(landed.transaction),
            expiresAt:
              Math.floor(now.getTime() / 1000) +
              (this.options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS),
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
    return { status: 202, landed };
  }

  /** Everything that arrived in [from, to), oldest first. */
  async readWindow(from: Date, to: Date): Promise<LandedTransaction[]> {
    const fromIso = from.toISOString();
    const toIso = to.toISOString();
    const out: LandedTransaction[] = [];
    for (const bucket of hourBuckets(from, to)) {
      let startKey: Record<string, never> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            // `sk` starts with the arrival time and goes on with '#…', so the bare
            // end time sorts before every key that arrived at that very millisecond.
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: marshall({ ':pk': bucket, ':from': fromIso, ':to': toIso }),
            // A run must see every write that completed before its window closed.
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) {
          const v = unmarshall(item) as {
            sk: string;
            arrivedAt: string;
            correlationId: string;
            transaction: string;
          };
          out.push({
            sk: v.sk,
            arrivedAt: v.arrivedAt,
            correlationId: v.correlationId,
            transaction: JSON.parse(v.transaction) as AtmTransaction,
          });
        }
        startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (startKey !== undefined);
    }
    return out;
  }
}

const hourBucket = (iso: string) => `LANDING#${iso.slice(0, 13)}`;

/** The hour partitions an interval [from, to) touches. */
function hourBuckets(from: Date, to: Date): string[] {
  const hour = 3_600_000;
  const buckets: string[] = [];
  const last = to.getTime() - 1;
  for (let t = Math.floor(from.getTime() / hour) * hour; t <= last; t += hour)
    buckets.push(hourBucket(new Date(t).toISOString()));
  return buckets;
}
