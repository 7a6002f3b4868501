// Pins the copy phase (position ""): tables in alphabetical order, rows in primary-key order in
// batches, LASTPK progress as VGTIDs with table_p_ks, catch-up between tables, per-shard and final
// COPY_COMPLETED, resumption from table_p_ks, tables_to_copy.
import { describe, expect, it } from 'vitest';
import { QueryType, VEventType, type VEvent } from '../../../src/vstream/proto.js';
import { CUSTOMER, PRODUCT, cells, request, rowImages, stream, vtgate } from './helpers.js';

const isFinalCopyCompleted = (e: VEvent) => e.type === VEventType.COPY_COMPLETED && e.keyspace === '';
const copyDone = (evs: VEvent[]) => evs.some(isFinalCopyCompleted);

async function seeded(options: Partial<Parameters<typeof vtgate>[0]> = {}) {
  const v = await vtgate({
    keyspaces: [{ name: 'ks', tables: [PRODUCT, CUSTOMER] }],
    packetSize: 30,
    ...options,
  });
  v.insert(
    'customer',
    [5, 3, 1, 4, 2].map((id) => ({ id, name: `customer-${id}`, balance: '0.5' })),
  );
  v.insert('product', [
    { sku: 'b', price: 1.5 },
    { sku: 'a', price: 100 },
  ]);
  return v;
}

