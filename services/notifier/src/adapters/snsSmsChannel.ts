import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification } from '../domain/index.js';
import {
  type ContactDirectory,
  DeliveryError,
  type DeliveryResult,
  type NotificationChannel,
} from '../ports.js';

export interface SnsSmsChannelOptions {
  /** Sender ID shown on the phone where the country allows one (up to 11 alphanumerics). */
  readonly senderId?: string | undefined;
}

/** SMS through SNS `Publish` to a phone number, to the number the contact directory knows. */
export class SnsSmsChannel implements NotificationChannel {
  readonly name = 'sns-sms';

  constructor(
    private readonly client: SNSClient,
    private readonly contacts: ContactDirectory,
    private readonly options: SnsSmsChannelOptions = {},
  ) {}

  async send(notification: Notification): Promise<DeliveryResult> {
    const contact = await this.contacts.contactFor(notification.accountId);
    if (contact?.phone === undefined) return { kind: 'NoDestination' };
    try {
      const out = await this.client.send(
        new PublishCommand({
          PhoneNumber: contact.phone,
          Message: notification.message,
          MessageAttributes: {
            // Transactional: delivered with priority and not subject to promotional opt-outs and quiet hours.
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(this.options.senderId === undefined
              ? {}
              : {
                  'AWS.SNS.SMS.SenderID': {
                    DataType: 'String',
                    StringValue: this.options.senderId,
                  },
                }),
          },
        }),
      );
      return { kind: 'Delivered', reference: out.MessageId };
    } catch (error) {
      throw new DeliveryError(
        `SNS refused ${notification.notificationId}: ${(error as Error).name}`,
        {
          cause: error,
        },
      );
    }
  }
}
