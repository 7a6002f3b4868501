// Conformance of the operations against a real Vitess: a per-table resync (a VGTID naming the table in
// table_p_ks with no last key, limited by tables_to_copy) re-copies just that table while the others stream, and a
// resnapshot copies everything again. Both rest on vttablet semantics the test vtgate only imitates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  resnapshotUpdate,
  resyncTableUpdate,
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

describe('operations on a real vtgate', () => {
  test('resyncTable re-copies one table while another streams; resnapshot copies both again', async () => {
    const items = uniqueTable('items');
    const notes = uniqueTable('notes');
    for (const table of [items, notes]) {
      await sql.query(
        `CREATE TABLE ${table} (id bigint NOT NULL PRIMARY KEY, body varchar(64) NOT NULL) ENGINE=InnoDB`,
      );
    }
    for (let id = 1; id <= 40; id++) {
      await sql.query(`INSERT INTO ${items} (id, body) VALUES (?, ?)`, [id, `item ${id}`]);
    }
    await sql.query(`INSERT INTO ${notes} (id, body) VALUES (1, 'first')`);
    const source = (table: string) => mysqlRows(sql, `SELECT id, body FROM ${table} ORDER BY id`);
    const mirror = (table: string) => pgRows(sink.db, 'commerce', table, 'id::text AS id, body', 't.id');
    const matches = async (table: string) => sameRows(await mirror(table), await source(table));

    const taskQueue = uniqueName('vitess-ops');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    await worker.runUntil(async () => {
      const streamId = uniqueName('ops');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config: vitessStreamConfig(streamId, sink, { tables: [items, notes] }) }],
      });
      await waitUntil(
        'the initial copy',
        () => handle.query(statusQuery),
        (s) => s.copy?.inProgress === false,
      );
      await waitUntil('the items mirror', () => matches(items), Boolean, 60_000);

      // The mirror drifts (a row lost, a row the source never had); the source changes meanwhile.
      await sink.db.query(`DELETE FROM commerce.${items} WHERE id = 7`);
      await sink.db.query(`INSERT INTO commerce.${items} (id, body) VALUES (9999, 'ghost')`);
      const copyRowsBefore = (await changelog(sink.db, streamId, notes)).filter((c) => c.is_copy).length;

      await handle.executeUpdate(resyncTableUpdate, { args: [items] });
      await sql.query(`UPDATE ${items} SET body = 'changed during resync' WHERE id = 3`);
      await sql.query(`INSERT INTO ${notes} (id, body) VALUES (2, 'during resync')`);
      await waitUntil(
        'the resync to complete',
        () => handle.query(statusQuery),
        (s) => s.snapshot?.resynced.some((r) => r.table === `commerce.${items}`) === true,
        120_000,
      );
      await sql.query(`INSERT INTO ${items} (id, body) VALUES (41, 'after resync')`);
      await waitUntil('the resynced items mirror', () => matches(items), Boolean, 60_000);
      await waitUntil('the notes mirror', () => matches(notes), Boolean, 60_000);
      // tables_to_copy kept the copy to the resynced table: the other table was not copied again.
      const copyRowsAfter = (await changelog(sink.db, streamId, notes)).filter((c) => c.is_copy).length;
      expect(copyRowsAfter).toBe(copyRowsBefore);

      // A resnapshot empties both mirrors and copies them again, then streams on.
      await sink.db.query(`INSERT INTO commerce.${notes} (id, body) VALUES (9999, 'ghost')`);
      await handle.executeUpdate(resnapshotUpdate);
      await waitUntil(
        'the resnapshot to complete',
        () => handle.query(statusQuery),
        (s) => s.snapshot?.generation === 1 && s.copy?.inProgress === false,
        120_000,
      );
      await sql.query(`INSERT INTO ${notes} (id, body) VALUES (3, 'after resnapshot')`);
      await waitUntil('the notes mirror after the resnapshot', () => matches(notes), Boolean, 60_000);
      expect(await matches(items)).toBe(true);

      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    });
  });
});