describe('copy phase', () => {
  it('copies tables alphabetically, rows in PK order, with LASTPK VGTIDs and COPY_COMPLETED', async () => {
    const v = await seeded();
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: '' }]));
    await s.until(copyDone);
    expect(rowImages(s.events, 'ks.customer').map((r) => r[0])).toEqual(['1', '2', '3', '4', '5']);
    // copy-phase values are MySQL text: DOUBLE as "1.5", DECIMAL with its zero
    expect(rowImages(s.events, 'ks.product')).toEqual([
      ['a', '100', null],
      ['b', '1.5', null],
    ]);
    expect(rowImages(s.events, 'ks.customer')[0]).toEqual(['1', 'customer-1', 'free', '0.50']);
    expect(s.events.filter((e) => e.fieldEvent).map((e) => e.fieldEvent!.tableName)).toEqual([
      'ks.customer',
      'ks.product',
    ]);
    expect(
      s.events.every(
        (e) => !e.rowEvent || (Number(e.timestamp) === 0 && e.rowEvent.rowChanges[0]!.before === null),
      ),
    ).toBe(true);
    // first table: BEGIN, FIELD, then the snapshot VGTID without table_p_ks
    expect(s.types().slice(0, 3)).toEqual(['BEGIN', 'FIELD', 'VGTID']);
    expect(s.events[2]!.vgtid!.shardGtids[0]!.tablePKs).toEqual([]);
    // batches end in VGTID (with the last PK) + COMMIT, and have no BEGIN of their own
    const batchVgtids = s.events.filter((e) => e.vgtid?.shardGtids[0]!.tablePKs.length);
    expect(batchVgtids.length).toBeGreaterThan(2);
    const tablePK = batchVgtids[0]!.vgtid!.shardGtids[0]!.tablePKs[0]!;
    expect(tablePK.tableName).toBe('customer');
    expect(tablePK.lastpk!.fields).toMatchObject([{ name: 'id', type: QueryType.UINT64, charset: 63 }]);
    expect(tablePK.lastpk!.fields[0]!.columnType).toBe('');
    const firstBatch = s.events.slice(0, s.events.indexOf(batchVgtids[0]!));
    expect(cells(tablePK.lastpk!.rows[0])).toEqual([rowImages(firstBatch, 'ks.customer').at(-1)![0]]);
    // table done: BEGIN, VGTID (table dropped from table_p_ks), COMMIT
    const types = s.types();
    const productField = types.lastIndexOf('FIELD');
    expect(types.slice(productField - 3, productField - 1)).toEqual(['VGTID', 'COMMIT']);
    expect(types.slice(-8)).toEqual([
      'ROW',
      'VGTID',
      'COMMIT',
      'BEGIN',
      'VGTID',
      'COMMIT',
      'COPY_COMPLETED',
      'COPY_COMPLETED',
    ]);
    const [perShard, final] = s.events.slice(-2);
    expect([perShard!.keyspace, perShard!.shard]).toEqual(['ks', '-']);
    expect([final!.keyspace, final!.shard]).toEqual(['', '']);
    expect(s.responses.at(-1)!.events).toHaveLength(2);

    // Then the running phase, with a fresh FIELD.
    v.insert('customer', { id: 9, name: 'late' });
    await s.count(VEventType.FIELD, 3);
    expect(s.types().slice(-5)).toEqual(['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT']);
  });

  it('interleaves catch-up between tables; changes to tables not copied yet wait for their copy', async () => {
    const v = await seeded();
    let written = false;
    v.hooks.beforeCopyBatch = (info) => {
      if (info.table === 'customer' && !written) {
        written = true;
        v.insert('customer', { id: 100, name: 'after snapshot' });
        v.insert('product', { sku: 'zz', price: 2 });
      }
    };
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: '' }]));
    await s.until(copyDone);
    const types = s.types();
    const productCopy = s.events.findIndex((e) => e.fieldEvent?.tableName === 'ks.product');
    // the customer insert arrives as a change between the two table copies ...
    const catchup = s.events.slice(0, productCopy);
    expect(rowImages(catchup, 'ks.customer').map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '100']);
    expect(types.slice(productCopy - 9, productCopy - 1)).toEqual([
      'BEGIN',
      'FIELD',
      'ROW',
      'VGTID',
      'COMMIT',
      'BEGIN',
      'VGTID',
      'COMMIT',
    ]);
    // ... while the product insert is dropped there and comes with the product copy
    expect(rowImages(s.events.slice(productCopy), 'ks.product').map((r) => r[0])).toEqual(['a', 'b', 'zz']);
  });

  it('cuts copies into cycles with catch-up between batches when asked', async () => {
    const v = await seeded({ copyCatchupEveryBatches: 1 });
    let n = 0;
    v.hooks.beforeCopyBatch = (info) => {
      if (info.table === 'customer' && n++ === 1) v.update('customer', { id: 1 }, { name: 'changed' });
    };
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: '' }]));
    await s.until(copyDone);
    const updates = s.events.filter((e) => e.rowEvent?.rowChanges[0]!.before);
    expect(updates).toHaveLength(1);
    expect(cells(updates[0]!.rowEvent!.rowChanges[0]!.after)[1]).toBe('changed');
    expect(s.events.filter((e) => e.fieldEvent?.tableName === 'ks.customer').length).toBeGreaterThan(2);
  });

  it('resumes a copy from table_p_ks and re-copies the rest', async () => {
    const v = await seeded();
    const first = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: '' }]));
    await first.until(copyDone);
    const checkpoint = first.events.find((e) => e.vgtid?.shardGtids[0]!.tablePKs.length)!.vgtid!;
    const lastId = Number(cells(checkpoint.shardGtids[0]!.tablePKs[0]!.lastpk!.rows[0])[0]);
    first.close();

    const resumed = stream(v, request(checkpoint.shardGtids));
    await resumed.until(copyDone);
    expect(rowImages(resumed.events, 'ks.customer').map((r) => Number(r[0]))).toEqual(
      [1, 2, 3, 4, 5].filter((id) => id > lastId),
    );
    expect(rowImages(resumed.events, 'ks.product').map((r) => r[0])).toEqual(['a', 'b']);
  });

  it('copies only tables_to_copy and streams the rest from the copy position', async () => {
    const v = await seeded();
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: '' }], { flags: { tablesToCopy: ['product'] } }),
    );
    await s.until(copyDone);
    expect(rowImages(s.events, 'ks.customer')).toEqual([]);
    expect(rowImages(s.events, 'ks.product')).toHaveLength(2);
    v.insert('customer', { id: 6, name: 'new' });
    await s.until((evs) => rowImages(evs, 'ks.customer').length === 1);
  });

  it('sends one COPY_COMPLETED per shard and the final one once all shards are done', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', shards: ['-80', '80-'], tables: [CUSTOMER] }] });
    v.insert(
      'customer',
      Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `n${i}` })),
    );
    const s = stream(v, request([{ keyspace: 'ks', gtid: '' }]));
    await s.until(copyDone);
    const completions = s.events
      .filter((e) => e.type === VEventType.COPY_COMPLETED)
      .map((e) => `${e.keyspace}/${e.shard}`);
    expect(completions.slice(0, 2).sort()).toEqual(['ks/-80', 'ks/80-']);
    expect(completions[2]).toBe('/');
    expect(rowImages(s.events).length).toBe(20);
    // every VGTID lists both shards; a shard not started yet still says ""
    const vgtids = s.events.filter((e) => e.vgtid);
    expect(vgtids.every((e) => e.vgtid!.shardGtids.length === 2)).toBe(true);
    expect(vgtids[0]!.vgtid!.shardGtids.some((g) => g.gtid === '')).toBe(true);
  });
});
