// Recovery: the worker process dies (kill -9) in the middle of a stream under load, several times, and a new
// worker process takes over. The sink's checkpoint commits with the data, so the new run resumes exactly where
// the last committed batch ended: the mirror equals the source and the changelog holds every change once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { statusQuery, stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  mirrorCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
  closeStreamEnvironment,
  openStreamEnvironment,
} from '../../support/e2e.js';
import {
  CustomerWorkload,
  expectExactlyOnce,
  readCheckpoint,
  seededRandom,
  sleep,
  startWorkerProcess,
  tempLogDir,
  type WorkerProcess,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const SEED = Number(process.env.E2E_SEED ?? 7321);
const KILLS = 3;

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
});

afterAll(async () => {
  await closeStreamEnvironment({ vtgate, sink, temporal });
});

describe('a worker process killed mid-stream', () => {
  test(`resumes from the committed checkpoint each time, exactly once (${KILLS} kills, seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    for (let id = 1; id <= 30; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const workload = new CustomerWorkload(vtgate, {
      seed: SEED,
      maxTransactions: 3_000,
      minDelayMs: 20,
      maxDelayMs: 60,
    });
    const taskQueue = uniqueName('e2e-kill');
    const logs = tempLogDir('vsr-kill');
    const workers: WorkerProcess[] = [];
    const streamId = uniqueName('kill');
    const config = streamConfig(streamId, vtgate, sink);
    // Temporal notices a dead worker by the missing heartbeats: keep that short (the schema's minimum is 5 s).
    config.run = { ...config.run, heartbeatTimeoutSeconds: 6 };
    try {
      workers.push(await startWorkerProcess({ taskQueue, logDir: logs.dir, name: 'worker-0' }));
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config }],
      });
      await waitUntil(
        'the copy phase',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 30,
      );
      workload.start();

      const timings: { killToClaimMs: number; killToCommitMs: number; workerStartMs: number }[] = [];
      let resumedAt = (await readCheckpoint(sink.db, streamId))!;
      for (let kill = 1; kill <= KILLS; kill++) {
        // Let the current worker commit a few batches of the workload, then kill it at a seeded moment.
        await waitUntil(
          `worker ${kill - 1} committing`,
          () => readCheckpoint(sink.db, streamId),
          (c) => c !== null && c.epoch >= resumedAt.epoch && c.batchSeq >= resumedAt.batchSeq + 3,
          60_000,
        );
        await sleep(300 + Math.floor(random() * 2_500));
        const killedAt = Date.now();
        await workers.at(-1)!.kill9();
        const atKill = (await readCheckpoint(sink.db, streamId))!;
        const changesAtKill = workload.changes;

        workers.push(await startWorkerProcess({ taskQueue, logDir: logs.dir, name: `worker-${kill}` }));
        const workerStartMs = Date.now() - killedAt;
        await waitUntil(
          'a new claim of the stream',
          () => readCheckpoint(sink.db, streamId),
          (c) => c!.epoch > atKill.epoch,
          60_000,
        );
        const killToClaimMs = Date.now() - killedAt;
        resumedAt = await waitUntil(
          'the first commit after the kill',
          () => readCheckpoint(sink.db, streamId).then((c) => c!),
          (c) => c.epoch > atKill.epoch && c.batchSeq > atKill.batchSeq,
          60_000,
        );
        const killToCommitMs = Date.now() - killedAt;
        timings.push({ killToClaimMs, killToCommitMs, workerStartMs });
        console.log(
          `[recovery-kill-worker] kill ${kill}: batch ${atKill.batchSeq} (epoch ${atKill.epoch}) at kill, ` +
            `${changesAtKill} source changes so far; new worker polling after ${workerStartMs} ms, stream ` +
            `claimed after ${killToClaimMs} ms, first commit (batch ${resumedAt.batchSeq}) ${killToCommitMs} ms ` +
            `after the kill`,
        );
      }

      // A little more load on the last worker, then let it drain.
      await waitUntil(
        'the last worker committing',
        () => readCheckpoint(sink.db, streamId),
        (c) => c!.batchSeq >= resumedAt.batchSeq + 3,
        60_000,
      );
      await workload.stop();
      expect(workload.transactions).toBeLessThan(3_000);
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 30 });
      console.log(
        `[recovery-kill-worker] ${workload.transactions} transactions, ${workload.changes} changes; ` +
          `kill → first commit: ${timings.map((t) => `${(t.killToCommitMs / 1000).toFixed(1)} s`).join(', ')}`,
      );

      const status = await handle.query(statusQuery);
      expect(['running', 'waiting-after-error']).toContain(status.state);
      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      const stored = await readCheckpoint(sink.db, streamId);
      expect(final.vgtid).toEqual(stored!.vgtid);
      expect(final.batchSeq).toBe(stored!.batchSeq);
    } finally {
      await workload.stop().catch(() => undefined);
      await Promise.all(workers.map((w) => w.stop()));
      logs.remove();
    }
  });
});
