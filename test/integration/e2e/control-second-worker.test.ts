// End to end with two workers on one task queue: a stream under a steady workload, and the worker running its
// activity shut down mid-stream. The other worker takes the stream over; at no moment do two stream
// activities run, and every source change lands in Postgres exactly once.
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  mirrorCustomers,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
  closeStreamEnvironment,
  openStreamEnvironment,
} from '../../support/e2e.js';
import {
  ActivityTracker,
  changelogSummary,
  checkpointRow,
  createControlWorker,
  runInBackground,
  startWorkload,
} from '../../support/e2e-control.js';
import { uniqueName } from '../../support/isolation.js';

/** The workload runs until this long after the handover (bounded by MAX_WORKLOAD_MS). */
const AFTER_HANDOVER_MS = 3_000;
const MAX_WORKLOAD_MS = 45_000;

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
});

afterAll(async () => {
  await closeStreamEnvironment({ vtgate, sink, temporal });
});

interface Sample {
  at: number;
  pendingActivities: number;
  /** Stream activities running in this process, over both workers. */
  running: number;
  epoch: number;
  batchSeq: number;
}

describe('two workers on one task queue', () => {
  test('one worker shuts down mid-stream: the other takes over, one activity at a time, exactly once', async () => {
    const taskQueue = uniqueName('e2e-2w');
    const tracker = new ActivityTracker();
    // Each worker on a connection of its own, as two worker processes would be (the SDK refuses two workers of
    // one task queue on one connection).
    const workers: Record<string, ReturnType<typeof runInBackground>> = {};
    const connections: NativeConnection[] = [];
    let workload: ReturnType<typeof startWorkload> | undefined;
    try {
      for (const name of ['A', 'B']) {
        const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
        connections.push(connection);
        workers[name] = runInBackground(await createControlWorker({ connection, taskQueue, name, tracker }));
      }
      for (let id = 1; id <= 5; id++) vtgate.insert('customer', [{ id, email: `seed${id}@example.com` }]);
      const streamId = uniqueName('two-workers');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config: streamConfig(streamId, vtgate, sink) }],
      });
      await waitUntil(
        'the copy phase',
        () => checkpointRow(sink.db, streamId),
        (c) => c?.copyCompleted === true,
      );

      // Steady changes; sample who runs the stream several times a second.
      workload = startWorkload(vtgate, { firstId: 1000, durationMs: MAX_WORKLOAD_MS, intervalMs: 40 });
      const samples: Sample[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const [description, checkpoint] = await Promise.all([
            handle.describe(),
            checkpointRow(sink.db, streamId),
          ]);
          samples.push({
            at: Date.now(),
            pendingActivities: description.raw.pendingActivities?.length ?? 0,
            running: tracker.running,
            epoch: checkpoint?.epoch ?? 0,
            batchSeq: checkpoint?.batchSeq ?? 0,
          });
          await new Promise((r) => setTimeout(r, 150));
        }
      })();

      // A few seconds in, shut down whichever worker runs the stream activity.
      await new Promise((r) => setTimeout(r, 3_000));
      const [holder] = await waitUntil(
        'the stream activity to run on a worker',
        async () => [...tracker.runningOn],
        (names) => names.length === 1,
      );
      const other = holder === 'A' ? 'B' : 'A';
      const epochBefore = (await checkpointRow(sink.db, streamId))!.epoch;
      const shutdownStarted = Date.now();
      await workers[holder!]!.stop();
      const handover = await waitUntil(
        'the other worker to take the stream over',
        async () => ({ runningOn: [...tracker.runningOn], started: tracker.startedBy[other] ?? 0 }),
        (s) => s.started > 0 && s.runningOn.includes(other),
        20_000,
      );
      expect(handover.runningOn).toEqual([other]);
      const handoverMs = Date.now() - shutdownStarted;

      // Changes keep coming for a while on the new worker, then stop.
      await new Promise((r) => setTimeout(r, AFTER_HANDOVER_MS));
      workload.stop();
      const totals = await workload.done;
      try {
        await waitUntil(
          'every change in the changelog',
          () => changelogSummary(sink.db, streamId),
          (s) => s.live >= totals.total,
          20_000,
        );
      } finally {
        sampling = false;
        await sampler;
      }

      // At every sampled moment at most one stream activity existed, and the fencing epoch only went up.
      expect(samples.length).toBeGreaterThan(20);
      expect(Math.max(...samples.map((s) => s.pendingActivities))).toBe(1);
      expect(Math.max(...samples.map((s) => s.running))).toBeLessThanOrEqual(1);
      expect(tracker.maxRunning).toBe(1);
      for (let i = 1; i < samples.length; i++) {
        expect(samples[i]!.epoch).toBeGreaterThanOrEqual(samples[i - 1]!.epoch);
        expect(samples[i]!.batchSeq).toBeGreaterThanOrEqual(samples[i - 1]!.batchSeq);
      }
      // The data kept flowing after the handover.
      const afterHandover = samples.filter((s) => s.at > shutdownStarted + handoverMs);
      expect(afterHandover.at(-1)!.batchSeq).toBeGreaterThan(afterHandover[0]!.batchSeq);

      // Exactly once: every source change once, seq contiguous, the mirror equal to the source.
      const log = await changelogSummary(sink.db, streamId);
      expect(log.rows - log.live).toBe(5);
      expect(log.live).toBe(totals.total);
      expect(log.ops).toEqual({ insert: totals.insert, update: totals.update, delete: totals.delete });
      expect(log.distinctLive).toBe(log.live);
      expect(log).toMatchObject({ minSeq: 1, maxSeq: log.rows });
      await waitUntil(
        'the mirror to equal the source',
        () => mirrorCustomers(sink.db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
        10_000,
      );

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      const checkpoint = await checkpointRow(sink.db, streamId);
      expect(final.vgtid).toEqual(checkpoint!.vgtid);
      expect(final.rowsApplied).toEqual({
        'commerce.customer': { insert: 5 + totals.insert, update: totals.update, delete: totals.delete },
      });
      // Each activity run claimed the sink once; the handover took a new epoch.
      expect(checkpoint!.epoch).toBe(tracker.started);
      expect(checkpoint!.epoch).toBeGreaterThan(epochBefore);
      expect(tracker.startedBy[holder!]).toBeGreaterThanOrEqual(1);
      expect(tracker.startedBy[other]).toBeGreaterThanOrEqual(1);
    } finally {
      workload?.stop();
      await Promise.all(Object.values(workers).map((w) => w.stop()));
      await Promise.all(connections.map((c) => c.close()));
    }
  });
});
