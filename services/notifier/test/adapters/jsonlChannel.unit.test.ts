import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlFileChannel } from '../../src/adapters/jsonlChannel.js';
import type { Notification } from '../../src/domain/index.js';
import { isDeliveryError } from '../../src/ports.js';

const notification = (n: number): Notification => ({
  notificationId: `ev-${n}:RECEIPT:A`,
  kind: 'RECEIPT',
  accountId: 'A',
  transactionId: `tx-${n}`,
  createdAt: '2026-11-27T10:00:00.000Z',
  message: `Receipt ${n}`,
});

describe('JsonlFileChannel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notifier-jsonl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON object per line, creating the folder on first use', async () => {
    // Prepare
    const path = join(dir, 'nested', 'notifications.jsonl');
    const channel = new JsonlFileChannel(path);

    // Act
    const results = await Promise.all([1, 2, 3].map((n) => channel.send(notification(n))));

    // Assess
    expect(results).toEqual([1, 2, 3].map(() => ({ kind: 'Delivered' })));
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(
      lines
        .map((l) => JSON.parse(l))
        .sort((a, b) => a.transactionId.localeCompare(b.transactionId)),
    ).toEqual([1, 2, 3].map(notification));
  });

  it('fails with a DeliveryError when the file cannot be written', async () => {
    // Prepare: the path's parent is a file, so no folder can be made there.
    const blocker = join(dir, 'file');
    await new JsonlFileChannel(blocker).send(notification(1));
    const channel = new JsonlFileChannel(join(blocker, 'notifications.jsonl'));

    // Act
    const error = await channel.send(notification(2)).catch((e: unknown) => e);

    // Assess
    expect(isDeliveryError(error)).toBe(true);
  });
});
