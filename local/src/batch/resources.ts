import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * Tables of the legacy baseline, next to the local cloud's own.
 *
 * The batch posts to a ledger table of its own rather than the streaming
 * one: both hold the same items through the same `DynamoDbLedgerStore`, but
 * a separate table keeps the side-by-side run honest. The batch's postings
 * stay off the streaming table's change stream, so they neither load the
 * Pipe and notifiers the streaming path is measured through nor get counted
 * in its costs; and the legacy batch never published anything anyway.
 * (Posting both to one table is safe: the ledger's conditions make the
 * batch and the stream two ordinary concurrent writers, see docs/ledger.md.)
 */
export function batchTableNames(prefix: string) {
  return {
    landing: `${prefix}-batch-landing`,
    ledger: `${prefix}-batch-ledger`,
  };
}
export type BatchTableNames = ReturnType<typeof batchTableNames>;

async function ensureTable(
  dynamodb: DynamoDBClient,
  name: string,
  opts: { ttlAttribute?: string },
): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    if (opts.ttlAttribute !== undefined) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: opts.ttlAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + 20_000;
  for (;;) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${name} did not become ACTIVE`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the landing and batch ledger tables, or finds them. */
export async function ensureBatchTables(
  dynamodb: DynamoDBClient,
  prefix: string,
): Promise<BatchTableNames> {
  const names = batchTableNames(prefix);
  await ensureTable(dynamodb, names.landing, { ttlAttribute: 'expiresAt' });
  await ensureTable(dynamodb, names.ledger, {});
  return names;
}
