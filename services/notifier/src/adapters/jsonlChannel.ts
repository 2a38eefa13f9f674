import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Notification } from '../domain/index.js';
import { DeliveryError, type DeliveryResult, type NotificationChannel } from '../ports.js';

/**
 * The local cloud's "inbox": one JSON object per line, appended to a file
 * that `GET /local/notifications` reads. Each line goes out in a single
 * append of a whole line, so readers (and a second notifier sharing the file)
 * never see two lines interleaved, and a partial last line can only be a
 * write still in progress.
 */
export class JsonlFileChannel implements NotificationChannel {
  readonly name = 'jsonl';
  #ready: Promise<void> | undefined;

  constructor(private readonly path: string) {}

  async send(notification: Notification): Promise<DeliveryResult> {
    const line = `${JSON.stringify({
      notificationId: notification.notificationId,
      kind: notification.kind,
      accountId: notification.accountId,
      ...(notification.transactionId === undefined
        ? { authorizationId: notification.authorizationId }
        : { transactionId: notification.transactionId }),
      createdAt: notification.createdAt,
      message: notification.message,
    })}\n`;
    try {
      this.#ready ??= mkdir(dirname(this.path), { recursive: true }).then(() => undefined);
      await this.#ready;
      await appendFile(this.path, line, { encoding: 'utf8', flag: 'a' });
    } catch (error) {
      this.#ready = undefined;
      throw new DeliveryError(
        `appending to the notification file failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return { kind: 'Delivered' };
  }
}
