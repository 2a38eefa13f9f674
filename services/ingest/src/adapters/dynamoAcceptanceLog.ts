import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import { acceptancePut, itemToAcceptance } from '@atm-ledger/ledger/items';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type AcceptanceLog, AcceptanceLogError, type ClaimOutcome } from '../ports.js';

/**
 * {@link AcceptanceLog} on the ledger table: the marker item the ledger's
 * items module defines, written with its conditional put. The put is the
 * whole claim (no read first, so no window between check and write); a failed
 * condition carries the holder (`ALL_OLD`), so a refusal costs no second call
 * and needs no `GetItem` permission.
 */
export class DynamoAcceptanceLog implements AcceptanceLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(transaction: AtmTransaction, at: Date): Promise<ClaimOutcome> {
    const input = acceptancePut(this.tableName, {
      transaction,
      payloadHash: payloadHash(transaction),
      acceptedAt: at.toISOString(),
    });
    try {
      await this.client.send(new PutItemCommand(input));
      return { kind: 'Claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new AcceptanceLogError(
          `claiming transaction ${transaction.transactionId} failed: ${(error as Error).name}`,
          { cause: error },
        );
      }
      // The condition fails only on a marker that holds another payload, so it has one to show.
      const holder =
        error.Item === undefined ? undefined : itemToAcceptance(unmarshall(error.Item)).transaction;
      if (holder === undefined) {
        throw new AcceptanceLogError(
          `claiming transaction ${transaction.transactionId} failed its condition, yet no holder came back`,
          { cause: error },
        );
      }
      return { kind: 'HeldByAnotherPayload', holder };
    }
  }
}
