// Operations (issue #7): resharding while streaming and while copying, a crash in the middle of the copy, a
// stored shard list that no longer fits, a vtgate gone silent, a source that only sends heartbeats, and copy
// reads from PRIMARY. Each case ends the way a user checks it: the mirror equals the source (the test vtgate's
// model), the changelog holds every change once, and the checkpoint names the shards the keyspace has now.
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StreamConfigInput } from '../../../src/config/stream-config.js';
import {
  startTestVtgate,
  type TestVtgate,
  type TestVtgateOptions,
} from '../../../src/devtools/vtgate/index.js';
import { TabletType, VEventType } from '../../../src/vstream/constants.js';
import { statusQuery, stopSignal, type StreamStatus } from '../../../src/workflows/definitions.js';
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
import {
  CustomerWorkload,
  expectExactlyOnce,
  observeStatus,
  readCheckpoint,
  sleep,
  startWorkerProcess,
  tempLogDir,
  type Queryable,
  type WorkerProcess,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const SEED = Number(process.env.E2E_SEED ?? 9107);

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = uniqueName('e2e-ops');

beforeAll(async () => {
  temporal = await connectTemporal();
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

/** Workflows started here; any still running when the file ends (a failed test) is terminated. */
const started: { terminate(reason?: string): Promise<unknown> }[] = [];

afterAll(async () => {
  await Promise.all(started.map((h) => h.terminate('test file finished').catch(() => undefined)));
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await temporal?.close();
});

function vtgateWith(shards: string[], options: Partial<TestVtgateOptions> = {}): Promise<TestVtgate> {
  return startTestVtgate({
    keyspaces: [{ name: 'commerce', shards, tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }] }],
    heartbeatUnitMs: 200,
    stopOnReshardDelayMs: 100,
    ...options,
  });
}

type ConfigChange = (config: StreamConfigInput) => void;

function configFor(streamId: string, vtgate: TestVtgate, sink: SinkDatabase, change?: ConfigChange) {
  const config = streamConfig(streamId, vtgate, sink);
  change?.(config);
  return config;
}

async function startStream(
  vtgate: TestVtgate,
  sink: SinkDatabase,
  change?: ConfigChange,
  streamId = uniqueName('ops'),
) {
  const handle = await temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config: configFor(streamId, vtgate, sink, change) }],
  });
  started.push(handle);
  return { streamId, handle };
}

const source =
  (change: Record<string, unknown>): ConfigChange =>
  (config) => {
    config.source = { ...config.source, ...change } as StreamConfigInput['source'];
  };

/** The shards the stored checkpoint names, sorted. */
async function checkpointShards(db: Queryable, streamId: string): Promise<string[]> {
  const checkpoint = await readCheckpoint(db, streamId);
  const vgtid = checkpoint?.vgtid as { shard_gtids: { shard: string }[] } | undefined;
  return (vgtid?.shard_gtids ?? []).map((s) => s.shard).sort();
}

async function stopStream(handle: {
  signal(s: typeof stopSignal): Promise<void>;
  result(): Promise<StreamStatus>;
}) {
  await handle.signal(stopSignal);
  const final = await handle.result();
  expect(final.state).toBe('stopped');
  return final;
}

