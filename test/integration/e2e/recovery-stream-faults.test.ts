// Recovery: vtgate breaks the VStream call in the ways a real one does — UNAVAILABLE and INTERNAL errors
// mid-stream, a clean end of stream, calls rejected while no tablet is healthy, a stall, and breaks inside a
// source transaction that spans several responses. The stream reconnects by itself from the committed
// checkpoint each time and ends with the mirror equal to the source and every change in the changelog once.
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { VEventType, VtrpcCode } from '../../../src/vstream/constants.js';
import { stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  CUSTOMER_COLUMNS,
  connectTemporal,
  createSinkDatabase,
  createWorker,
  mirrorCustomers,
  sourceCustomers,
  startSourceVtgate,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import {
  CustomerWorkload,
  expectExactlyOnce,
  observeStatus,
  readCheckpoint,
  sleep,
  waitForNewRun,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const SEED = Number(process.env.E2E_SEED ?? 4242);

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = uniqueName('e2e-faults');

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

/** Starts a stream of `vtgate` into `sink` and waits for the copy of `copyRows` rows. */
async function startStream(vtgate: TestVtgate, sink: SinkDatabase, copyRows: number) {
  const streamId = uniqueName('faults');
  const handle = await temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config: streamConfig(streamId, vtgate, sink) }],
  });
  await waitUntil(
    'the copy phase',
    () => mirrorCustomers(sink.db),
    (rows) => rows.length === copyRows,
  );
  return { streamId, handle };
}

