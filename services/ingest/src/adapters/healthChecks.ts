import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { HealthCheck } from '../ports.js';

export function streamHealth(client: KinesisClient, streamName: string): HealthCheck {
  return {
    name: 'stream',
    async check() {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      const status = out.StreamDescriptionSummary?.StreamStatus;
      return {
        up: status === 'ACTIVE' || status === 'UPDATING',
        detail: `${streamName}: ${status}`,
      };
    },
  };
}

export function tableHealth(client: DynamoDBClient, tableName: string): HealthCheck {
  return {
    name: 'table',
    async check() {
      const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const status = out.Table?.TableStatus;
      return {
        up: status === 'ACTIVE' || status === 'UPDATING',
        detail: `${tableName}: ${status}`,
      };
    },
  };
}
