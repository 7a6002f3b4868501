// Deterministic reproductions of what the chaos test (test/chaos) found, kept as regression tests:
// 1. A copy resumed from a checkpoint taken between two tables of a shard skips the rest of that shard's copy.
//    Vitess's vstreamer ends each table's copy with a LASTPK "completed" event, which vtgate turns into a VGTID
//    with no table_p_ks for that shard; resuming from a gtid without table_p_ks makes vttablet stream from the
//    gtid and copy nothing. The sink committed that VGTID as its checkpoint, so a run that ended there (a crash,
//    a broken stream, a kill -9) never copied the shard's remaining tables. Fixed: the sink keeps each shard's
//    last table_p_ks in the positions it stores until that shard's COPY_COMPLETED (copy-progress-keeper.ts).
// 2. A column dropped and added again at the source comes back in the mirror with the values it had before the
//    drop: the mirror keeps a dropped column (a rolling DDL must not lose data), and re-adding it restores it
//    as it was, while the source's rows have NULL (or the new default) there.
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createSinkDatabase,
  createWorker,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { readCheckpoint, sleep } from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = uniqueName('e2e-chaos-found');

beforeAll(async () => {
  temporal = await connectTemporal();
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await temporal?.close();
});

const TABLES = ['a_first', 'b_second'].map((name) => ({
  name,
  columns: ['id bigint primary key', 'v varchar(32) not null', 'c varchar(32) null'],
}));

async function count(sink: SinkDatabase, table: string): Promise<number> {
  const exists = await sink.db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `commerce.${table}`,
  ]);
  if (exists.rows[0]!.t === null) return 0;
  const { rows } = await sink.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM commerce.${table}`);
  return rows[0]!.n;
}

async function startStream(vtgate: TestVtgate, sink: SinkDatabase) {
  const streamId = uniqueName('found');
  const handle = await temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config: streamConfig(streamId, vtgate, sink) }],
  });
  return { streamId, handle };
}

describe('found by the chaos test', () => {
  test('a copy interrupted between two tables of a shard still copies every table', async () => {
    let hold = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = new Set<string>();
    const vtgate = await startTestVtgate({
      keyspaces: [{ name: 'commerce', shards: ['-80', '80-'], tables: TABLES }],
      heartbeatUnitMs: 200,
      hooks: {
        // The first run stops before the second table's first batch, on every shard: the shard has sent the
        // end of its first table (a VGTID without table_p_ks) and the sink commits it.
        beforeCopyBatch: async (info) => {
          if (info.table === 'b_second' && hold) {
            held.add(info.shard);
            await gate;
          }
        },
      },
    });
    const sink = await createSinkDatabase();
    try {
      for (const table of ['a_first', 'b_second']) {
        vtgate.insert(
          table,
          Array.from({ length: 40 }, (_, i) => ({ id: i + 1, v: `${table}-${i + 1}`, c: 'x' })),
        );
      }
      const { streamId, handle } = await startStream(vtgate, sink);
      const between = await waitUntil(
        'a checkpoint between the two tables of a shard',
        async () => ({
          checkpoint: await readCheckpoint(sink.db, streamId).catch(() => null),
          copied: await count(sink, 'a_first'),
        }),
        (v) => held.size > 0 && v.copied === 40 && v.checkpoint !== null,
      ).then((v) => v.checkpoint);
      // The stored position still lists copy progress for every shard (vtgate's own VGTID there has none).
      const shards = (between!.vgtid as { shard_gtids: { gtid: string; table_p_ks?: unknown[] }[] })
        .shard_gtids;
      expect(shards.every((s) => (s.table_p_ks?.length ?? 0) > 0)).toBe(true);
      expect(await count(sink, 'a_first')).toBe(40);
      expect(await count(sink, 'b_second')).toBe(0);

      // The run ends there (here: vtgate breaks the stream; a kill -9 of the worker does the same).
      hold = false;
      expect(vtgate.faults.failStreams()).toBe(1);
      release();
      await waitUntil(
        'a new run',
        async () => (await readCheckpoint(sink.db, streamId))!.epoch,
        (epoch) => epoch > between!.epoch,
      );
      // Every row of both tables arrives: the resumed run copies the second table (and the first again).
      await waitUntil(
        'the second table copied',
        () => count(sink, 'b_second'),
        (n) => n === 40,
        20_000,
      ).catch(() => undefined);
      expect({ a_first: await count(sink, 'a_first'), b_second: await count(sink, 'b_second') }).toEqual({
        a_first: 40,
        b_second: 40,
      });
      await handle.signal(stopSignal);
      await handle.result();
    } finally {
      release();
      await vtgate.close();
      await sink.db.end();
    }
  });

  test('a column dropped and added again holds NULL for the existing rows, as at the source', async () => {
    const vtgate = await startTestVtgate({
      keyspaces: [{ name: 'commerce', shards: ['-80', '80-'], tables: [TABLES[0]!] }],
      heartbeatUnitMs: 200,
    });
    const sink = await createSinkDatabase();
    try {
      vtgate.insert(
        'a_first',
        Array.from({ length: 6 }, (_, i) => ({ id: i + 1, v: `v${i + 1}`, c: `before-drop-${i + 1}` })),
      );
      const { handle } = await startStream(vtgate, sink);
      await waitUntil(
        'the copy',
        () => count(sink, 'a_first'),
        (n) => n === 6,
      );
      vtgate.ddl({ op: 'dropColumn', table: 'a_first', column: 'c' });
      vtgate.update('a_first', { id: 1 }, { v: 'updated while dropped' });
      vtgate.ddl({ op: 'addColumn', table: 'a_first', column: 'c varchar(32) null' });
      vtgate.insert('a_first', [{ id: 7, v: 'v7', c: 'after-re-add' }]);
      await waitUntil(
        'the insert after the re-add',
        () => count(sink, 'a_first'),
        (n) => n === 7,
      );
      await sleep(500);
      const source = vtgate.rows('a_first').map((r) => ({ id: String(r.id), v: r.v, c: r.c }));
      const { rows: mirror } = await sink.db.query(
        'SELECT id::text AS id, v, c FROM commerce.a_first ORDER BY id',
      );
      expect(source.map((r) => r.c)).toEqual([null, null, null, null, null, null, 'after-re-add']);
      expect(mirror).toEqual(source);
      await handle.signal(stopSignal);
      await handle.result();
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});
