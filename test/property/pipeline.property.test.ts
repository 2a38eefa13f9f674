import { randomUUID } from 'node:crypto';
import type { AtmTransaction } from '@atm-ledger/contracts';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';
import { numRuns } from './ledgerModel.suite.js';
import { ReferenceLedger } from './referenceLedger.js';

const occurredAt = '2026-11-27T09:00:00.000Z';

/** Per account, an ordered list of cash movements and reversals of earlier ones. */
const arbAccountHistory = () =>
  fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant('DEPOSIT' as const),
        amount: fc.constantFrom(2_000, 5_000, 10_000),
      }),
      fc.record({
        kind: fc.constant('WITHDRAWAL' as const),
        amount: fc.constantFrom(2_000, 4_000, 8_000),
      }),
      fc.record({
        kind: fc.constant('REVERSAL' as const),
        of: fc.nat(),
        dispensed: fc.constantFrom(0, 1_000),
      }),
    ),
    { minLength: 1, maxLength: 8 },
  );

/** Delivery: each message once or twice; accounts interleaved at random, each account in order. */
const arbWorkload = () =>
  fc.record({
    histories: fc.array(arbAccountHistory(), { minLength: 2, maxLength: 4 }),
    duplicates: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    interleaving: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  });

/**
 * The whole pipeline (HTTP → Kinesis → event source mapping → ledger →
 * DynamoDB), fed a random workload with random duplicates and accounts
 * reordered against each other, must end in exactly the balances of
 * exactly-once, in-order delivery.
 */
describe('whole pipeline: duplicates and cross-account reorders', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 6);

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `pp-${run}`,
      token: 't',
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('ends in the balances of exactly-once, in-order delivery', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(arbWorkload(), async ({ histories, duplicates, interleaving }) => {
        round += 1;
        // Prepare: the messages of each account, in the order its ATM sent them.
        const accounts = histories.map((_, a) => `acct-${run}-${round}-${a}`);
        const perAccount: AtmTransaction[][] = histories.map((history, a) => {
          const account = accounts[a] as string;
          const sent: AtmTransaction[] = [];
          history.forEach((step, i) => {
            const transactionId = `${account}-t${i}`;
            const base = { transactionId, accountId: account, atmId: 'atm-1', occurredAt };
            if (step.kind === 'REVERSAL') {
              const original = sent.filter((t) => t.type !== 'REVERSAL')[
                step.of % Math.max(1, sent.length)
              ];
              if (original === undefined) return;
              sent.push({
                ...base,
                type: 'REVERSAL',
                originalTransactionId: original.transactionId,
                dispensedAmount: step.dispensed,
              });
            } else {
              sent.push({ ...base, type: step.kind, amount: step.amount, currency: 'USD' });
            }
          });
          return sent;
        });
        // The local cloud's reversal window is a day: nothing here waits that long.
        const expected = new ReferenceLedger(86_400_000, Date.now);
        for (const account of accounts) expected.open(account, 'USD', 0);
        for (const sent of perAccount) for (const tx of sent) expected.deliver(tx);
        for (const account of accounts) {
          expect(
            (await api.post('/v1/accounts', { accountId: account, currency: 'USD' })).status,
          ).toBe(201);
        }

        // Act: interleave the accounts at random, keeping each account's order, and send some twice.
        const cursors = perAccount.map(() => 0);
        let k = 0;
        for (;;) {
          const open = perAccount
            .map((s, a) => ((cursors[a] ?? 0) < s.length ? a : -1))
            .filter((a) => a >= 0);
          if (open.length === 0) break;
          const a = open[(interleaving[k % interleaving.length] ?? 0) % open.length] as number;
          const tx = perAccount[a]?.[cursors[a] ?? 0] as AtmTransaction;
          cursors[a] = (cursors[a] ?? 0) + 1;
          const copies = duplicates[k % duplicates.length] ? 2 : 1;
          k += 1;
          for (let c = 0; c < copies; c++)
            expect((await api.post('/v1/transactions', tx)).status).toBe(202);
        }

        // Assess
        for (const [a, account] of accounts.entries()) {
          const last = perAccount[a]?.at(-1);
          if (last === undefined) continue;
          await eventually(
            async () => {
              const r = await api.get(`/v1/transactions/${last.transactionId}`);
              return r.body.status === 'POSTED' || r.body.status === 'REJECTED' ? true : undefined;
            },
            { timeoutMs: 20_000, what: `the last transaction of ${account}` },
          );
          const actual = await api.get(`/v1/accounts/${account}`);
          expect(actual.body.balance, account).toBe(expected.accounts.get(account)?.balance);
        }
      }),
      { numRuns: numRuns(3) },
    );
  }, 600_000);
});
