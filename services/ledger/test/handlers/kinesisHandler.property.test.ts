import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { asciiJson } from '../../src/adapters/sqsPoisonSink.js';
import { OVERSIZED_PREFIX_BASE64_CHARS } from '../../src/application/consumeRecord.js';
import { MAX_RECORD_BYTES } from '../../src/application/decodeRecord.js';
import { maskPans, maskPansInBase64 } from '../../src/domain/maskPans.js';
import { makeKinesisHandler } from '../../src/handlers/kinesisHandler.js';
import type { PoisonRecordSink } from '../../src/ports.js';
import { numRuns } from '../support/arbitraries.js';
import { aDeposit, anAccount, fixedClock, silentLogger } from '../support/builders.js';
import { kinesisEvent, kinesisRecord, txRecord } from '../support/events.js';
import { arbPoison, KIB, type Poison } from '../support/hostileRecords.js';

/** SQS's limit on a message body, which the poison message must stay under. */
const SQS_MAX_MESSAGE_BYTES = 256 * KIB;

type Sent = Parameters<PoisonRecordSink['send']>[0];

/** A poison queue that keeps what it takes, and refuses the records it is told to (SQS down). */
class FlakySink implements PoisonRecordSink {
  readonly sent: Sent[] = [];
  constructor(private readonly refuse: ReadonlySet<string>) {}

  async send(record: Sent): Promise<void> {
    if (this.refuse.has(String(record.source.sequenceNumber))) {
      throw new Error('SQS unavailable');
    }
    this.sent.push(record);
  }
}

const ACCOUNTS = ['acct-1', 'acct-2', 'acct-3'] as const;

/** One record of the batch: a deposit, or poison whose parking may fail. */
type Step =
  | { readonly kind: 'deposit'; readonly account: string; readonly amount: number }
  | {
      readonly kind: 'poison';
      readonly account: string;
      readonly poison: Poison;
      readonly sinkFails: boolean;
    };

const arbStep = (): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('deposit' as const),
      account: fc.constantFrom(...ACCOUNTS),
      amount: fc.integer({ min: 1, max: 1_000 }),
    }),
    fc.record({
      kind: fc.constant('poison' as const),
      account: fc.constantFrom(...ACCOUNTS),
      // Up to 200 KiB: past the limit, and a batch of them stays quick.
      poison: arbPoison(200 * KIB),
      // One in five times, SQS is down when it is parked.
      sinkFails: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  );

describe('kinesisHandler with poison in the batch (property)', () => {
  it('parks poison with its reason and moves on; fails a record only when it cannot be parked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbStep(), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps, concurrency) => {
          // Prepare
          const store = new InMemoryLedgerStore();
          for (const accountId of ACCOUNTS) {
            await store.createAccount(anAccount({ accountId, currency: 'EUR', balance: 0 }));
          }
          const records: KinesisStreamRecord[] = steps.map((step, i) =>
            step.kind === 'deposit'
              ? txRecord(
                  aDeposit({
                    transactionId: `d-${i}`,
                    accountId: step.account,
                    amount: step.amount,
                    currency: 'EUR',
                  }),
                )
              : kinesisRecord(step.account, step.poison.data),
          );
          const refused = new Set(
            steps.flatMap((step, i) =>
              step.kind === 'poison' && step.sinkFails ? [records[i]?.kinesis.sequenceNumber] : [],
            ),
          );
          const sink = new FlakySink(refused as Set<string>);
          const handler = makeKinesisHandler({
            store,
            poison: sink,
            clock: fixedClock(),
            logger: silentLogger(),
            concurrency,
          });

          // The model: each account in stream order, stopping at the first record that cannot
          // be handled, i.e. a poison record the queue refused. Nothing else stops it.
          const failures: string[] = [];
          const parked: { sequenceNumber: string; reason: string }[] = [];
          const posted = new Map<string, string[]>(ACCOUNTS.map((a) => [a, []]));
          for (const account of ACCOUNTS) {
            for (const [i, step] of steps.entries()) {
              if (step.account !== account) continue;
              const sequenceNumber = records[i]?.kinesis.sequenceNumber ?? '';
              if (step.kind === 'deposit') {
                posted.get(account)?.push(`d-${i}`);
              } else if (step.sinkFails) {
                failures.push(sequenceNumber);
                break;
              } else {
                parked.push({ sequenceNumber, reason: step.poison.reason });
              }
            }
          }

          // Act
          const response = await handler(kinesisEvent(...records));

          // Assess
          expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
            failures.sort(),
          );
          const bySequence = (a: { sequenceNumber: string }, b: { sequenceNumber: string }) =>
            a.sequenceNumber.localeCompare(b.sequenceNumber);
          expect(
            sink.sent
              .map((s) => ({ sequenceNumber: String(s.source.sequenceNumber), reason: s.reason }))
              .sort(bySequence),
          ).toEqual(parked.sort(bySequence));
          for (const account of ACCOUNTS) {
            const entries = await store.listEntries(account, 100);
            expect(entries.items.map((e) => e.transactionId)).toEqual(posted.get(account));
          }
          for (const message of sink.sent) {
            const record = records.find(
              (r) => r.kinesis.sequenceNumber === message.source.sequenceNumber,
            );
            const bytes = Buffer.byteLength(record?.kinesis.data ?? '', 'base64');
            // Its coordinates, and its data: whole, or a prefix and the size past the limit.
            expect(message.source).toMatchObject({
              eventSourceARN: record?.eventSourceARN,
              shardId: 'shardId-000000000000',
              partitionKey: maskPans(record?.kinesis.partitionKey ?? '').text,
              approximateArrivalTimestamp: record?.kinesis.approximateArrivalTimestamp,
              dataBytes: bytes,
              dataTruncated: bytes > MAX_RECORD_BYTES,
              // PAN-like digit runs masked, byte for byte.
              data: maskPansInBase64(
                bytes > MAX_RECORD_BYTES
                  ? (record?.kinesis.data ?? '').slice(0, OVERSIZED_PREFIX_BASE64_CHARS)
                  : (record?.kinesis.data ?? ''),
              ).data,
            });
            // What the SQS sink would send stays under SQS's limit.
            expect(Buffer.byteLength(asciiJson({ ...message, failedAt: '' }))).toBeLessThan(
              SQS_MAX_MESSAGE_BYTES,
            );
          }
        },
      ),
      { numRuns: numRuns() },
    );
  });
});
