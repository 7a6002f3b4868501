// Per-table resync: an operator asks for one table to be copied again (its mirror drifted, or was damaged by
// hand) while the stream keeps applying every other table's changes. The copy goes into a staging table that
// also receives the table's later changes, and replaces the mirror in the batch that completes it — so readers
// never see a half-copied table, and the result equals the source.
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import {
  pauseSignal,
  resumeUpdate,
  resyncTableUpdate,
  statusQuery,
  stopSignal,
} from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  CUSTOMER_COLUMNS,
  connectTemporal,
  createSinkDatabase,
  createWorker,
  mirrorCustomers,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { uniqueName } from '../../support/isolation.js';

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = uniqueName('e2e-resync');

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

const NOTE_COLUMNS = ['id bigint not null primary key', 'body varchar(64) not null'];

async function mirrorNotes(sink: SinkDatabase): Promise<{ id: string; body: string }[]> {
  const { rows } = await sink.db.query<{ id: string; body: string }>(
    'SELECT n.id::text AS id, n.body FROM commerce.note n ORDER BY n.id',
  );
  return rows;
}

const sourceNotes = (vtgate: TestVtgate) =>
  vtgate.rows('note').map((r) => ({ id: String(r.id), body: String(r.body) }));

describe('resyncTable', () => {
  test('re-copies one drifted table into staging while the others stream, then swaps it in atomically', async () => {
    const vtgate = await startTestVtgate({
      keyspaces: [
        {
          name: 'commerce',
          shards: ['-80', '80-'],
          tables: [
            { name: 'customer', columns: CUSTOMER_COLUMNS },
            { name: 'note', columns: NOTE_COLUMNS },
          ],
        },
      ],
      heartbeatUnitMs: 200,
      packetSize: 2_000,
    });
    const sink = await createSinkDatabase();
    const streamId = uniqueName('resync');
    let writer: NodeJS.Timeout | undefined;
    try {
      for (let id = 1; id <= 600; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
      vtgate.insert('note', [{ id: 1, body: 'first' }]);
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [
          {
            config: {
              ...streamConfig(streamId, vtgate, sink),
              sink: { ...streamConfig(streamId, vtgate, sink).sink, mode: 'mirror' },
            },
          },
        ],
      });
      await waitUntil(
        'the initial copy',
        () => handle.query(statusQuery),
        (s) => s.copy?.inProgress === false && s.vgtid !== null,
      );
      await waitUntil(
        'the mirror to match',
        () => mirrorCustomers(sink.db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
      );

      // Someone damages the mirror by hand, and adds an index of their own that must survive the resync.
      await sink.db.query('DELETE FROM commerce.customer WHERE id % 7 = 0');
      await sink.db.query(`UPDATE commerce.customer SET email = 'tampered' WHERE id % 5 = 0`);
      // A row the source never had: only a rebuilt table (not upserts of the copied rows) gets rid of it.
      await sink.db.query(`INSERT INTO commerce.customer (id, email, tier) VALUES (999999, 'ghost', 'free')`);
      await sink.db.query('CREATE INDEX customer_email_idx ON commerce.customer (email)');
      expect(await mirrorCustomers(sink.db)).not.toEqual(sourceCustomers(vtgate));

      // Both tables keep changing during the resync (a bounded writer: 1 change of each kind per tick).
      let tick = 0;
      writer = setInterval(() => {
        tick++;
        if (tick > 60) return;
        vtgate.update('customer', { id: tick }, { tier: 'pro', balance: `${tick}.50` });
        vtgate.insert('customer', [{ id: 1_000 + tick, email: `new${tick}@example.com` }]);
        if (tick % 3 === 0) vtgate.delete('customer', { id: 100 + tick });
        vtgate.insert('note', [{ id: 1 + tick, body: `note ${tick}` }]);
      }, 50);

      // The stream is paused from inside the re-copy (its third batch), as an operator or a worker restart would.
      let copyBatches = 0;
      vtgate.hooks.beforeCopyBatch = async () => {
        copyBatches++;
        if (copyBatches !== 3) return;
        // Hold this shard's copy until the stream has stopped (cancellation reaches the activity with its next
        // heartbeat, which can take seconds).
        await handle.signal(pauseSignal, 'mid-resync');
        await waitUntil(
          'the pause',
          () => handle.query(statusQuery),
          (st) => st.state === 'paused',
        );
      };
      const requested = await handle.executeUpdate(resyncTableUpdate, { args: ['customer'] });
      expect(requested.snapshot?.resyncRequested).toEqual(['commerce.customer']);
      // A table the stream does not have is refused by the update itself, naming the keyspaces.
      const refused = await handle.executeUpdate(resyncTableUpdate, { args: ['other.customer'] }).then(
        () => null,
        (err: unknown) => err as { cause?: { message?: string } },
      );
      expect(refused?.cause?.message).toMatch(
        /keyspace\.table with one of this stream's keyspaces \(commerce\)/,
      );

      // A new activity run in the middle of the resync (as after a worker restart) carries on with it: the
      // staging table and the copy position are in the checkpoint.
      const paused = await waitUntil(
        'the stream to pause in the middle of the resync',
        () => handle.query(statusQuery),
        (st) => st.state === 'paused',
      );
      expect(paused.snapshot?.resyncing).toEqual(['commerce.customer']);
      const staging = await sink.db.query(`SELECT to_regclass('commerce.customer__vsr_resync') AS t`);
      expect(staging.rows[0].t).not.toBeNull();
      await handle.executeUpdate(resumeUpdate);

      const done = await waitUntil(
        'the resync to finish',
        () => handle.query(statusQuery),
        (s) => s.snapshot?.resynced.some((r) => r.table === 'commerce.customer') === true,
        120_000,
      );
      expect(done.snapshot?.resyncing).toEqual([]);
      await waitUntil(
        'the writer to finish',
        async () => tick,
        (t) => t > 60,
      );
      await waitUntil(
        'the resynced mirror to equal the source',
        () => mirrorCustomers(sink.db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
      );
      // The other table streamed on throughout, and is complete.
      await waitUntil(
        'the notes to catch up',
        () => mirrorNotes(sink),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceNotes(vtgate)),
      );

      // The staging table is gone, the user's index and the primary key are back under their own names.
      const tables = await sink.db.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'commerce' ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.name)).toEqual(['customer', 'note']);
      const indexes = await sink.db.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'commerce' AND tablename = 'customer' ORDER BY 1`,
      );
      expect(indexes.rows.map((r) => r.name)).toEqual(['customer_email_idx', 'customer_pkey']);
      const history = await sink.db.query<{ action: string }>(
        `SELECT action FROM vstream_relay.ddl_history WHERE stream_id = $1 AND action LIKE 'resync%' ORDER BY id`,
        [streamId],
      );
      expect(history.rows.map((r) => r.action)).toEqual(['resync_started', 'resync_completed']);
      const checkpoint = await sink.db.query<{ resyncs: unknown[] }>(
        'SELECT resyncs FROM vstream_relay.checkpoints WHERE stream_id = $1',
        [streamId],
      );
      expect(checkpoint.rows[0]!.resyncs).toEqual([]);

      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    } finally {
      clearInterval(writer);
      await vtgate.close();
      await sink.db.end();
    }
  });
});
