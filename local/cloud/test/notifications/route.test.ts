import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpEvent } from '@atm-ledger/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_NOTIFICATIONS_ROUTE, makeLocalNotificationsRoute } from '../../src/notifications.js';

const line = (n: number, accountId: string) => ({
  notificationId: `ev-${n}:RECEIPT:${accountId}`,
  kind: 'RECEIPT',
  accountId,
  transactionId: `tx-${n}`,
  createdAt: `2026-11-27T10:00:0${n}.000Z`,
  message: `Receipt ${n}`,
});

function get(query: Record<string, string> | undefined): HttpEvent {
  return {
    version: '2.0',
    routeKey: LOCAL_NOTIFICATIONS_ROUTE,
    rawPath: '/local/notifications',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'local',
      http: {
        method: 'GET',
        path: '/local/notifications',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: LOCAL_NOTIFICATIONS_ROUTE,
      stage: '$default',
      time: '27/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_773_600_000,
    },
  };
}

describe('GET /local/notifications', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-notifications-'));
    path = join(dir, 'notifications.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("returns the account's notifications from the JSONL file, oldest first", async () => {
    // Prepare
    await writeFile(
      path,
      [line(1, 'A'), line(2, 'B'), line(3, 'A')].map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const route = makeLocalNotificationsRoute({ path });

    // Act
    const response = await route(get({ accountId: 'A' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ items: [line(1, 'A'), line(3, 'A')] });
  });

  it('answers an empty list before anything was sent (no file yet)', async () => {
    // Act
    const response = await makeLocalNotificationsRoute({ path })(get({ accountId: 'A' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ items: [] });
  });

  it('skips a half-written last line and lines that are not notifications', async () => {
    // Prepare
    await writeFile(path, `${JSON.stringify(line(1, 'A'))}\n{"oops": true}\n`);
    await appendFile(path, JSON.stringify(line(2, 'A')).slice(0, 20));
    const route = makeLocalNotificationsRoute({ path });

    // Act
    const response = await route(get({ accountId: 'A' }));

    // Assess
    expect(JSON.parse(response.body ?? '')).toEqual({ items: [line(1, 'A')] });
  });

  it.each([
    ['missing', undefined],
    ['invalid', { accountId: 'not an id!' }],
  ])('answers 400 problem+json when accountId is %s', async (_what, query) => {
    // Act
    const response = await makeLocalNotificationsRoute({ path })(get(query));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      status: 400,
      errors: [{ field: 'accountId' }],
    });
  });
});