const sameRows = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe('resharding', () => {
  // With journal events, the call is also ended right after the journal (as a vtgate restart could): the position
  // committed then must already name the new shards, or the resumed stream would follow the retired shard forever.
  const modes = [
    { name: 'default mode (vtgate swaps the shards silently)', seed: 1, flags: {} },
    {
      name: 'includeReshardJournalEvents, the call ending right after the journal',
      seed: 2,
      flags: { includeReshardJournalEvents: true },
    },
    {
      name: 'stopOnReshard (the stream ends and reopens on the new shards)',
      seed: 3,
      flags: { stopOnReshard: true },
    },
  ];

  test.each(modes)(
    'a split while streaming, $name: exactly once, the checkpoint follows',
    async ({ flags, seed }) => {
      const vtgate = await vtgateWith(['-']);
      const sink = await createSinkDatabase();
      for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
      const workload = new CustomerWorkload(vtgate, {
        seed: SEED + 10 * seed,
        maxTransactions: 400,
        minDelayMs: 10,
        maxDelayMs: 30,
      });
      try {
        const { streamId, handle } = await startStream(vtgate, sink, source(flags));
        await waitUntil(
          'the copy',
          () => mirrorCustomers(sink.db),
          (rows) => rows.length === 10,
        );
        workload.start();
        await waitUntil(
          'batches before the split',
          () => readCheckpoint(sink.db, streamId),
          (c) => c!.batchSeq >= 3,
        );
        if (flags.includeReshardJournalEvents) {
          vtgate.faults.breakStream({ when: (e) => e.type === VEventType.JOURNAL, action: 'end' });
        }
        const { newShards } = vtgate.reshard({ keyspace: 'commerce', to: ['-80', '80-'] });
        expect(newShards.map((s) => s.shard)).toEqual(['-80', '80-']);
        await waitUntil(
          'the checkpoint on the new shards',
          () => checkpointShards(sink.db, streamId),
          (shards) => sameRows(shards, ['-80', '80-']),
        );
        // Writes after the split land on the new shards; they must arrive too.
        const at = workload.transactions;
        await waitUntil(
          'writes after the split',
          async () => workload.transactions,
          (n) => n >= at + 15,
        );
        await workload.stop();
        await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 10 });
        expect(await checkpointShards(sink.db, streamId)).toEqual(['-80', '80-']);
        const status = await handle.query(statusQuery);
        expect(status.state).not.toBe('paused');
        expect(status.lastError).toBeNull();
        await stopStream(handle);
      } finally {
        await workload.stop().catch(() => undefined);
        await vtgate.close();
        await sink.db.end();
      }
    },
  );

  test('a merge with stopOnReshard (a journal with two participants): exactly once, one shard after', async () => {
    const vtgate = await vtgateWith(['-80', '80-']);
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const workload = new CustomerWorkload(vtgate, {
      seed: SEED + 1,
      maxTransactions: 400,
      minDelayMs: 10,
      maxDelayMs: 30,
    });
    try {
      const { streamId, handle } = await startStream(vtgate, sink, source({ stopOnReshard: true }));
      await waitUntil(
        'the copy',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 10,
      );
      workload.start();
      await waitUntil(
        'batches before the merge',
        () => readCheckpoint(sink.db, streamId),
        (c) => c!.batchSeq >= 3,
      );
      vtgate.reshard({ keyspace: 'commerce', to: ['-'] });
      await waitUntil(
        'the checkpoint on the merged shard',
        () => checkpointShards(sink.db, streamId),
        (shards) => sameRows(shards, ['-']),
      );
      const at = workload.transactions;
      await waitUntil(
        'writes after the merge',
        async () => workload.transactions,
        (n) => n >= at + 15,
      );
      await workload.stop();
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 10 });
      expect(await checkpointShards(sink.db, streamId)).toEqual(['-']);
      expect((await handle.query(statusQuery)).lastError).toBeNull();
      await stopStream(handle);
    } finally {
      await workload.stop().catch(() => undefined);
      await vtgate.close();
      await sink.db.end();
    }
  });

  // With stopOnReshard the call ends at the journal and the next one continues the copy on the new shards. (In the
  // default and include-journal modes vtgate moves the call to the new shards itself, without copy state, and the
  // rows not copied yet never arrive: the stream must ask for stop_on_reshard while it copies.)
  // Without stopOnReshard configured, the stream asks for it anyway while copying: vtgate's own switch to the new
  // shards would drop the copy's progress (and the rows not copied yet).
  test.each([
    { name: 'stopOnReshard', stopOnReshard: true },
    { name: 'default mode', stopOnReshard: false },
  ])(
    'a split during the copy phase ($name): the copy goes on on the new shards, nothing lost',
    async ({ stopOnReshard }) => {
      // Small packets and a catch-up every 2 batches: the old shard meets the journal in the middle of its copy.
      const vtgate = await vtgateWith(['-'], { packetSize: 1_500, copyCatchupEveryBatches: 2 });
      const sink = await createSinkDatabase();
      const ROWS = 300;
      for (let id = 1; id <= ROWS; id += 50) {
        vtgate.insert(
          'customer',
          Array.from({ length: 50 }, (_, i) => ({
            id: id + i,
            email: `copy-${id + i}@example.com`,
            balance: '1.00',
          })),
        );
      }
      let batches = 0;
      let resharded = false;
      vtgate.hooks.beforeCopyBatch = (info) => {
        batches++;
        if (info.shard === '-' && batches === 3 && !resharded) {
          // Changes to rows already copied and not yet copied, then the split, all in the middle of the copy.
          vtgate.update('customer', { id: 1 }, { email: 'changed-1@example.com' });
          vtgate.update('customer', { id: ROWS - 1 }, { email: `changed-${ROWS - 1}@example.com` });
          vtgate.delete('customer', { id: 2 });
          vtgate.reshard({ keyspace: 'commerce', to: ['-80', '80-'] });
          resharded = true;
        }
      };
      try {
        const { streamId, handle } = await startStream(vtgate, sink, source({ stopOnReshard }));
        await waitUntil('the split', async () => resharded, Boolean);
        vtgate.insert('customer', [{ id: ROWS + 1, email: 'after-split@example.com' }]);
        vtgate.update('customer', { id: 3 }, { tier: 'pro' });
        await waitUntil(
          'the mirror to equal the source',
          () => mirrorCustomers(sink.db),
          (rows) => sameRows(rows, sourceCustomers(vtgate)),
          60_000,
        );
        await waitUntil(
          'the copy to complete',
          () => handle.query(statusQuery),
          (s) => s.copy?.inProgress === false,
          60_000,
        );
        expect(await checkpointShards(sink.db, streamId)).toEqual(['-80', '80-']);
        const { rows } = await sink.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vstream_relay.checkpoints WHERE stream_id = $1 AND copy_completed_at IS NOT NULL`,
          [streamId],
        );
        expect(rows[0]!.n).toBe(1);
        expect(await mirrorCustomers(sink.db)).toEqual(sourceCustomers(vtgate));
        await stopStream(handle);
      } finally {
        await vtgate.close();
        await sink.db.end();
      }
    },
  );
});

describe('copy phase', () => {
  test('a worker killed mid-copy resumes from the checkpointed table_p_ks, not from zero', async () => {
    const ROWS = 1_200;
    const vtgate = await vtgateWith(['-'], { packetSize: 1_200 });
    const sink = await createSinkDatabase();
    for (let id = 1; id <= ROWS; id += 200) {
      vtgate.insert(
        'customer',
        Array.from({ length: 200 }, (_, i) => ({
          id: id + i,
          email: `row-${id + i}@example.com`,
          balance: `${i}.50`,
        })),
      );
    }
    // About 20 rows per batch, 60 batches: slow each one down so the kill lands in the middle.
    const served: { at: number; rows: number }[] = [];
    vtgate.hooks.beforeCopyBatch = async (info) => {
      served.push({ at: Date.now(), rows: info.rows });
      await sleep(60);
    };
    const logs = tempLogDir('vsr-ops-copy');
    const queue = uniqueName('e2e-ops-copy');
    const workers: WorkerProcess[] = [];
    const streamId = uniqueName('copykill');
    const config = configFor(streamId, vtgate, sink, (c) => {
      c.run = { ...c.run, heartbeatTimeoutSeconds: 6 };
      c.source = { ...c.source, tabletType: 'replica' };
    });
    try {
      workers.push(await startWorkerProcess({ taskQueue: queue, logDir: logs.dir, name: 'worker-0' }));
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue: queue,
        workflowId: `vstream-${streamId}`,
        args: [{ config }],
      });
      started.push(handle);
      const beforeKill = await waitUntil(
        'a checkpoint in the middle of the copy',
        // The control schema appears with the first run.
        () => readCheckpoint(sink.db, streamId).catch(() => null),
        (c) => {
          const shard = (c?.vgtid as { shard_gtids: { table_p_ks?: { lastpk?: unknown }[] }[] } | undefined)
            ?.shard_gtids[0];
          return c !== null && c.batchSeq >= 5 && shard?.table_p_ks?.[0]?.lastpk !== undefined;
        },
        60_000,
      );
      await workers[0]!.kill9();
      const atKill = (await readCheckpoint(sink.db, streamId))!;
      const mirroredAtKill = (await mirrorCustomers(sink.db)).length;
      const servedAtKill = served.reduce((n, b) => n + b.rows, 0);
      expect(beforeKill!.batchSeq).toBeGreaterThanOrEqual(5);
      expect(mirroredAtKill).toBeGreaterThan(0);
      expect(mirroredAtKill).toBeLessThan(ROWS);
      const killedAt = Date.now();

      workers.push(await startWorkerProcess({ taskQueue: queue, logDir: logs.dir, name: 'worker-1' }));
      await waitUntil(
        'the copy to finish after the restart',
        () => mirrorCustomers(sink.db),
        (rows) => sameRows(rows, sourceCustomers(vtgate)),
        90_000,
      );
      await waitUntil(
        'the copy to complete',
        () => handle.query(statusQuery),
        (s) => s.copy?.inProgress === false,
        60_000,
      );
      const servedAfter = served.filter((b) => b.at >= killedAt).reduce((n, b) => n + b.rows, 0);
      // Every row was committed exactly once as a copy row: the restarted run continued after the stored lastpk.
      const { rows } = await sink.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM vstream_relay.changelog WHERE stream_id = $1 AND is_copy`,
        [streamId],
      );
      console.log(
        `[operations] copy of ${ROWS} rows killed at batch ${atKill.batchSeq} with ${mirroredAtKill} rows mirrored ` +
          `(${servedAtKill} served); ${servedAfter} rows served after the restart; ${rows[0]!.n} copy rows in the changelog`,
      );
      expect(rows[0]!.n).toBe(ROWS);
      expect(servedAfter).toBeLessThanOrEqual(ROWS - mirroredAtKill + 40);
      // Copy reads come from PRIMARY even though the stream asks for replicas; later calls ask for REPLICA.
      const copyCalls = vtgate.requests.filter((r) =>
        r.vgtid?.shardGtids.some((s) => s.gtid === '' || s.tablePKs.length > 0),
      );
      expect(copyCalls.length).toBeGreaterThanOrEqual(2);
      expect(copyCalls.every((r) => r.tabletType === TabletType.PRIMARY)).toBe(true);

      vtgate.insert('customer', [{ id: ROWS + 1, email: 'after-copy@example.com' }]);
      await waitUntil(
        'the change after the copy',
        () => mirrorCustomers(sink.db),
        (r) => r.length === ROWS + 1,
      );
      expect(vtgate.faults.endStreams()).toBe(1);
      await waitUntil(
        'a new call',
        async () => vtgate.requests.at(-1)!,
        (r) => r.tabletType === TabletType.REPLICA,
      );
      await stopStream(handle);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      logs.remove();
      await vtgate.close();
      await sink.db.end();
    }
  });
});

