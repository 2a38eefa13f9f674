import { findRepoRoot } from '@atm-ledger/local-aws';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { EMULATOR_GROUPS, startEmulators } from '../../src/emulators.js';

describe('startEmulators', () => {
  it('starts one emulator process per service group, each serving its services, and stops them all', async () => {
    // Act
    const emulators = await startEmulators({ rootDir: findRepoRoot(), log: () => {} });
    try {
      // Assess
      expect(emulators.processes.map((p) => p.group)).toEqual(Object.keys(EMULATOR_GROUPS));
      expect(new Set(emulators.processes.map((p) => p.pid)).size).toBe(4);
      expect(new Set(emulators.processes.map((p) => p.endpoint)).size).toBe(4);
      expect(emulators.notifierEndpoint.dynamodb).not.toBe(emulators.endpoint.dynamodb);
      expect(emulators.notifierEndpoint.sqs).toBe(emulators.endpoint.sqs);
      expect(emulators.endpoint.dynamodbstreams).toBe(emulators.endpoint.dynamodb);
      expect(emulators.endpoint.sns).toBe(emulators.endpoint.sqs);
      expect(emulators.endpoint.events).toBe(emulators.endpoint.sqs);
      expect(emulators.endpoint.kinesis).not.toBe(emulators.endpoint.dynamodb);
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const ddb = new DynamoDBClient({
        endpoint: emulators.endpoint.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 't', secretAccessKey: 't' },
      });
      await ddb.send(new ListTablesCommand({}));
      ddb.destroy();
      const dynamodb = emulators.processes.find((p) => p.group === 'dynamodb');
      expect((await dynamodb?.requestCounts())?.['dynamodb.ListTables']).toBe(1);
    } finally {
      await emulators.stop();
    }
    // Every process has exited.
    for (const p of emulators.processes) {
      expect(() => process.kill(p.pid, 0)).toThrow();
    }
  }, 60_000);
});
