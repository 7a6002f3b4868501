// Pins the script format and the workload generator (deterministic, bounded).
import { describe, expect, it } from 'vitest';
import { VEventType } from '../../../src/vstream/proto.js';
import { parseScript, runScript } from '../../../src/devtools/vtgate/script.js';
import { WorkloadGenerator, runWorkload, workloadKeyspace } from '../../../src/devtools/vtgate/workload.js';
import { CUSTOMER, request, rowImages, stream, vtgate } from './helpers.js';

const YAML_SCRIPT = `
# a customer's life
- insert: { table: customer, rows: [{ id: 18446744073709551615, name: Ann, balance: "0.50" }] }
- txn:
    - update: { table: customer, where: { id: 18446744073709551615 }, set: { tier: pro } }
    - insert: { table: customer, rows: { id: 2, name: Bo } }
- ddl: { op: addColumn, table: customer, column: "note varchar(10) null" }
- delete: { table: customer, where: { id: 2 } }
- other: { keyspace: ks }
- sleep: 1
`;

describe('scripts', () => {
  it('runs YAML steps against the test vtgate', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }] });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    await runScript(v, parseScript(YAML_SCRIPT));
    await s.count(VEventType.OTHER, 2);
    expect(s.types().slice(2)).toEqual([
      ...['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT'],
      ...['BEGIN', 'ROW', 'ROW', 'VGTID', 'COMMIT'],
      ...['VGTID', 'DDL'],
      ...['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT'],
      ...['VGTID', 'OTHER'],
    ]);
    expect(rowImages(s.events)[0]).toEqual(['18446744073709551615', 'Ann', 'free', '.50']);
    expect(v.rows('customer')).toEqual([
      { id: '18446744073709551615', name: 'Ann', tier: 'pro', balance: '0.50', note: null },
    ]);
  });

  it('reads JSON Lines and reports bad steps with their number', () => {
    const steps = parseScript('{"insert":{"table":"t","rows":{"id":1}}}\n{"sleep":5}\n');
    expect(steps).toEqual([{ insert: { table: 't', rows: { id: 1 } } }, { sleep: 5 }]);
    expect(() => parseScript('- insert: { rows: [] }')).toThrow(/script step 1/);
    expect(() => parseScript('- explode: {}')).toThrow(/script step 1/);
  });
});

describe('workload', () => {
  it('is deterministic for a seed', () => {
    const a = new WorkloadGenerator({ seed: 42 });
    const b = new WorkloadGenerator({ seed: 42 });
    const c = new WorkloadGenerator({ seed: 43 });
    const take = (g: WorkloadGenerator) =>
      JSON.stringify(
        Array.from({ length: 50 }, () => g.nextTransaction()),
        (_, x) => (typeof x === 'bigint' ? `${x}n` : x),
      );
    const first = take(a);
    expect(take(b)).toBe(first);
    expect(take(c)).not.toBe(first);
  });

  it('runs mixed transactions at a steady rate, bounded by a count, and streams them', async () => {
    const v = await vtgate({ keyspaces: [workloadKeyspace()] });
    const s = stream(v, request([{ keyspace: 'commerce', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 2);
    const run = runWorkload(v, { seed: 7, ratePerSecond: 2000, maxTransactions: 150 });
    const stats = await run.done;
    expect(stats.transactions).toBe(150);
    await s.until((evs) => evs.filter((e) => e.type === VEventType.COMMIT).length >= 150);
    const ops = new Set(
      s.events.flatMap(
        (e) => e.rowEvent?.rowChanges.map((rc) => (rc.before ? (rc.after ? 'u' : 'd') : 'i')) ?? [],
      ),
    );
    expect([...ops].sort()).toEqual(['d', 'i', 'u']);
    expect(new Set(s.events.filter((e) => e.fieldEvent).map((e) => e.fieldEvent!.tableName))).toEqual(
      new Set(['commerce.customers', 'commerce.products', 'commerce.orders']),
    );
    expect(() => runWorkload(v, { ratePerSecond: 1 })).toThrow(/maxTransactions or durationMs/);
  });

  it('stops after a duration', async () => {
    const v = await vtgate({ keyspaces: [workloadKeyspace('commerce', ['-'])] });
    const stats = await runWorkload(v, { ratePerSecond: 100, durationMs: 120 }).done;
    expect(stats.elapsedMs).toBeGreaterThanOrEqual(120);
    expect(stats.transactions).toBeGreaterThan(3);
    expect(stats.transactions).toBeLessThan(40);
  });
});
