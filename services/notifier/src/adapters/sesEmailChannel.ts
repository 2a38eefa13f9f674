import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Notification, NotificationKind } from '../domain/index.js';
import {
  type ContactDirectory,
  DeliveryError,
  type DeliveryResult,
  type NotificationChannel,
} from '../ports.js';

const SUBJECTS: Readonly<Record<NotificationKind, string>> = {
  RECEIPT: 'Your ATM receipt',
  LOW_BALANCE: 'Low balance alert',
  LARGE_WITHDRAWAL: 'Large withdrawal alert',
  WITHDRAWAL_REJECTED: 'Withdrawal declined',
  OVERDRAWN: 'Account overdrawn',
};

export interface SesEmailChannelOptions {
  /** A verified SES identity, e.g. `alerts@bank.example`. */
  readonly from: string;
  /** SES configuration set, for bounce and complaint tracking. */
  readonly configurationSet?: string | undefined;
}

/** Email through SES (API v2 `SendEmail`), to the address the contact directory knows. */
export class SesEmailChannel implements NotificationChannel {
  readonly name = 'ses-email';

  constructor(
    private readonly client: SESv2Client,
    private readonly contacts: ContactDirectory,
    private readonly options: SesEmailChannelOptions,
  ) {}

  async send(notification: Notification): Promise<DeliveryResult> {
    const contact = await this.contacts.contactFor(notification.accountId);
    if (contact?.email === undefined) return { kind: 'NoDestination' };
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [contact.email] },
          Content: {
            Simple: {
              Subject: { Data: SUBJECTS[notification.kind], Charset: 'UTF-8' },
              Body: { Text: { Data: notification.message, Charset: 'UTF-8' } },
            },
          },
          // Tags make bounces and complaints traceable to a notification without its text.
          EmailTags: [{ Name: 'kind', Value: notification.kind }],
          ...(this.options.configurationSet === undefined
            ? {}
            : { ConfigurationSetName: this.options.configurationSet }),
        }),
      );
      return { kind: 'Delivered', reference: out.MessageId };
    } catch (error) {
      throw new DeliveryError(
        `SES refused ${notification.notificationId}: ${(error as Error).name}`,
        {
          cause: error,
        },
      );
    }
  }
}
