import { describe, expect, it } from 'vitest';
import {
  measureFootprints,
  monthlyCost,
  PLAN_INPUTS,
  PROFILES,
  planAt,
  shardsFor,
  totalsWcuBindingRate,
  transactionalWcu,
} from '../../src/bench/capacity-plan.js';
import { loadPricing } from '../../src/loadtest/cost.js';

describe('capacity plan: the arithmetic, against the same sums done by hand', () => {
  it('sizes Kinesis by records per second unless the records are big enough for bytes to bind', () => {
    // 5,000 records/s of 434 bytes is 2.07 MiB/s: the 1,000 records/s per shard binds.
    expect(shardsFor(5_000, 434)).toEqual({ shards: 5, binding: 'records' });
    // At 80% of each shard: 5,000 / 800 = 6.25, so 7.
    expect(shardsFor(5_000, 434, 0.8).shards).toBe(7);
    // 1,000 records/s of 2 KiB is 1.95 MiB/s: two shards by bytes, one by records.
    expect(shardsFor(1_000, 2_048)).toEqual({ shards: 2, binding: 'bytes' });
  });

  it('counts a transactional item twice per started KB', () => {
    expect(transactionalWcu(1_229)).toBe(4); // 1.2 KB
    expect(transactionalWcu(1_024)).toBe(2);
    expect(transactionalWcu(1_025)).toBe(4);
    expect(transactionalWcu(38)).toBe(2);
  });

  it('finds where 32 totals items reach their partitions: 32 × 1,000 WCU/s ÷ 2 WCU per update', () => {
    expect(totalsWcuBindingRate(32, 2)).toBe(16_000);
  });
});

describe('capacity plan: the items, as the ledger writes them', () => {
  it('writes what bench:ledger measures for a withdrawal with its ids: 4 items, 8 write units, no ATM item', async () => {
    // Act
    const f = await measureFootprints(PROFILES.bench);

    // Assess
    const w = f.byType.WITHDRAWAL;
    expect(w.outcome).toBe('POSTED');
    expect(w.writes.map((x) => `${x.op} ${x.item}`)).toEqual([
      'Put TX',
      'Update ACCT',
      'Put ENTRY',
      'Update TOTALS',
    ]);
    expect(w.wcu).toBe(8);
    expect(w.writes.some((x) => x.pk.includes('ATM_CASH'))).toBe(false);
    expect(f.byType.TRANSFER.wcu).toBe(12);
    expect(f.byType.BALANCE_INQUIRY.wcu).toBe(4);
  });

  it('crosses 1 KB with a network’s ids, which doubles the transaction item’s units', async () => {
    // Act
    const f = await measureFootprints(PROFILES.typical);

    // Assess: 4 for the transaction item, 2 each for account, entry and totals.
    const w = f.byType.WITHDRAWAL;
    expect(w.txItemBytes).toBeGreaterThan(1_024);
    expect(w.wcu).toBe(4 + 2 + 2 + 2);
    expect(f.kinesisRecordBytes).toBeLessThan(1_024);
  });
});

describe('capacity plan: a rate', () => {
  it('gives the concurrency and the bill the sums give', async () => {
    // Prepare
    const f = await measureFootprints(PROFILES.typical);
    const pricing = await loadPricing();

    // Act
    const p = planAt(1_000, f, PLAN_INPUTS, 5_000);
    const month = monthlyCost(1_000, f, pricing);

    // Assess: ingest 1,000/s × 30 ms; ledger 7 shards (5,000 / 800) × parallelization 2.
    expect(p.ingest.concurrency).toBeCloseTo(30);
    expect(p.kinesis.shards).toBe(7);
    expect(p.ledger.concurrency).toBe(14);
    // 1,000/s × 2,592,000 s at $1.00 per million requests.
    const api = month.lines.find((l) => l.what === 'API Gateway HTTP API');
    expect(api?.usd).toBeCloseTo(2_592);
    expect(month.unpriced).toEqual([]);
  });
});
