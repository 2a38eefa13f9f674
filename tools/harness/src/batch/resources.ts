import { ensurePkSkTable } from '@atm-ledger/local-cloud';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Tables of the legacy baseline, next to the local cloud's own.
 *
 * The batch posts to a ledger table of its own rather than the streaming
 * one: both hold the same items through the same `DynamoDbLedgerStore`, but
 * a separate table keeps the side-by-side run honest. The batch's postings
 * stay off the streaming table's change stream, so they neither load the
 * Pipe and notifiers the streaming path is measured through nor get counted
 * in its costs; and the legacy batch never published anything anyway.
 * (Posting both to one table is safe: the ledger's conditions make the
 * batch and the stream two ordinary concurrent writers, see docs/ledger.md.)
 */
export function batchTableNames(prefix: string) {
  return {
    landing: `${prefix}-batch-landing`,
    ledger: `${prefix}-batch-ledger`,
  };
}
export type BatchTableNames = ReturnType<typeof batchTableNames>;

/** Creates the landing and batch ledger tables, or finds them. */
export async function ensureBatchTables(
  dynamodb: DynamoDBClient,
  prefix: string,
): Promise<BatchTableNames> {
  const names = batchTableNames(prefix);
  await ensurePkSkTable(dynamodb, names.landing, { ttlAttribute: 'expiresAt' });
  await ensurePkSkTable(dynamodb, names.ledger);
  return names;
}
