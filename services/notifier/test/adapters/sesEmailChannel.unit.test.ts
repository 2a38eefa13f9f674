import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { SesEmailChannel } from '../../src/adapters/sesEmailChannel.js';
import { StaticContactDirectory } from '../../src/adapters/staticContactDirectory.js';
import type { Notification } from '../../src/domain/index.js';
import { isDeliveryError } from '../../src/ports.js';

const notification: Notification = {
  notificationId: 'ev-1:LOW_BALANCE:A',
  kind: 'LOW_BALANCE',
  accountId: 'A',
  transactionId: 'tx-1',
  createdAt: '2026-11-27T10:00:00.000Z',
  message: 'Low balance: your account A is at 90.00 USD.',
};

/** Stands in for SESv2Client: records each command and answers like SES. */
function fakeSes(answer: () => Promise<unknown> = async () => ({ MessageId: 'ses-1' })) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      return answer();
    },
  } as unknown as SESv2Client;
  return { client, sent };
}

const contacts = new StaticContactDirectory({
  A: { email: 'a@example.com' },
  B: { phone: '+15555550100' },
});

describe('SesEmailChannel', () => {
  it('sends a plain-text SendEmail from the configured identity to the contact address', async () => {
    // Prepare
    const ses = fakeSes();
    const channel = new SesEmailChannel(ses.client, contacts, {
      from: 'alerts@bank.example',
      configurationSet: 'notifications',
    });

    // Act
    const result = await channel.send(notification);

    // Assess
    expect(result).toEqual({ kind: 'Delivered', reference: 'ses-1' });
    expect(ses.sent).toHaveLength(1);
    const command = ses.sent[0];
    expect(command).toBeInstanceOf(SendEmailCommand);
    expect((command as SendEmailCommand).input).toEqual({
      FromEmailAddress: 'alerts@bank.example',
      Destination: { ToAddresses: ['a@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Low balance alert', Charset: 'UTF-8' },
          Body: { Text: { Data: notification.message, Charset: 'UTF-8' } },
        },
      },
      EmailTags: [{ Name: 'kind', Value: 'LOW_BALANCE' }],
      ConfigurationSetName: 'notifications',
    });
  });

  it('sends nothing and says so for an account without an email address', async () => {
    // Prepare
    const ses = fakeSes();
    const channel = new SesEmailChannel(ses.client, contacts, { from: 'alerts@bank.example' });

    // Act
    const result = await channel.send({ ...notification, accountId: 'B' });

    // Assess
    expect(result).toEqual({ kind: 'NoDestination' });
    expect(ses.sent).toEqual([]);
  });

  it('turns an SES failure into a DeliveryError', async () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' });
    const ses = fakeSes(async () => {
      throw throttled;
    });
    const channel = new SesEmailChannel(ses.client, contacts, { from: 'alerts@bank.example' });

    // Act
    const error = await channel.send(notification).catch((e: unknown) => e);

    // Assess
    expect(isDeliveryError(error)).toBe(true);
    expect((error as Error).cause).toBe(throttled);
  });
});
