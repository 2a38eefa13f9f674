import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AcceptanceLog } from '../ports.js';

/** Markers expire: once the ledger has decided, the transaction item answers reads. */
const MARKER_TTL_SECONDS = 7 * 24 * 3600;

export class DynamoAcceptanceLog implements AcceptanceLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async markAccepted(transactionId: string, at: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        // Same key shape as the ledger's (services/ledger items.ts: keys.accepted).
        Item: {
          pk: { S: `TX#${transactionId}` },
          sk: { S: 'ACCEPTED' },
          entity: { S: 'ACCEPTED' },
          acceptedAt: { S: at.toISOString() },
          expiresAt: { N: String(Math.floor(at.getTime() / 1000) + MARKER_TTL_SECONDS) },
        },
      }),
    );
  }
}