describe('VStream failures', () => {
  test('errors, clean ends, rejected calls and a stall under load: recovers by itself, exactly once', async () => {
    const vtgate = await startSourceVtgate();
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 20; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const workload = new CustomerWorkload(vtgate, { seed: SEED, maxTransactions: 2_000 });
    try {
      const { streamId, handle } = await startStream(vtgate, sink, 20);
      const observer = observeStatus(handle);
      const checkpoint = async () => (await readCheckpoint(sink.db, streamId))!;
      workload.start();
      let before = await waitUntil('first batches', checkpoint, (c) => c.batchSeq >= 3);

      // 1. UNAVAILABLE after some events (a tablet went away).
      vtgate.faults.breakStream({ afterEvents: 25 });
      before = await waitForNewRun(sink.db, streamId, before, 'recovery from UNAVAILABLE after 25 events');

      // 2. INTERNAL after a few responses (vtgate reports many transient tablet failures this way).
      vtgate.faults.breakStream({
        afterResponses: 4,
        code: VtrpcCode.INTERNAL,
        message: 'target: commerce.-80.primary: vttablet: rpc error: code = Internal desc = stream error',
      });
      before = await waitForNewRun(sink.db, streamId, before, 'recovery from INTERNAL after 4 responses');

      // 3. and 4. The open stream fails right now, with UNAVAILABLE, then with an INTERNAL transport error.
      // A new run claims the sink before it opens its VStream call: act once the call is open.
      await waitUntil(
        'the new run to open its stream',
        async () => vtgate.activeStreams,
        (n) => n === 1,
      );
      expect(vtgate.faults.failStreams()).toBe(1);
      before = await waitForNewRun(sink.db, streamId, before, 'recovery from failStreams(UNAVAILABLE)');
      await waitUntil(
        'the new run to open its stream',
        async () => vtgate.activeStreams,
        (n) => n === 1,
      );
      expect(
        vtgate.faults.failStreams(VtrpcCode.INTERNAL, 'vttablet: transport is closing: server EOF'),
      ).toBe(1);
      before = await waitForNewRun(sink.db, streamId, before, 'recovery from failStreams(INTERNAL)');

      // 5. A clean end of the call (status OK): the workflow starts the next run at once.
      vtgate.faults.breakStream({ afterEvents: 10, action: 'end' });
      before = await waitForNewRun(sink.db, streamId, before, 'a new run after a clean end of stream');
      await waitUntil(
        'the new run to open its stream',
        async () => vtgate.activeStreams,
        (n) => n === 1,
      );
      expect(vtgate.faults.endStreams()).toBe(1);
      before = await waitForNewRun(sink.db, streamId, before, 'a new run after endStreams()');

      // 6. The stream breaks and the next three calls are refused (no healthy tablet): three failed runs with
      //    back-off, then a good one.
      vtgate.faults.rejectCalls(3);
      await waitUntil(
        'the new run to open its stream',
        async () => vtgate.activeStreams,
        (n) => n === 1,
      );
      expect(vtgate.faults.failStreams()).toBe(1);
      before = await waitForNewRun(sink.db, streamId, before, 'recovery after 3 rejected calls', { runs: 4 });

      // 7. A stall longer than the idle-reconnect limit: vtgate heartbeats keep the call alive, no new run.
      const stalledAt = await checkpoint();
      vtgate.faults.stall(5_000);
      await sleep(5_500);
      await waitUntil('commits after the stall', checkpoint, (c) => c.batchSeq > stalledAt.batchSeq);
      expect((await checkpoint()).epoch).toBe(stalledAt.epoch);

      await workload.stop();
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 20 });
      await observer.stop();
      console.log(
        `[recovery-stream-faults] ${workload.transactions} transactions, ${workload.changes} changes, ` +
          `${before.epoch} runs; states seen: ${[...observer.states].join(', ')}; errors seen: ` +
          observer.errors.map((e) => `${e.kind}: ${e.message}`).join(' | '),
      );
      // The operator could see why the stream was reconnecting.
      expect(observer.errors.length).toBeGreaterThan(0);
      expect(observer.errors.every((e) => e.kind === 'unavailable' && e.retryable)).toBe(true);
      expect(observer.states.has('paused')).toBe(false);

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      expect(final.batchSeq).toBe((await checkpoint()).batchSeq);
    } finally {
      await workload.stop().catch(() => undefined);
      await vtgate.close();
      await sink.db.end();
    }
  });

  test('a stream broken inside a source transaction replays the whole transaction once', async () => {
    // Small packets: a transaction of a few hundred long rows spans several responses per shard.
    const vtgate = await startTestVtgate({
      keyspaces: [
        {
          name: 'commerce',
          shards: ['-80', '80-'],
          tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }],
        },
      ],
      heartbeatUnitMs: 200,
      packetSize: 16_000,
    });
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 15; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const workload = new CustomerWorkload(vtgate, { seed: SEED + 1, maxTransactions: 100 });
    try {
      const { streamId, handle } = await startStream(vtgate, sink, 15);
      const checkpoint = async () => (await readCheckpoint(sink.db, streamId))!;
      const caughtUp = () =>
        waitUntil(
          'the mirror to catch up',
          () => mirrorCustomers(sink.db),
          (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
        );

      // The first response holding rows of the big transaction is the first of several for its shard (about
      // 35 kB of row values per shard, 16 kB packets): the client has BEGIN and rows, no COMMIT, when it breaks.
      const breaks: { label: string; spec: Parameters<TestVtgate['faults']['breakStream']>[0] }[] = [
        { label: 'UNAVAILABLE', spec: {} },
        { label: 'INTERNAL', spec: { code: VtrpcCode.INTERNAL, message: 'vttablet: server EOF' } },
        { label: 'clean end', spec: { action: 'end' } },
      ];
      for (const { label, spec } of breaks) {
        workload.step();
        await caughtUp();
        const before = await checkpoint();
        let brokeInside = false;
        vtgate.faults.breakStream({
          ...spec,
          when: (event) => {
            if (event.type !== VEventType.ROW) return false;
            brokeInside = true;
            return true;
          },
        });
        workload.bigTransaction(400);
        await waitForNewRun(
          sink.db,
          streamId,
          before,
          `recovery from a break (${label}) inside a transaction`,
        );
        expect(brokeInside).toBe(true);
        await caughtUp();
      }

      for (let i = 0; i < 10; i++) workload.step();
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 15 });
      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});
