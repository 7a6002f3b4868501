// Conformance against a real Vitess: the product's stream (Temporal workflow + activity) from the real vtgate
// into Postgres. Copy phase of a table with rows, then live changes; the create / insert / alter / insert
// sequence; pause and resume. Source rows are read back through vtgate and compared with the mirror.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  currentVgtidQuery,
  pauseUpdate,
  resumeUpdate,
  statusQuery,
  stopSignal,
} from '../../src/workflows/definitions.js';
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
  uniqueTable,
  vitessStreamConfig,
  workflowTaskFailures,
  type Sql,
} from './support.js';

let sql: Sql;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  [sql, sink, temporal] = await Promise.all([connectVtgate(), createSinkDatabase(), connectTemporal()]);
});

afterAll(async () => {
  await sql?.end();
  await sink?.db.end();
  await temporal?.close();
});

describe('a stream from a real vtgate', () => {
  test('copies existing rows, streams inserts/updates/deletes, follows ALTER TABLE, pauses and resumes', async () => {
    const table = uniqueTable('orders');
    await sql.query(
      `CREATE TABLE ${table} (
         id bigint unsigned NOT NULL PRIMARY KEY,
         email varchar(255) NOT NULL,
         amount decimal(10,2) NULL
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    for (let id = 1; id <= 25; id++) {
      await sql.query(`INSERT INTO ${table} (id, email, amount) VALUES (?, ?, ?)`, [
        id,
        `c${id}@example.com`,
        `${id}.50`,
      ]);
    }
    const source = (columns = 'id, email, amount') =>
      mysqlRows(sql, `SELECT ${columns} FROM ${table} ORDER BY id`);
    const mirror = (columns = 'id::text AS id, email, amount::text AS amount') =>
      pgRows(sink.db, 'commerce', table, columns, 't.id');

    const taskQueue = uniqueName('vitess');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    await worker.runUntil(async () => {
      const streamId = uniqueName('real');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config: vitessStreamConfig(streamId, sink, { tables: [table] }) }],
      });

      // Copy phase: every existing row, flagged as copy in the changelog.
      await waitUntil(
        'the copy phase',
        () => mirror(),
        (rows) => rows.length === 25,
        60_000,
      );
      expect(await mirror()).toEqual(await source());
      const copied = await changelog(sink.db, streamId);
      expect(copied.filter((c) => c.is_copy)).toHaveLength(25);

      // Live changes, one transaction with several statements included.
      await sql.query(`UPDATE ${table} SET email = 'changed@example.com', amount = NULL WHERE id = 3`);
      await sql.query(`DELETE FROM ${table} WHERE id = 4`);
      await sql.beginTransaction();
      await sql.query(
        `INSERT INTO ${table} (id, email, amount) VALUES (26, 'new@example.com', 0.05), (27, 'x@y.z', 99999999.99)`,
      );
      await sql.query(`UPDATE ${table} SET amount = amount + 1 WHERE id = 26`);
      await sql.commit();
      await waitUntil(
        'the live changes',
        async () => sameRows(await mirror(), await source()),
        (same) => same,
        30_000,
      ).catch(async (err: unknown) => {
        expect(await mirror()).toEqual(await source());
        throw err;
      });

      // The create / insert / alter / insert sequence: the mirror gains the column, old rows keep NULL.
      await sql.query(`ALTER TABLE ${table} ADD COLUMN note varchar(64) NULL AFTER email`);
      await sql.query(
        `INSERT INTO ${table} (id, email, note, amount) VALUES (28, 'after-alter@example.com', 'ünïcödé 😀', 1.00)`,
      );
      const withNote = 'id::text AS id, email, note, amount::text AS amount';
      await waitUntil(
        'the new column in the mirror',
        async () =>
          (
            await sink.db.query(
              `SELECT 1 FROM information_schema.columns WHERE table_schema = 'commerce' AND table_name = $1 AND column_name = 'note'`,
              [table],
            )
          ).rowCount,
        (n) => n === 1,
        30_000,
      );
      await waitUntil(
        'the row after ALTER TABLE',
        () => mirror(withNote),
        (rows) => rows.some((r) => r.id === '28'),
        30_000,
      );
      expect(await mirror(withNote)).toEqual(await source('id, email, note, amount'));

      // Pause: nothing is written; the position is the committed checkpoint.
      const paused = await handle
        .executeUpdate(pauseUpdate, { args: ['conformance'] })
        .catch(async (err: unknown) => {
          throw new Error(
            `pause refused: ${String(err)}; workflow task failures: ${(await workflowTaskFailures(handle)).join('\n')}`,
          );
        });
      expect(paused.state).toBe('paused');
      const checkpoint = await sink.db.query(
        `SELECT vgtid FROM vstream_relay.checkpoints WHERE stream_id = $1`,
        [streamId],
      );
      expect(await handle.query(currentVgtidQuery)).toEqual(checkpoint.rows[0].vgtid);
      // The real VGTID: one shard of commerce, a MariaDB GTID position.
      const vgtid = checkpoint.rows[0].vgtid as {
        shard_gtids: { keyspace: string; shard: string; gtid: string }[];
      };
      expect(vgtid.shard_gtids.map((s) => `${s.keyspace}/${s.shard}`)).toEqual(['commerce/0']);
      expect(vgtid.shard_gtids[0]!.gtid).toMatch(/^(MariaDB\/\d+-\d+-\d+|MySQL56\/.+)$/);
      const before = await mirror(withNote);
      await sql.query(`INSERT INTO ${table} (id, email) VALUES (30, 'while-paused@example.com')`);
      await sql.query(`UPDATE ${table} SET note = 'changed while paused' WHERE id = 1`);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await mirror(withNote)).toEqual(before);

      // Resume: the changes made while paused arrive, exactly once.
      await handle.executeUpdate(resumeUpdate);
      await waitUntil(
        'the changes made while paused',
        async () => sameRows(await mirror(withNote), await source('id, email, note, amount')),
        (same) => same,
        30_000,
      );
      const live = (await changelog(sink.db, streamId)).filter((c) => !c.is_copy);
      expect(live.map((c) => `${c.op} ${String(((c.after ?? c.before) as { id: unknown }).id)}`)).toEqual([
        'update 3',
        'delete 4',
        'insert 26',
        'insert 27',
        'update 26',
        'insert 28',
        'insert 30',
        'update 1',
      ]);
      const ddl = await sink.db.query(
        `SELECT action, statement FROM vstream_relay.ddl_history WHERE stream_id = $1 AND source_table = $2 ORDER BY id`,
        [streamId, table],
      );
      expect(ddl.rows.map((r) => r.action)).toEqual(['create_table', 'add_column']);
      expect(ddl.rows[1].statement).toMatch(/ADD COLUMN "note" text/);

      const status = await handle.query(statusQuery);
      expect(status.state).toBe('running');
      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
    });
  });
});
