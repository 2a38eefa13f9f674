import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type AccountPlan, plansWrite } from '../../domain/index.js';
import { keys, withdrawnAttribute } from './items.js';

/**
 * An account plan as the one operation a transaction may make on the
 * account's item: an Update when it writes (an entry, a hold, daily usage),
 * else a ConditionCheck. Holds and usage are added (`if_not_exists(…) + Δ`),
 * never set, so an authorization and a posting that land in either order
 * leave the same item; each checks only what its own decision relied on.
 * Every failed condition returns the item as it is (ALL_OLD).
 *
 * An item written before holds has no `heldAmount` and no usage: a missing
 * attribute reads as 0, in the conditions as in the sums.
 */
export function accountOperation(tableName: string, plan: AccountPlan): TransactWriteItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const sets: string[] = [];
  const removes: string[] = [];
  let n = 0;
  const value = (v: unknown) => {
    const key = `:v${n++}`;
    values[key] = v;
    return key;
  };
  const name = (attribute: string) => {
    const key = `#n${n++}`;
    names[key] = attribute;
    return key;
  };
  /** `attribute` compared with a number, a missing attribute counting as 0. */
  const compare = (attribute: string, op: '=' | '<=', bound: number) => {
    const missingPasses = op === '=' ? bound === 0 : bound >= 0;
    const test = `${attribute} ${op} ${value(bound)}`;
    conditions.push(missingPasses ? `(attribute_not_exists(${attribute}) OR ${test})` : test);
  };

  if (plan.absent) {
    conditions.push('attribute_not_exists(pk)');
  } else {
    const version = plan.entry === undefined ? plan.version : plan.entry.sequence - 1;
    if (version === undefined) {
      conditions.push('attribute_exists(pk)');
    } else {
      names['#version'] = 'version';
      conditions.push(`#version = ${value(version)}`);
    }
  }
  for (const c of plan.held) {
    if ('is' in c) compare('heldAmount', '=', c.is);
    else compare('heldAmount', '<=', c.atMost);
  }
  for (const c of plan.withdrawn) {
    const attribute = name(withdrawnAttribute(c.day));
    if ('is' in c) compare(attribute, '=', c.is);
    else compare(attribute, '<=', c.atMost);
  }
  if (plan.entry !== undefined) {
    names['#balance'] = 'balance';
    names['#version'] = 'version';
    sets.push(
      `#balance = ${value(plan.entry.balanceAfter)}`,
      `#version = ${value(plan.entry.sequence)}`,
      `updatedAt = ${value(plan.entry.postedAt)}`,
    );
  }
  const zero = () => value(0);
  if (plan.heldDelta !== 0)
    sets.push(`heldAmount = if_not_exists(heldAmount, ${zero()}) + ${value(plan.heldDelta)}`);
  for (const [day, delta] of plan.withdrawnDeltas) {
    const attribute = name(withdrawnAttribute(day));
    sets.push(`${attribute} = if_not_exists(${attribute}, ${zero()}) + ${value(delta)}`);
  }
  for (const day of plan.forget) removes.push(name(withdrawnAttribute(day)));

  const common = {
    TableName: tableName,
    Key: marshall(keys.account(plan.accountId)),
    ConditionExpression: conditions.join(' AND '),
    ...(Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length === 0 ? {} : { ExpressionAttributeValues: marshall(values) }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };

  if (!plansWrite(plan)) return { ConditionCheck: common };
  const update = [
    sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return { Update: { ...common, UpdateExpression: update } };
}
