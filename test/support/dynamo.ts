import { randomUUID } from 'node:crypto';
import { pkSkTableInput } from '@atm-ledger/ledger';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A ledger table of its own for one test run, on the local cloud, deleted afterwards. */
export async function freshLedgerTable(client: DynamoDBClient, prefix = 'ledger') {
  const tableName = `${prefix}-${randomUUID().slice(0, 12)}`;
  await client.send(new CreateTableCommand(pkSkTableInput(tableName)));
  return {
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

export const dynamoClient = (endpoint: string) =>
  new DynamoDBClient({ ...sdkClientOptions({ endpoint, region: 'us-east-1' }), maxAttempts: 3 });
