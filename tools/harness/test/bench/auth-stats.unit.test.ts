import { describe, expect, it } from 'vitest';
import {
  authorizationIdsIn,
  callsPer,
  latencyRow,
  percentile,
} from '../../src/bench/auth-stats.js';

describe('percentile', () => {
  it('takes the nearest rank, whatever the order of the samples', () => {
    // Prepare
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];

    // Act / Assess
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
  });

  it('is undefined for no samples and refuses a quantile outside [0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('puts one slow sample in 100 at p99 only when it is above the 99th rank', () => {
    // Prepare: 99 fast answers and one slow one.
    const values = [...Array.from({ length: 99 }, () => 10), 500];

    // Act
    const row = latencyRow(values);

    // Assess
    expect(row).toEqual({ count: 100, p50: 10, p99: 10, max: 500 });
  });
});

describe('authorizationIdsIn', () => {
  it('finds the authorization keys a DynamoDB request names', () => {
    // Prepare: the shape of a cold read and of the decision's transaction.
    const batchGet = JSON.stringify({
      RequestItems: {
        t: {
          Keys: [
            { pk: { S: 'AUTH#b-a000001' }, sk: { S: 'AUTH' } },
            { pk: { S: 'ACCT#b-acct-0001' }, sk: { S: 'ACCT' } },
          ],
        },
      },
    });
    const query = JSON.stringify({
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'TIMER#3' } },
    });

    // Act / Assess
    expect(authorizationIdsIn(batchGet)).toEqual(['b-a000001']);
    expect(authorizationIdsIn(query)).toEqual([]);
  });
});

describe('callsPer', () => {
  it('averages the calls of a group of authorizations and counts those over one', () => {
    // Prepare
    const calls = new Map([
      ['a', ['BatchGetItem', 'TransactWriteItems']],
      ['b', ['TransactWriteItems']],
      ['c', ['TransactWriteItems']],
    ]);

    // Act
    const warm = callsPer(['b', 'c'], calls);
    const cold = callsPer(['a'], calls);

    // Assess
    expect(warm).toEqual({
      authorizations: 2,
      perAuthorization: 1,
      byOperation: { TransactWriteItems: 2 },
      overOne: 0,
    });
    expect(cold.perAuthorization).toBe(2);
    expect(cold.overOne).toBe(1);
    expect(callsPer([], calls).perAuthorization).toBe(0);
  });
});
