// End to end across continue-as-new: a Temporal dev server of its own, configured to suggest continue-as-new
// after a few dozen history events, and a stream under a steady workload. Each continue-as-new cancels the
// stream activity (which commits and returns its position) and starts a fresh run with the carried status; the
// data must come through without a gap or a duplicate, and the counters must survive the runs.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTemporalDevServer, type TemporalDevServer } from '../../../src/devtools/temporal-server.js';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { statusQuery, stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  createSinkDatabase,
  mirrorCustomers,
  sourceCustomers,
  startSourceVtgate,
  streamConfig,
  waitUntil,
  type SinkDatabase,
} from '../../support/e2e.js';
import {
  ActivityTracker,
  changelogSummary,
  checkpointRow,
  createControlWorker,
  runInBackground,
  startWorkload,
  type CheckpointRow,
} from '../../support/e2e-control.js';
import { uniqueName } from '../../support/isolation.js';

/** Small enough that a stream reporting progress every second continues-as-new every few seconds. */
const SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS = 30;
const WORKLOAD_MS = 15_000;

let server: TemporalDevServer | undefined;
let nativeConnection: NativeConnection | undefined;
let connection: Connection | undefined;
let client: Client;
let vtgate: TestVtgate | undefined;
let sink: SinkDatabase | undefined;

beforeAll(async () => {
  [server, vtgate, sink] = await Promise.all([
    startTemporalDevServer({
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS },
    }),
    startSourceVtgate(),
    createSinkDatabase(),
  ]);
  nativeConnection = await NativeConnection.connect({ address: server.address });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
});

afterAll(async () => {
  await connection?.close();
  await nativeConnection?.close();
  await vtgate?.close();
  await sink?.db.end();
  await server?.stop();
});

describe('a stream across continue-as-new', () => {
  test('continues as new under load with no gap, no duplicate, and carried counters', async () => {
    const source = vtgate!;
    const db = sink!.db;
    const taskQueue = uniqueName('e2e-can');
    const tracker = new ActivityTracker();
    const worker = runInBackground(
      await createControlWorker({
        connection: nativeConnection!,
        namespace: server!.namespace,
        taskQueue,
        name: 'worker',
        tracker,
      }),
    );
    let workload: ReturnType<typeof startWorkload> | undefined;
    try {
      const streamId = uniqueName('can');
      const workflowId = `vstream-${streamId}`;
      // A few rows to copy first; the workload only touches rows of its own (ids from 1000), after the copy.
      for (let id = 1; id <= 5; id++) source.insert('customer', [{ id, email: `seed${id}@example.com` }]);
      const handle = await client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId,
        args: [{ config: streamConfig(streamId, source, sink!) }],
      });
      const firstRunId = handle.firstExecutionRunId;
      await waitUntil(
        'the copy phase',
        () => checkpointRow(db, streamId),
        (c) => c?.copyCompleted === true,
      );

      // A steady workload; meanwhile sample the committed position and the workflow's current run.
      workload = startWorkload(source, { firstId: 1000, durationMs: WORKLOAD_MS, intervalMs: 40 });
      const samples: CheckpointRow[] = [];
      const runIds = new Set<string>([firstRunId]);
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const row = await checkpointRow(db, streamId);
          if (row) samples.push(row);
          runIds.add((await handle.describe()).runId);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const totals = await workload.done;
      try {
        await waitUntil(
          'every change in the changelog',
          () => changelogSummary(db, streamId),
          (s) => s.live >= totals.total,
          20_000,
        );
      } finally {
        sampling = false;
        await sampler;
      }

      // It did continue as new, at least once, while the data flowed.
      const current = await handle.describe();
      expect(current.runId).not.toBe(firstRunId);
      expect(runIds.size).toBeGreaterThanOrEqual(2);
      const runs = await waitUntil(
        'the runs in visibility',
        async () => {
          const found = [];
          for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
            found.push({ runId: run.runId, status: run.status.name });
          }
          return found;
        },
        (found) => found.some((r) => r.status === 'CONTINUED_AS_NEW'),
      );
      expect(runs.filter((r) => r.status === 'RUNNING')).toHaveLength(1);

      // The committed position only moved forward, and kept moving across the runs.
      for (let i = 1; i < samples.length; i++) {
        expect(samples[i]!.batchSeq).toBeGreaterThanOrEqual(samples[i - 1]!.batchSeq);
        expect(samples[i]!.changelogSeq).toBeGreaterThanOrEqual(samples[i - 1]!.changelogSeq);
      }
      expect(new Set(samples.map((s) => s.batchSeq)).size).toBeGreaterThan(5);

      // No gap, no duplicate: every source change once, seq contiguous, the mirror equal to the source.
      const log = await changelogSummary(db, streamId);
      expect(log.rows - log.live).toBe(5);
      expect(log.live).toBe(totals.total);
      expect(log.ops).toEqual({ insert: totals.insert, update: totals.update, delete: totals.delete });
      expect(log.distinctLive).toBe(log.live);
      expect(log).toMatchObject({ minSeq: 1, maxSeq: log.rows });
      await waitUntil(
        'the mirror to equal the source',
        () => mirrorCustomers(db),
        (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(source)),
        10_000,
      );

      // The status the operator sees carries across runs: rows applied since the stream started, and runs.
      // (Compared after the stop, whose final report flushes every committed batch: while the source is quiet the
      // last throttled report may never be sent — see the `status catches up` test in control-cli.test.ts.)
      const status = await handle.query(statusQuery);
      expect(status.state).toBe('running');
      expect(status.activity.runs).toBeGreaterThanOrEqual(runIds.size);

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      expect(final.rowsApplied).toEqual({
        'commerce.customer': { insert: 5 + totals.insert, update: totals.update, delete: totals.delete },
      });
      const checkpoint = await checkpointRow(db, streamId);
      expect(final.vgtid).toEqual(checkpoint!.vgtid);
      expect(final.batchSeq).toBe(checkpoint!.batchSeq);
      // Each activity run claimed the sink once (a new fencing epoch), and never two ran at once.
      expect(checkpoint!.epoch).toBe(tracker.started);
      expect(tracker.maxRunning).toBe(1);
      expect(final.activity.runs).toBe(tracker.started);
    } finally {
      workload?.stop();
      await worker.stop();
    }
  });
});
