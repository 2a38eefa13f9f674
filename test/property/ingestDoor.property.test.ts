import {
  type AtmTransactionRecord,
  type PostTransactionRequest,
  payloadHash,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import { InMemoryAcceptanceLog, makeHttpHandler } from '@atm-ledger/ingest';
import { createLogger, type HttpEvent } from '@atm-ledger/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numRuns } from './ledgerModel.suite.js';

const now = new Date('2026-11-27T10:00:00.000Z');
const TRANSACTION_ID = 't-raced';

function post(body: unknown): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'POST /v1/transactions',
    rawPath: '/v1/transactions',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/v1/transactions',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req',
      routeKey: 'POST /v1/transactions',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

type Payload = PostTransactionRequest & { readonly amount: number };

/** `min` to `max` payloads for one id, told apart by their amounts. */
const arbPayloads = (min: number, max: number): fc.Arbitrary<Payload[]> =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 9_999 }), { minLength: min, maxLength: max })
    .map((amounts) =>
      amounts.map((amount) => ({
        transactionId: TRANSACTION_ID,
        type: 'WITHDRAWAL' as const,
        accountId: 'acct-1',
        atmId: 'atm-1',
        amount,
        currency: 'USD',
        occurredAt: '2026-11-27T09:00:00Z',
        pan: '4111111111111111',
      })),
    );

interface Request {
  readonly payload: number;
  readonly occurredAt: string;
}

/** How a request writes the instant: an ATM's retry may use another offset, and it is the same payload. */
const arbOccurredAt = () =>
  fc.constantFrom('2026-11-27T09:00:00Z', '2026-11-27T09:00:00.000Z', '2026-11-27T10:00:00+01:00');

/**
 * The requests racing: each payload at least once, then up to 6 more of any.
 * The order they are sent in does not matter: each waits at the scheduler
 * before its first write, and the scheduler picks who goes next.
 */
const arbRequests = (payloads: number): fc.Arbitrary<Request[]> =>
  fc
    .tuple(
      fc.tuple(...Array.from({ length: payloads }, () => arbOccurredAt())),
      fc.array(
        fc.record({
          payload: fc.integer({ min: 0, max: payloads - 1 }),
          occurredAt: arbOccurredAt(),
        }),
        { maxLength: 6 },
      ),
    )
    .map(([first, more]) => [
      ...first.map((occurredAt, payload) => ({ payload, occurredAt })),
      ...more,
    ])
    .filter((requests) => requests.length >= 2);

const arbRace = (minPayloads: number, maxPayloads: number) =>
  arbPayloads(minPayloads, maxPayloads).chain((payloads) =>
    fc.record({
      payloads: fc.constant(payloads),
      requests: arbRequests(payloads.length),
      scheduler: fc.scheduler(),
    }),
  );

/**
 * The real ingest handler over the in-memory door, every call to the log and
 * the publisher a point where the scheduler may run another request first:
 * before the conditional write, after it, and before the put.
 */
async function race({
  payloads,
  requests,
  scheduler: s,
}: {
  payloads: Payload[];
  requests: Request[];
  scheduler: fc.Scheduler;
}) {
  const log = new InMemoryAcceptanceLog();
  const published: AtmTransactionRecord[] = [];
  const handler = makeHttpHandler({
    acceptance: {
      claim: async (transaction, at) => {
        await s.schedule(Promise.resolve(), `claim ${transaction.amount}`);
        const outcome = await log.claim(transaction, at);
        return s.schedule(Promise.resolve(outcome), `answer ${transaction.amount}`);
      },
    },
    publisher: {
      publish: async (records) => {
        await s.schedule(Promise.resolve(), 'publish');
        published.push(...records);
      },
    },
    health: [],
    clock: { now: () => now },
    logger: createLogger('ingest-door-property'),
  });
  const responses = await s.waitFor(
    Promise.all(
      requests.map((r) =>
        handler(post({ ...payloads[r.payload], occurredAt: r.occurredAt })).then((response) => ({
          ...r,
          status: response.statusCode,
        })),
      ),
    ),
  );
  return { responses, published, log };
}

describe('ingest door under concurrent POSTs of one id (fc.scheduler)', () => {
  it('accepts exactly one of 2-3 raced payloads: every 202 is that one, every other 409, only it published', async () => {
    await fc.assert(
      fc.asyncProperty(arbRace(2, 3), async (input) => {
        // Act
        const { responses, published, log } = await race(input);

        // Assess
        const accepted = new Set(responses.filter((r) => r.status === 202).map((r) => r.payload));
        expect(accepted.size).toBe(1);
        const [winner = -1] = accepted;
        for (const r of responses) expect(r.status).toBe(r.payload === winner ? 202 : 409);
        const winning = input.payloads[winner];
        if (winning === undefined) throw new Error('no payload won');
        expect(published.length).toBe(responses.filter((r) => r.status === 202).length);
        for (const record of published) {
          expect(payloadHash(record.transaction)).toBe(payloadHash(toAtmTransaction(winning)));
        }
        expect(log.markers.get(TRANSACTION_ID)?.transaction?.amount).toBe(winning.amount);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('accepts every request when they all send the same payload, and publishes each', async () => {
    await fc.assert(
      fc.asyncProperty(arbRace(1, 1), async (input) => {
        // Act
        const { responses, published } = await race(input);

        // Assess
        expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
        expect(published).toHaveLength(responses.length);
      }),
      { numRuns: numRuns(100) },
    );
  });
});
