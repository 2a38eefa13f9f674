import { DynamoDbLedgerStore } from '@atm-ledger/ledger';
import { afterAll, describe, inject } from 'vitest';
import { dynamoClient, freshLedgerTable } from '../support/dynamo.js';
import { numRuns, testLedgerAgainstModel } from './ledgerModel.suite.js';

describe('ledger model-based test: DynamoDB store over the wire on the local cloud', () => {
  const client = dynamoClient(inject('awsEndpoint'));
  afterAll(() => client.destroy());

  testLedgerAgainstModel(
    'DynamoDB',
    async () => {
      const table = await freshLedgerTable(client, 'model');
      return { store: new DynamoDbLedgerStore(client, table.tableName), cleanup: table.drop };
    },
    {
      runs: Math.max(1, Math.round(numRuns(300) / 30)),
      maxSteps: 25,
      timeoutMs: Math.max(900_000, Math.round(numRuns(300) / 30) * 8_000),
    },
  );
});