describe('stored shard lists', () => {
  test('a checkpoint covering fewer shards than the stream now follows is refused with a clear error', async () => {
    const vtgate = await vtgateWith(['-80', '80-']);
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 20; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const onLeft = vtgate.rows('customer').length; // every row, both shards
    try {
      // First pinned to -80 only; then started again with the whole keyspace: the stored position knows nothing of
      // 80-, and resuming from it would silently skip every row there.
      const pinned = await startStream(
        vtgate,
        sink,
        source({ keyspaces: [{ name: 'commerce', shards: ['-80'] }] }),
      );
      await waitUntil(
        'the pinned copy',
        () => pinned.handle.query(statusQuery),
        (s) => s.copy?.inProgress === false,
      );
      const mirrored = (await mirrorCustomers(sink.db)).length;
      expect(mirrored).toBeGreaterThan(0);
      expect(mirrored).toBeLessThan(onLeft);
      await stopStream(pinned.handle);
      const stored = (await readCheckpoint(sink.db, pinned.streamId))!;
      expect(await checkpointShards(sink.db, pinned.streamId)).toEqual(['-80']);

      // Same stream id (same checkpoint), new workflow run without the pin:
      const { handle } = await startStream(vtgate, sink, undefined, pinned.streamId);
      const status = await waitUntil(
        'the stream to pause',
        () => handle.query(statusQuery),
        (s) => s.state === 'paused',
      );
      expect(status.lastError?.retryable).toBe(false);
      expect(status.lastError?.message).toMatch(/stored shards \[-80\] do not cover the whole keyspace/);
      const after = (await readCheckpoint(sink.db, pinned.streamId))!;
      expect(after.vgtid).toEqual(stored.vgtid);
      expect(after.batchSeq).toBe(stored.batchSeq);
      await stopStream(handle);
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});

describe('liveness', () => {
  test('a vtgate that sends nothing at all (not even heartbeats) is reconnected to, retryably', async () => {
    const vtgate = await vtgateWith(['-80', '80-']);
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    try {
      // heartbeatIntervalSeconds 1 × idleReconnectIntervals 2: a run reconnects after 2 s of total silence.
      const { streamId, handle } = await startStream(vtgate, sink, (c) => {
        c.run = { ...c.run, idleReconnectIntervals: 2 };
      });
      await waitUntil(
        'the copy',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 10,
      );
      const observer = observeStatus(handle);
      const before = (await readCheckpoint(sink.db, streamId))!;
      vtgate.faults.silence(7_000);
      vtgate.insert('customer', [{ id: 11, email: 'during-silence@example.com' }]);
      await waitUntil(
        'a reconnect after the silence',
        () => readCheckpoint(sink.db, streamId),
        (c) => c!.epoch > before.epoch && c!.batchSeq > before.batchSeq,
        40_000,
      );
      vtgate.insert('customer', [{ id: 12, email: 'after-silence@example.com' }]);
      await waitUntil(
        'the mirror to equal the source',
        () => mirrorCustomers(sink.db),
        (rows) => sameRows(rows, sourceCustomers(vtgate)),
      );
      await waitUntil(
        'running again',
        () => handle.query(statusQuery),
        (s) => s.state === 'running' && s.lastError === null,
      );
      await observer.stop();
      const silent = observer.errors.filter((e) =>
        /nothing, not even a heartbeat|no first event/.test(e.message),
      );
      expect(silent.length).toBeGreaterThan(0);
      expect(silent.every((e) => e.retryable && e.kind === 'unavailable')).toBe(true);
      expect(observer.states.has('paused')).toBe(false);
      await stopStream(handle);
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });

  test('only heartbeats for a long time shows a warning in status, cleared by the next change', async () => {
    const vtgate = await vtgateWith(['-']);
    const sink = await createSinkDatabase();
    vtgate.insert('customer', [{ id: 1, email: 'c1@example.com' }]);
    try {
      const { handle } = await startStream(vtgate, sink, (c) => {
        c.run = { ...c.run, heartbeatOnlyWarningSeconds: 10 };
      });
      await waitUntil(
        'the copy',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 1,
      );
      const warned = await waitUntil(
        'the heartbeats-only warning',
        () => handle.query(statusQuery),
        (s) => typeof s.warning === 'string' && s.warning.includes('only heartbeats'),
        40_000,
      );
      expect(warned.state).toBe('running');
      vtgate.insert('customer', [{ id: 2, email: 'c2@example.com' }]);
      await waitUntil(
        'the change',
        () => mirrorCustomers(sink.db),
        (rows) => rows.length === 2,
      );
      await waitUntil(
        'the warning to clear',
        () => handle.query(statusQuery),
        (s) => !s.warning,
        20_000,
      );
      await stopStream(handle);
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});

describe('tablet types', () => {
  test('a replica stream copies from PRIMARY and streams from REPLICA afterwards', async () => {
    const vtgate = await vtgateWith(['-80', '80-']);
    const sink = await createSinkDatabase();
    for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    try {
      const { handle } = await startStream(vtgate, sink, source({ tabletType: 'replica' }));
      await waitUntil(
        'the copy to complete',
        () => handle.query(statusQuery),
        (s) => s.copy?.inProgress === false,
      );
      expect(vtgate.requests).toHaveLength(1);
      expect(vtgate.requests[0]!.tabletType).toBe(TabletType.PRIMARY);
      expect(vtgate.faults.endStreams()).toBe(1);
      await waitUntil(
        'the next call',
        async () => vtgate.requests.length,
        (n) => n >= 2,
      );
      expect(vtgate.requests[1]!.tabletType).toBe(TabletType.REPLICA);
      vtgate.insert('customer', [{ id: 11, email: 'c11@example.com' }]);
      await waitUntil(
        'the mirror to equal the source',
        () => mirrorCustomers(sink.db),
        (rows) => sameRows(rows, sourceCustomers(vtgate)),
      );
      await stopStream(handle);
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});
