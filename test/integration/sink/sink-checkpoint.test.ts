// Exactly-once mechanics on a real Postgres: the checkpoint moves with the data, a stale writer is fenced, a
// crash before COMMIT leaves nothing behind, and replays are harmless.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { advanceCheckpoint } from '../../../src/sink/checkpoint.js';
import { FencedError, PostgresSink, SinkStateError, readCheckpoint } from '../../../src/sink/index.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, del, insert, pk, tableSchema, update, vgtidAt } from '../../unit/sink/fixtures.js';
import { connect, feed, killBackend, openSink, rowsOf } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkckpt');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

const schema = tableSchema('orders', [pk(col.bigint('id')), col.varchar('status'), col.int('qty')]);

function orderTransactions(builder: ItemBuilder, count: number, firstId = 1): StreamItem[] {
  const items: StreamItem[] = [];
  for (let t = 0; t < count; t++) {
    const id = BigInt(firstId + t);
    items.push(
      ...builder.transaction(
        schema,
        [
          insert([id, 'new', 1]),
          update([id, 'new', 1], [id, 'paid', 2]),
          insert([id + 1000n, 'tmp', 0]),
          del([id + 1000n, 'tmp', 0]),
        ],
        { withSchema: t === 0 },
      ),
    );
  }
  return items;
}

describe('claiming and committing', () => {
  test('a first open claims epoch 1 with an empty checkpoint; each open takes the next epoch', async () => {
    const streamId = 'claims';
    const first = await openSink(url, { streamId });
    expect(first.checkpoint).toMatchObject({ streamId, epoch: 1, batchSeq: 0, vgtid: null, changelogSeq: 0 });
    await first.sink.close();
    const second = await openSink(url, { streamId });
    expect(second.checkpoint.epoch).toBe(2);
    await second.sink.close();
  });

  test('commit stores the position of the last boundary atomically with the rows', async () => {
    const streamId = 'commit';
    const { sink } = await openSink(url, { streamId, targetSchema: 'commit_ks' });
    const builder = new ItemBuilder();
    await feed(sink, orderTransactions(builder, 3));
    expect(sink.canCommit()).toBe(true);
    const result = await sink.commit();
    expect(result).toMatchObject({
      batchSeq: 1,
      epoch: 1,
      transactions: 3,
      rows: 12,
      tables: { 'ks.orders': { insert: 6, update: 3, delete: 3, quarantined: 0 } },
      flushes: 1,
    });
    expect(result!.vgtid.equals(vgtidAt(3))).toBe(true);
    expect(await sink.commit()).toBeNull(); // nothing new
    await sink.close();
    const checkpoint = await readCheckpoint(db, 'vstream_relay', streamId);
    expect(checkpoint!.vgtid!.equals(vgtidAt(3))).toBe(true);
    expect(checkpoint!.lastCommitTs).toEqual(new Date(1_700_000_000_000));
    expect(await rowsOf(db, 'commit_ks.orders')).toEqual([
      { id: '1', status: 'paid', qty: '2' },
      { id: '2', status: 'paid', qty: '2' },
      { id: '3', status: 'paid', qty: '2' },
    ]);
  });

  test('commit is refused inside a source transaction, and shouldCommit waits for a boundary', async () => {
    const { sink } = await openSink(url, {
      streamId: 'boundary',
      targetSchema: 'boundary_ks',
      commit: { maxRows: 2 },
    });
    const items = new ItemBuilder().transaction(schema, [insert([1n, 'a', 1]), insert([2n, 'b', 2])], {
      withSchema: true,
    });
    await feed(sink, items.slice(0, -1));
    expect(sink.insideTransaction()).toBe(true);
    expect(sink.shouldCommit()).toBe(false);
    await expect(sink.commit()).rejects.toThrow(SinkStateError);
    await sink.close();
    const { sink: again } = await openSink(url, {
      streamId: 'boundary',
      targetSchema: 'boundary_ks',
      commit: { maxRows: 2 },
    });
    await feed(again, items);
    expect(again.shouldCommit()).toBe(true);
    await again.commit();
    await again.close();
  });

  test('position-only items advance the checkpoint without rows', async () => {
    const { sink } = await openSink(url, { streamId: 'idle' });
    const builder = new ItemBuilder();
    await sink.write(builder.positionItem());
    await sink.write({ kind: 'heartbeat', timestamp: 1, currentTimeMs: 1 });
    await sink.write(builder.positionItem());
    const result = await sink.commit();
    expect(result).toMatchObject({ batchSeq: 1, rows: 0 });
    expect(result!.vgtid.equals(vgtidAt(2))).toBe(true);
    await sink.close();
  });
});

