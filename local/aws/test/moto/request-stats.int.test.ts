import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { motoRequestCounts } from '../../src/moto/index.js';
import { clients } from './clients.js';

describe('the launcher request counts', () => {
  it('counts each request by service and action, at /_ledger/stats', async () => {
    // Prepare
    const endpoint = inject('awsEndpoint');
    const ddb = clients.dynamodb();
    const sqs = clients.sqs();
    const before = await motoRequestCounts(endpoint);

    // Act
    await ddb.send(new ListTablesCommand({}));
    await ddb.send(new ListTablesCommand({}));
    await sqs.send(new ListQueuesCommand({}));
    const after = await motoRequestCounts(endpoint);

    // Assess: other test files share the server, so these counts grew by at least ours.
    const grew = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    expect(grew('dynamodb.ListTables')).toBeGreaterThanOrEqual(2);
    expect(grew('sqs.ListQueues')).toBeGreaterThanOrEqual(1);
    ddb.destroy();
    sqs.destroy();
  });
});
