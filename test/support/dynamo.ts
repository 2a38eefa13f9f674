import { randomUUID } from 'node:crypto';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A ledger table of its own for one test run, on the local cloud, deleted afterwards. */
export async function freshLedgerTable(client: DynamoDBClient, prefix = 'ledger') {
  const tableName = `${prefix}-${randomUUID().slice(0, 12)}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
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
  return {
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

export const dynamoClient = (endpoint: string) =>
  new DynamoDBClient({ ...sdkClientOptions({ endpoint, region: 'us-east-1' }), maxAttempts: 3 });