describe('fencing', () => {
  test('a writer whose epoch is stale is rejected and its changes rolled back', async () => {
    const streamId = 'fenced';
    const opts = { streamId, targetSchema: 'fenced_ks' };
    const zombie = await openSink(url, opts);
    const builder = new ItemBuilder();
    const items = orderTransactions(builder, 2);
    // The zombie is mid-batch (already flushed to Postgres) when a new writer takes over.
    await feed(zombie.sink, items);
    expect(zombie.sink.pending.rows).toBe(8);

    const zombieCommit = zombie.sink.commit();
    await expect(zombieCommit).resolves.toMatchObject({ batchSeq: 1 }); // still the owner: legitimate

    await feed(zombie.sink, orderTransactions(builder, 1, 10));
    const successor = await openSink(url, opts);
    expect(successor.checkpoint).toMatchObject({ epoch: 2, batchSeq: 1 });
    await expect(zombie.sink.commit()).rejects.toThrow(FencedError);
    await expect(zombie.sink.write(builder.positionItem())).rejects.toThrow(/failed earlier/);
    await zombie.sink.close();

    expect((await rowsOf(db, 'fenced_ks.orders')).map((r) => r.id)).toEqual(['1', '2']);
    expect((await readCheckpoint(db, 'vstream_relay', streamId))!.batchSeq).toBe(1);
    await successor.sink.close();
  });

  test('a fenced writer is stopped at its first write to Postgres, before applying anything', async () => {
    const opts = { streamId: 'fenced-early', targetSchema: 'fenced_early_ks', chunk: { maxRows: 2 } };
    const zombie = await openSink(url, opts);
    const successor = await openSink(url, opts);
    const items = new ItemBuilder().transaction(schema, [insert([1n, 'a', 1]), insert([2n, 'b', 1])], {
      withSchema: true,
    });
    // The schema item already needs a transaction (CREATE TABLE): the epoch check refuses it.
    await expect(feed(zombie.sink, items)).rejects.toThrow(FencedError);
    await zombie.sink.close();
    const { rows } = await db.query("SELECT to_regclass('fenced_early_ks.orders') AS t");
    expect(rows[0].t).toBeNull();
    await successor.sink.close();
  });

  test('the checkpoint update itself is epoch-guarded: a stale epoch updates no row', async () => {
    const streamId = 'guard';
    const { sink } = await openSink(url, { streamId });
    await sink.close();
    await db.query('BEGIN');
    try {
      await expect(
        advanceCheckpoint(db, 'vstream_relay', streamId, 0, {
          vgtid: vgtidAt(1),
          changelogSeq: 0,
          txnSeq: 0,
          lastCommitTs: null,
          copyCompleted: false,
          resyncs: [],
        }),
      ).rejects.toThrow(FencedError);
    } finally {
      await db.query('ROLLBACK');
    }
  });

  test('a stale writer that already holds the row lock finishes first; the claim waits for it', async () => {
    const streamId = 'lock-order';
    const opts = { streamId, targetSchema: 'lockorder_ks' };
    const first = await openSink(url, opts);
    const builder = new ItemBuilder();
    await feed(first.sink, orderTransactions(builder, 1));
    // Force the open transaction (and the checkpoint row lock) by a chunk flush.
    await first.sink.write(builder.positionItem());
    const claim = openSink(url, { ...opts, claimTimeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    const committed = await first.sink.commit();
    const second = await claim;
    // The claim saw the batch the first writer committed while it waited.
    expect(second.checkpoint).toMatchObject({ epoch: 2, batchSeq: committed!.batchSeq });
    await first.sink.close();
    await second.sink.close();
  });
});

describe('crashes and replays', () => {
  test('a crash between apply and commit leaves nothing half-applied; the replay applies it once', async () => {
    const streamId = 'crash';
    const opts = {
      streamId,
      mode: 'both' as const,
      targetSchema: 'crash_ks',
      changelogTable: { table: 'crash_log' },
    };
    const builder = new ItemBuilder();
    const batch1 = orderTransactions(builder, 2);
    const batch2 = orderTransactions(builder, 3, 100);

    const a = await openSink(url, { ...opts, chunk: { maxRows: 4 } });
    await feed(a.sink, batch1);
    await a.sink.commit();
    await feed(a.sink, batch2);
    expect(a.sink.pending.bufferedRows).toBe(0); // written into the open Postgres transaction
    await killBackend(db, a.applicationName);
    await expect(a.sink.commit()).rejects.toMatchObject({ retryable: true });
    await a.sink.close();

    expect((await rowsOf(db, 'crash_ks.orders')).map((r) => r.id)).toEqual(['1', '2']);
    const { rows: before } = await db.query('SELECT count(*)::int AS n FROM vstream_relay.crash_log');
    expect(before[0].n).toBe(8);

    // The new writer resumes from the checkpoint (position 2) and receives batch 2 again.
    const b = await openSink(url, opts);
    expect(b.checkpoint).toMatchObject({ batchSeq: 1, changelogSeq: 8 });
    expect(b.checkpoint.vgtid!.equals(vgtidAt(2))).toBe(true);
    await feed(b.sink, batch2);
    await b.sink.commit();
    await b.sink.close();
    expect((await rowsOf(db, 'crash_ks.orders')).map((r) => r.id)).toEqual(['1', '100', '101', '102', '2']);
    const { rows: log } = await db.query<{ seq: string; source_gtid: string }>(
      'SELECT seq, source_gtid FROM vstream_relay.crash_log ORDER BY seq',
    );
    expect(log.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(log.every((r) => r.source_gtid !== null)).toBe(true);
  });

  test('replaying the same batch twice leaves the same mirror state', async () => {
    const opts = { streamId: 'replay', targetSchema: 'replay_ks' };
    const builder = new ItemBuilder();
    const items = [
      ...orderTransactions(builder, 3),
      ...builder.transaction(schema, [update([2n, 'paid', 2], [20n, 'moved', 2]), del([3n, 'paid', 2])]),
    ];
    const first = await openSink(url, opts);
    await feed(first.sink, items);
    await first.sink.commit();
    await first.sink.close();
    const once = await rowsOf(db, 'replay_ks.orders');
    expect(once.map((r) => r.id)).toEqual(['1', '20']);

    const second = await openSink(url, opts);
    await feed(second.sink, items);
    await second.sink.commit();
    await second.sink.close();
    expect(await rowsOf(db, 'replay_ks.orders')).toEqual(once);
  });

  test('copy-phase rows are upserts, so re-sent copy rows are harmless', async () => {
    const { sink } = await openSink(url, { streamId: 'copy', targetSchema: 'copy_ks' });
    const builder = new ItemBuilder();
    const copy = (rows: [bigint, string][]) =>
      builder.transaction(
        schema,
        rows.map(([id, s]) => insert([id, s, 0])),
        { copy: true, timestamp: 0, withSchema: true },
      );
    await feed(
      sink,
      copy([
        [1n, 'a'],
        [2n, 'b'],
      ]),
    );
    await feed(
      sink,
      copy([
        [2n, 'b2'],
        [3n, 'c'],
      ]),
    );
    await sink.write({ kind: 'copyCompleted', keyspace: null, shard: null });
    const result = await sink.commit();
    expect(result).toMatchObject({ copyCompleted: true, lastCommitTs: null });
    await sink.close();
    expect((await rowsOf(db, 'copy_ks.orders')).map((r) => r.status)).toEqual(['a', 'b2', 'c']);
    expect((await readCheckpoint(db, 'vstream_relay', 'copy'))!.copyCompletedAt).toBeInstanceOf(Date);
  });

  test('rollback() abandons the open batch and returns the committed checkpoint', async () => {
    const { sink } = await openSink(url, { streamId: 'rollback', targetSchema: 'rollback_ks' });
    const builder = new ItemBuilder();
    await feed(sink, orderTransactions(builder, 1));
    await sink.commit();
    await feed(sink, orderTransactions(builder, 1, 50));
    const checkpoint = await sink.rollback();
    expect(checkpoint.batchSeq).toBe(1);
    expect(sink.hasUncommitted()).toBe(false);
    expect((await rowsOf(db, 'rollback_ks.orders')).map((r) => r.id)).toEqual(['1']);
    await sink.close();
  });
});

test('two workers starting at once migrate the control schema safely', async () => {
  const fresh = await createTestDatabase('sinkmigrate');
  const opened = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      PostgresSink.open({
        streamId: `s${i}`,
        controlSchema: 'ctl',
        mode: 'both',
        connection: { connectionString: fresh },
      }),
    ),
  );
  await Promise.all(opened.map((o) => o.sink.close()));
  const check = await connect(fresh);
  const { rows } = await check.query('SELECT version FROM ctl.schema_migrations ORDER BY version');
  expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
  await check.end();
});
