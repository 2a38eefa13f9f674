import { acceptancePut, DynamoDbLedgerStore } from '@atm-ledger/ledger';
import { testLedgerStore } from '@atm-ledger/ledger/testing';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testLedgerAgainstModel } from '../property/ledgerModel.suite.js';
import { freshLedgerTable } from '../support/dynamo.js';
import { LOCALSTACK_IMAGE, localstackSkipReason } from './docker.js';

const skipReason = await localstackSkipReason();

if (skipReason !== undefined) {
  console.info(`LocalStack backend skipped: ${skipReason}`);
  describe('integration suites on LocalStack (testcontainers)', () => {
    // biome-ignore lint/suspicious/noSkippedTests: the Docker-only backend skips, saying why, where Docker is absent.
    it.skip(`skipped: ${skipReason}`, () => {});
  });
} else {
  /**
   * The same shared suites that run against moto, against LocalStack in a
   * container: if the two emulators disagree with each other, one of them (or
   * our reading of DynamoDB) is wrong.
   */
  describe(`integration suites on LocalStack (${LOCALSTACK_IMAGE})`, () => {
    let stop: (() => Promise<unknown>) | undefined;
    let client: DynamoDBClient;

    beforeAll(async () => {
      const { LocalstackContainer } = await import('@testcontainers/localstack');
      const token = process.env.LOCALSTACK_AUTH_TOKEN;
      const container = await new LocalstackContainer(LOCALSTACK_IMAGE)
        .withEnvironment(token ? { LOCALSTACK_AUTH_TOKEN: token } : {})
        .start();
      stop = () => container.stop();
      client = new DynamoDBClient(
        sdkClientOptions({ endpoint: container.getConnectionUri(), region: 'us-east-1' }),
      );
    }, 300_000);
    afterAll(async () => {
      client?.destroy();
      await stop?.();
    });

    const table = () => freshLedgerTable(client);

    testLedgerStore('DynamoDbLedgerStore on LocalStack', async () => {
      const { tableName, drop } = await table();
      return {
        store: new DynamoDbLedgerStore(client, tableName),
        cleanup: drop,
        markAccepted: async (acceptance) => {
          await client.send(new PutItemCommand(acceptancePut(tableName, acceptance)));
        },
      };
    });

    testLedgerAgainstModel(
      'DynamoDB on LocalStack',
      async () => {
        const { tableName, drop } = await table();
        return { store: new DynamoDbLedgerStore(client, tableName), cleanup: drop };
      },
      { runs: Number(process.env.FC_NUM_RUNS ?? 10), maxSteps: 25, timeoutMs: 900_000 },
    );
  });
}
