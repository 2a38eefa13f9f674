import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The shape of a table the ledger (or a notifier's idempotency store) lives
 * in: string `pk` and `sk`, on-demand, and optionally the change stream the
 * events pipe reads. Infra declares the same shape; everything that creates
 * one on the local cloud or in tests builds it from here.
 */
export function pkSkTableInput(
  tableName: string,
  opts: { stream?: boolean } = {},
): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    ...(opts.stream
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
      : {}),
  };
}
