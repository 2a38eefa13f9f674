import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { SnsSmsChannel } from '../../src/adapters/snsSmsChannel.js';
import { StaticContactDirectory } from '../../src/adapters/staticContactDirectory.js';
import type { Notification } from '../../src/domain/index.js';
import { isDeliveryError } from '../../src/ports.js';

const notification: Notification = {
  notificationId: 'ev-1:LARGE_WITHDRAWAL:A',
  kind: 'LARGE_WITHDRAWAL',
  accountId: 'A',
  transactionId: 'tx-1',
  createdAt: '2026-11-27T10:00:00.000Z',
  message: 'Large withdrawal: 600.00 USD from your account A with card **** 4242.',
};

/** Stands in for SNSClient: records each command and answers like SNS. */
function fakeSns(answer: () => Promise<unknown> = async () => ({ MessageId: 'sns-1' })) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      return answer();
    },
  } as unknown as SNSClient;
  return { client, sent };
}

const contacts = new StaticContactDirectory({
  A: { phone: '+15555550100' },
  B: { email: 'b@example.com' },
});

describe('SnsSmsChannel', () => {
  it('publishes a transactional SMS to the contact phone number', async () => {
    // Prepare
    const sns = fakeSns();
    const channel = new SnsSmsChannel(sns.client, contacts, { senderId: 'ATMLEDGER' });

    // Act
    const result = await channel.send(notification);

    // Assess
    expect(result).toEqual({ kind: 'Delivered', reference: 'sns-1' });
    const command = sns.sent[0];
    expect(command).toBeInstanceOf(PublishCommand);
    expect((command as PublishCommand).input).toEqual({
      PhoneNumber: '+15555550100',
      Message: notification.message,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'ATMLEDGER' },
      },
    });
  });

  it('sends nothing and says so for an account without a phone number', async () => {
    // Prepare
    const sns = fakeSns();
    const channel = new SnsSmsChannel(sns.client, contacts);

    // Act
    const result = await channel.send({ ...notification, accountId: 'B' });

    // Assess
    expect(result).toEqual({ kind: 'NoDestination' });
    expect(sns.sent).toEqual([]);
  });

  it('turns an SNS failure into a DeliveryError', async () => {
    // Prepare
    const sns = fakeSns(async () => {
      throw Object.assign(new Error('nope'), { name: 'InvalidParameterException' });
    });
    const channel = new SnsSmsChannel(sns.client, contacts);

    // Act
    const error = await channel.send(notification).catch((e: unknown) => e);

    // Assess
    expect(isDeliveryError(error)).toBe(true);
  });
});
