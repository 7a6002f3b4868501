// End to end: test vtgate → stream workflow + activity (real Temporal) → Postgres mirror and changelog.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import {
  currentVgtidQuery,
  pauseUpdate,
  resumeUpdate,
  statusQuery,
  stopSignal,
} from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  createWorker,
  mirrorCustomers,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
  closeStreamEnvironment,
  openStreamEnvironment,
} from '../../support/e2e.js';
import { uniqueName } from '../../support/isolation.js';

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
});

afterAll(async () => {
  await closeStreamEnvironment({ vtgate, sink, temporal });
});

async function changelogCount(): Promise<number> {
  const { rows } = await sink.db.query(
    `SELECT count(*)::int AS n FROM vstream_relay.changelog WHERE NOT is_copy`,
  );
  return rows[0].n;
}

describe('a stream from vtgate to Postgres', () => {
  test('copies existing rows, streams changes, pauses without writing, resumes without gaps, stops', async () => {
    // Rows that exist before the stream starts arrive through the copy phase.
    for (let id = 1; id <= 20; id++) {
      vtgate.insert('customer', [{ id, email: `c${id}@example.com`, balance: `${id}.50` }]);
    }
    const taskQueue = uniqueName('e2e');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    await worker.runUntil(async () => {
      const streamId = uniqueName('orders');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config: streamConfig(streamId, vtgate, sink) }],
      });
      await waitUntil(
        'the copy phase',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 20,
      );
      expect(await mirrorCustomers(sink.db)).toEqual(sourceCustomers(vtgate));

      // Live changes: inserts, updates (including the enum and decimal), deletes, a multi-row transaction.
      vtgate.update(
        'customer',
        { id: 3 },
        { tier: 'pro', balance: '99.99', updated_at: '2024-05-06 07:08:09.123456' },
      );
      vtgate.delete('customer', { id: 4 });
      vtgate.run([
        {
          op: 'insert',
          table: 'customer',
          rows: [
            { id: 21, email: 'new@example.com' },
            { id: 22, email: 'x@y.z' },
          ],
        },
        { op: 'update', table: 'customer', where: { id: 21 }, set: { tier: 'pro' } },
      ]);
      await waitUntil(
        'the live changes',
        () => mirrorCustomers(sink.db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
      );

      // The workflow's position matches what Postgres committed.
      const status = await waitUntil(
        'progress',
        () => handle.query(statusQuery),
        (s) => s.batchSeq > 0,
      );
      expect(status.state).toBe('running');

      // Pause: nothing is written while paused; the position is the committed checkpoint.
      const paused = await handle.executeUpdate(pauseUpdate, { args: ['test'] });
      expect(paused.state).toBe('paused');
      const checkpoint = await sink.db.query(
        `SELECT vgtid, batch_seq::int AS batch_seq FROM vstream_relay.checkpoints WHERE stream_id = $1`,
        [streamId],
      );
      expect(await handle.query(currentVgtidQuery)).toEqual(checkpoint.rows[0].vgtid);
      expect(paused.batchSeq).toBe(checkpoint.rows[0].batch_seq);
      const before = await mirrorCustomers(sink.db);
      vtgate.insert('customer', [{ id: 30, email: 'while-paused@example.com' }]);
      vtgate.update('customer', { id: 1 }, { email: 'changed-while-paused@example.com' });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await mirrorCustomers(sink.db)).toEqual(before);

      // Resume: the changes made while paused arrive, exactly once.
      const changesBefore = await changelogCount();
      await handle.executeUpdate(resumeUpdate);
      await waitUntil(
        'the changes made while paused',
        () => mirrorCustomers(sink.db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
      );
      await waitUntil('the changelog', changelogCount, (n) => n === changesBefore + 2);
      // Every live change is in the changelog once: 1 update, 1 delete, 2 inserts + 1 update, then 1 + 1.
      expect(await changelogCount()).toBe(7);
      const ops = await sink.db.query(
        `SELECT op, count(*)::int AS n FROM vstream_relay.changelog WHERE NOT is_copy GROUP BY op ORDER BY op`,
      );
      expect(ops.rows).toEqual([
        { op: 'delete', n: 1 },
        { op: 'insert', n: 3 },
        { op: 'update', n: 3 },
      ]);

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      const stored = await sink.db.query(`SELECT vgtid FROM vstream_relay.checkpoints WHERE stream_id = $1`, [
        streamId,
      ]);
      expect(final.vgtid).toEqual(stored.rows[0].vgtid);
    });
  });
});
