import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiJson, SqsPoisonRecordSink } from '../../src/adapters/sqsPoisonSink.js';
import { numRuns } from '../support/arbitraries.js';

/** An SQS client that keeps the commands it is sent. */
function recordingClient() {
  const sent: SendMessageCommand[] = [];
  const client = {
    send: async (command: SendMessageCommand) => {
      sent.push(command);
      return {};
    },
  } as unknown as SQSClient;
  return { client, sent };
}

/** What SQS accepts in a message body (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF). */
const SQS_BODY = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

describe('SqsPoisonRecordSink', () => {
  it('sends the reason, the detail and the source as JSON, with the reason as an attribute', async () => {
    // Prepare
    const { client, sent } = recordingClient();
    const sink = new SqsPoisonRecordSink(client, 'https://sqs.local/poison');
    const record = {
      reason: 'UNKNOWN_SCHEMA_VERSION',
      detail: 'atm.transaction.accepted schemaVersion 2; known: 1',
      source: { partitionKey: 'acct-1', sequenceNumber: '4900', data: 'e30=' },
    };

    // Act
    await sink.send(record);

    // Assess
    expect(sent).toHaveLength(1);
    const input = sent[0]?.input;
    expect(input?.QueueUrl).toBe('https://sqs.local/poison');
    expect(input?.MessageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'UNKNOWN_SCHEMA_VERSION' },
    });
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual({
      ...record,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('writes a hostile partition key so SQS takes it: U+FFFF would be refused, and the record stuck', async () => {
    // Prepare
    const { client, sent } = recordingClient();
    const sink = new SqsPoisonRecordSink(client, 'https://sqs.local/poison');
    const partitionKey = 'acct-\uffff\ufffe\u0000é😀';

    // Act
    await sink.send({ reason: 'NOT_JSON', detail: 'not UTF-8', source: { partitionKey } });

    // Assess
    const body = sent[0]?.input.MessageBody ?? '';
    expect(body).toMatch(/^[ -~]*$/);
    expect(JSON.parse(body).source.partitionKey).toBe(partitionKey);
  });

  it('asciiJson: printable ASCII that SQS accepts, parsing back to the same value (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ unit: 'binary', maxLength: 30 }),
          fc.string({ unit: 'binary', maxLength: 30 }),
        ),
        (value) => {
          const json = asciiJson(value);
          expect(json).toMatch(/^[ -~]*$/);
          expect(json).toMatch(SQS_BODY);
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(value)));
        },
      ),
      { numRuns: numRuns() },
    );
  });
});
