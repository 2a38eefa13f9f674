import type { AtmTransaction } from '@atm-ledger/contracts';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  type PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAcceptanceLog } from '../../src/adapters/dynamoAcceptanceLog.js';
import { isAcceptanceLogError } from '../../src/ports.js';

const deposit: AtmTransaction = {
  transactionId: 't-1',
  type: 'DEPOSIT',
  accountId: 'acct-1',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T09:00:00Z',
  amount: 100,
  currency: 'USD',
};

/** A DynamoDB client whose every call fails with `error`, keeping what it was sent. */
function failingClient(error: Error) {
  const sent: PutItemCommand[] = [];
  const client = {
    send: async (command: PutItemCommand) => {
      sent.push(command);
      throw error;
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

describe('DynamoAcceptanceLog: failures', () => {
  it('sends the door’s conditional put, asking for the holder on failure', async () => {
    // Prepare
    const { client, sent } = failingClient(new Error('stop here'));

    // Act
    await new DynamoAcceptanceLog(client, 'ledger').claim(deposit, new Date()).catch(() => {});

    // Assess
    expect(sent[0]?.input).toMatchObject({
      TableName: 'ledger',
      ConditionExpression:
        'attribute_not_exists(pk) OR attribute_not_exists(payloadHash) OR payloadHash = :hash',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('turns throttling into a retryable AcceptanceLogError naming the exception', async () => {
    // Prepare
    const { client } = failingClient(
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    );

    // Act
    const error = await new DynamoAcceptanceLog(client, 'ledger')
      .claim(deposit, new Date())
      .catch((e: unknown) => e);

    // Assess
    expect(isAcceptanceLogError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'claiming transaction t-1 failed: ProvisionedThroughputExceededException',
    );
  });

  it('does not guess a conflict when a failed condition brings no holder back', async () => {
    // Prepare
    const { client } = failingClient(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
      }),
    );

    // Act
    const error = await new DynamoAcceptanceLog(client, 'ledger')
      .claim(deposit, new Date())
      .catch((e: unknown) => e);

    // Assess
    expect(isAcceptanceLogError(error)).toBe(true);
    expect((error as Error).message).toContain('no holder came back');
  });
});
