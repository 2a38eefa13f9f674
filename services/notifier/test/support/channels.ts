import type { Notification } from '../../src/domain/index.js';
import { DeliveryError, type DeliveryResult, type NotificationChannel } from '../../src/ports.js';

/** A channel that keeps what it is sent and fails on demand. */
export class RecordingChannel implements NotificationChannel {
  readonly name = 'recording';
  readonly sent: Notification[] = [];
  /** Notifications matching this fail with a DeliveryError. */
  failWhen: (n: Notification) => boolean = () => false;

  async send(notification: Notification): Promise<DeliveryResult> {
    if (this.failWhen(notification)) {
      throw new DeliveryError(`provider unavailable for ${notification.notificationId}`);
    }
    this.sent.push(notification);
    return { kind: 'Delivered', reference: `ref-${this.sent.length}` };
  }
}
