// Conformance against a real Vitess: the 2-shard keyspace `customer` (shards -80 and 80-, hash vindex on
// customer_id, see scripts/vitess/schema/customer). Rows that exist when the stream starts come through the
// copy phase of both shards; live changes — a cross-shard transaction included, which Vitess commits once per
// shard — arrive from both; the VGTID holds one position per shard.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { currentVgtidQuery, stopSignal } from '../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createSinkDatabase,
  createWorker,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../support/e2e.js';
import { uniqueName } from '../support/isolation.js';
import {
  changelog,
  connectVtgate,
  mysqlRows,
  pgRows,
  sameRows,
  vitessStreamConfig,
  type Sql,
} from './support.js';

let sql: Sql;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  [sql, sink, temporal] = await Promise.all([
    connectVtgate('customer'),
    createSinkDatabase(),
    connectTemporal(),
  ]);
  // The keyspace's tables come from the schema folder; start from empty ones.
  await sql.query('DELETE FROM corder');
  await sql.query('DELETE FROM customer');
});

afterAll(async () => {
  await sql?.end();
  await sink?.db.end();
  await temporal?.close();
});

const customers = () =>
  mysqlRows(sql, 'SELECT customer_id, email, tier, balance FROM customer ORDER BY customer_id');
const orders = () =>
  mysqlRows(sql, 'SELECT order_id, customer_id, sku, price FROM corder ORDER BY order_id, customer_id');
const mirrorCustomers = () =>
  pgRows(
    sink.db,
    'customer',
    'customer',
    'customer_id::text AS customer_id, email, tier, balance::text AS balance',
    't.customer_id',
  );
const mirrorOrders = () =>
  pgRows(
    sink.db,
    'customer',
    'corder',
    'order_id::text AS order_id, customer_id::text AS customer_id, sku, price::text AS price',
    't.order_id, t.customer_id',
  );

/** The shard vtgate routes a customer to: Vitess answers vindex lookups as a query on the vindex. */
async function shardOf(customerId: number): Promise<string> {
  const [rows] = await sql.query<RowDataPacket[]>('SELECT * FROM hash WHERE id = ?', [customerId]);
  const row = rows[0]!;
  if (typeof row.shard === 'string' && row.shard) return row.shard;
  return (row.keyspace_id as Buffer)[0]! < 0x80 ? '-80' : '80-';
}

describe('a stream of the 2-shard keyspace customer', () => {
  test('copies both shards, then streams changes from both, one VGTID position per shard', async () => {
    for (let id = 1; id <= 30; id++) {
      await sql.query('INSERT INTO customer (customer_id, email, tier, balance) VALUES (?, ?, ?, ?)', [
        id,
        `c${id}@example.com`,
        id % 3 === 0 ? 'pro' : 'free',
        `${id}.25`,
      ]);
      await sql.query('INSERT INTO corder (order_id, customer_id, sku, price) VALUES (?, ?, ?, ?)', [
        1000 + id,
        id,
        `sku-${id}`,
        `${id}.99`,
      ]);
    }
    const shards = new Set(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(shardOf)));
    expect([...shards].sort(), 'test data lands on both shards').toEqual(['-80', '80-']);

    const taskQueue = uniqueName('vitess-shards');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    await worker.runUntil(async () => {
      const streamId = uniqueName('shards');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [
          {
            config: vitessStreamConfig(streamId, sink, {
              keyspace: 'customer',
              tables: ['customer', 'corder'],
            }),
          },
        ],
      });
      await waitUntil(
        'the copy phase of both shards',
        async () => (await mirrorCustomers()).length + (await mirrorOrders()).length,
        (n) => n === 60,
        90_000,
      );
      expect(await mirrorCustomers()).toEqual(await customers());
      expect(await mirrorOrders()).toEqual(await orders());
      const copied = (await changelog(sink.db, streamId)).filter((c) => c.is_copy);
      expect(copied).toHaveLength(60);

      // Live changes on both shards, one transaction spanning them.
      await sql.query(
        `UPDATE customer SET tier = 'pro', balance = 1000.00 WHERE customer_id IN (1, 2, 3, 4, 5, 6)`,
      );
      await sql.query('DELETE FROM corder WHERE customer_id IN (7, 8)');
      await sql.beginTransaction();
      await sql.query(
        `INSERT INTO customer (customer_id, email) VALUES (101, 'a@x.io'), (102, 'b@x.io'), (103, 'c@x.io')`,
      );
      await sql.query(
        `INSERT INTO corder (order_id, customer_id, sku, price) VALUES (2001, 101, 'x', 1.00), (2002, 102, 'y', 2.00)`,
      );
      await sql.commit();
      await waitUntil(
        'the live changes',
        async () =>
          sameRows(await mirrorCustomers(), await customers()) &&
          sameRows(await mirrorOrders(), await orders()),
        (same) => same,
        30_000,
      ).catch(() => undefined);
      expect(await mirrorCustomers()).toEqual(await customers());
      expect(await mirrorOrders()).toEqual(await orders());

      // Every live change once, each tagged with the shard it came from; both shards contributed.
      const live = (await changelog(sink.db, streamId)).filter((c) => !c.is_copy);
      expect(live).toHaveLength(6 + 2 + 3 + 2);
      const { rows: byShard } = await sink.db.query(
        `SELECT keyspace, shard, count(*)::int AS n FROM vstream_relay.changelog
          WHERE stream_id = $1 AND NOT is_copy GROUP BY 1, 2 ORDER BY 1, 2`,
        [streamId],
      );
      expect(byShard.map((r: { keyspace: string; shard: string }) => `${r.keyspace}/${r.shard}`)).toEqual([
        'customer/-80',
        'customer/80-',
      ]);
      for (const entry of live) {
        const image = (entry.after ?? entry.before) as { customer_id: number };
        const { rows } = await sink.db.query(
          `SELECT shard FROM vstream_relay.changelog WHERE stream_id = $1 AND seq = $2`,
          [streamId, entry.seq],
        );
        expect(rows[0].shard, `change ${entry.seq} of customer ${image.customer_id}`).toBe(
          await shardOf(image.customer_id),
        );
      }

      const vgtid = (await handle.query(currentVgtidQuery)) as {
        shard_gtids: { keyspace: string; shard: string; gtid: string; table_p_ks?: unknown }[];
      };
      expect(vgtid.shard_gtids.map((s) => `${s.keyspace}/${s.shard}`).sort()).toEqual([
        'customer/-80',
        'customer/80-',
      ]);
      for (const s of vgtid.shard_gtids) expect(s.gtid).not.toBe('');

      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    });
  });
});
