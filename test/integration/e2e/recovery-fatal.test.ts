// Failures that retrying cannot fix: vtgate refuses the credentials, or can no longer serve the stored position
// (its binlogs were purged). The stream must not retry forever nor fail away: the workflow pauses with lastError
// saying what to do, stays open, and the checkpoint in Postgres is untouched — so fixing the cause and resuming
// continues exactly where the stream stood.
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StreamConfigInput } from '../../../src/config/stream-config.js';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import {
  pauseUpdate,
  resnapshotUpdate,
  resumeUpdate,
  statusQuery,
  stopSignal,
  type StreamStatus,
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
import {
  CustomerWorkload,
  expectExactlyOnce,
  liveChangelogCount,
  readCheckpoint,
  sleep,
  type StoredCheckpoint,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const SEED = Number(process.env.E2E_SEED ?? 5150);
const USER = 'relay';
const PASSWORD = 's3cret-pw';

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = uniqueName('e2e-fatal');
const envNames: string[] = [];

beforeAll(async () => {
  temporal = await connectTemporal();
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await temporal?.close();
  for (const name of envNames) Reflect.deleteProperty(process.env, name);
});

async function startVtgate(auth?: { username: string; password: string }): Promise<TestVtgate> {
  return startTestVtgate({
    keyspaces: [
      { name: 'commerce', shards: ['-80', '80-'], tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }] },
    ],
    heartbeatUnitMs: 200,
    auth,
  });
}

type StreamHandle = WorkflowHandle<typeof vstreamToPostgres>;

async function startStream(config: StreamConfigInput): Promise<StreamHandle> {
  return temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${config.streamId}`,
    args: [{ config }],
  });
}

async function pausedByError(handle: StreamHandle, kind: string): Promise<StreamStatus> {
  const status = await waitUntil(
    `the stream to pause on a ${kind} error`,
    () => handle.query(statusQuery),
    (s) => s.state === 'paused' && s.lastError !== null,
  );
  expect(status.lastError).toMatchObject({ kind, retryable: false });
  expect(status.pausedReason).toBe(`error: ${status.lastError!.message}`);
  // Paused, not failed: the workflow is still open and can be resumed.
  expect((await handle.describe()).status.name).toBe('RUNNING');
  return status;
}

/** The committed position and counters, not the epoch (every run claims the stream with a new one). */
const position = (c: StoredCheckpoint | null) =>
  c && { batchSeq: c.batchSeq, vgtid: c.vgtid, changelogSeq: c.changelogSeq, txnSeq: c.txnSeq };

const copied = (sink: SinkDatabase, rows: number) =>
  waitUntil(
    'the copy phase',
    () => mirrorCustomers(sink.db),
    (r) => r.length === rows,
  );

const caughtUp = (sink: SinkDatabase, vtgate: TestVtgate) =>
  waitUntil(
    'the mirror to catch up',
    () => mirrorCustomers(sink.db),
    (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
  );

describe('fatal stream errors', () => {
  test('wrong or missing vtgate credentials pause the stream with kind auth; the checkpoint is untouched', async () => {
    const vtgate = await startVtgate({ username: USER, password: PASSWORD });
    const sinks: SinkDatabase[] = [];
    try {
      const sink = await createSinkDatabase();
      sinks.push(sink);
      const passwordEnv = uniqueName('VSR_E2E_VTGATE_PW').toUpperCase();
      envNames.push(passwordEnv);
      process.env[passwordEnv] = PASSWORD;
      for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
      const workload = new CustomerWorkload(vtgate, { seed: SEED, maxTransactions: 100 });

      // A stream with the right credentials copies and streams.
      const streamId = uniqueName('auth');
      const config = streamConfig(streamId, vtgate, sink);
      config.source.vtgate.auth = { username: USER, password: `env:${passwordEnv}` };
      const handle = await startStream(config);
      await copied(sink, 10);
      for (let i = 0; i < 10; i++) workload.step();
      await caughtUp(sink, vtgate);
      await waitUntil(
        'the changelog',
        () => liveChangelogCount(sink.db, streamId),
        (n) => n === workload.changes,
      );
      await handle.executeUpdate(pauseUpdate, { args: ['rotating the vtgate password'] });
      const atPause = await readCheckpoint(sink.db, streamId);
      const mirrorAtPause = await mirrorCustomers(sink.db);

      // The worker's secret now holds a wrong password: vtgate denies the call (PERMISSION_DENIED).
      process.env[passwordEnv] = 'not-the-password';
      for (let i = 0; i < 5; i++) workload.step();
      await handle.executeUpdate(resumeUpdate);
      const denied = await pausedByError(handle, 'auth');
      expect(denied.lastError!.message).toMatch(
        /denied access.*invalid credentials.*check the vtgate credentials/,
      );
      expect(denied.lastError!.message).not.toContain('not-the-password');
      await sleep(1_500);
      const afterDenied = await readCheckpoint(sink.db, streamId);
      expect(position(afterDenied)).toEqual(position(atPause));
      // One run claimed the stream and failed; no retries.
      expect(afterDenied!.epoch).toBe(atPause!.epoch + 1);
      expect(await mirrorCustomers(sink.db)).toEqual(mirrorAtPause);
      expect((await handle.query(statusQuery)).state).toBe('paused');

      // Fixed and resumed: the changes made meanwhile arrive, exactly once.
      process.env[passwordEnv] = PASSWORD;
      await handle.executeUpdate(resumeUpdate);
      for (let i = 0; i < 5; i++) workload.step();
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 10 });
      await waitUntil(
        'the error to clear',
        () => handle.query(statusQuery),
        (s) => s.state === 'running' && s.lastError === null,
      );

      // A stream configured without credentials: UNAUTHENTICATED, paused before it ever committed.
      const bare = await createSinkDatabase();
      sinks.push(bare);
      const bareId = uniqueName('noauth');
      const bareHandle = await startStream(streamConfig(bareId, vtgate, bare));
      const unauthenticated = await pausedByError(bareHandle, 'auth');
      expect(unauthenticated.lastError!.message).toMatch(
        /unauthenticated.*username and password must be provided/,
      );
      expect(unauthenticated.batchSeq).toBe(0);
      const bareCheckpoint = await readCheckpoint(bare.db, bareId);
      expect(position(bareCheckpoint)).toEqual({ batchSeq: 0, vgtid: null, changelogSeq: 0, txnSeq: 0 });
      expect(bareCheckpoint!.epoch).toBe(1);
      expect(await mirrorCustomers(bare.db)).toEqual([]);

      for (const h of [handle, bareHandle]) {
        await h.signal(stopSignal);
        expect((await h.result()).state).toBe('stopped');
      }
      expect(position(await readCheckpoint(bare.db, bareId))).toEqual(position(bareCheckpoint));
    } finally {
      await vtgate.close();
      for (const sink of sinks) await sink.db.end();
    }
  });

  test('a stored position whose binlogs were purged pauses the stream; a resnapshot recovers it', async () => {
    const vtgate = await startVtgate();
    const sink = await createSinkDatabase();
    try {
      for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
      const workload = new CustomerWorkload(vtgate, { seed: SEED + 1, maxTransactions: 100 });
      const streamId = uniqueName('purged');
      const handle = await startStream(streamConfig(streamId, vtgate, sink));
      await copied(sink, 10);
      for (let i = 0; i < 10; i++) workload.step();
      await expectExactlyOnce(sink.db, streamId, vtgate, workload, { copyRows: 10 });

      const paused = await handle.executeUpdate(pauseUpdate, { args: ['maintenance'] });
      expect(paused.state).toBe('paused');
      const atPause = await readCheckpoint(sink.db, streamId);
      expect(paused.batchSeq).toBe(atPause!.batchSeq);
      const mirrorAtPause = await mirrorCustomers(sink.db);
      const changelogAtPause = await liveChangelogCount(sink.db, streamId);

      // While the stream is paused the source moves on (both shards) and purges every binlog it holds.
      vtgate.insert(
        'customer',
        Array.from({ length: 8 }, (_, i) => ({ id: 1_000 + i, email: `late${i}@example.com` })),
      );
      vtgate.purgeBinlogs();
      await handle.executeUpdate(resumeUpdate);
      const purged = await pausedByError(handle, 'position');
      expect(purged.lastError!.message).toMatch(/cannot stream from the stored position/);
      expect(purged.lastError!.message).toMatch(/purged required binary logs/);
      expect(purged.lastError!.message).toContain('Recovering needs a fresh snapshot');
      expect(purged.vgtid).toEqual(atPause!.vgtid);

      await sleep(1_500);
      const afterPurge = await readCheckpoint(sink.db, streamId);
      expect(position(afterPurge)).toEqual(position(atPause));
      expect(afterPurge!.epoch).toBe(atPause!.epoch + 1);
      expect(await mirrorCustomers(sink.db)).toEqual(mirrorAtPause);
      expect(await liveChangelogCount(sink.db, streamId)).toBe(changelogAtPause);

      // Resuming without a fresh snapshot cannot help: it pauses again, the checkpoint still untouched.
      await handle.executeUpdate(resumeUpdate);
      await waitUntil(
        'a second attempt',
        async () => (await readCheckpoint(sink.db, streamId))!.epoch,
        (epoch) => epoch === atPause!.epoch + 2,
      );
      await pausedByError(handle, 'position');
      expect(position(await readCheckpoint(sink.db, streamId))).toEqual(position(atPause));

      // What the error says to do (`vstream-relay resume <id> --resnapshot` sends this update): the mirror is
      // emptied and copied again in full, including the rows whose changes were purged, and streaming goes on.
      vtgate.delete('customer', [{ id: 1 }, { id: 2 }]);
      const resnapshot = await handle.executeUpdate(resnapshotUpdate);
      expect(resnapshot.lastError).toBeNull();
      expect(resnapshot.snapshot?.resnapshotRequested).toBe(1);
      await caughtUp(sink, vtgate);
      vtgate.insert('customer', [{ id: 2_000, email: 'after-resnapshot@example.com' }]);
      await caughtUp(sink, vtgate);
      const after = await waitUntil(
        'the resnapshot to show in status',
        () => handle.query(statusQuery),
        (s) => s.snapshot?.generation === 1 && s.snapshot.resnapshotRequested === null && s.vgtid !== null,
      );
      expect(after.state).toBe('running');
      const stored = await readCheckpoint(sink.db, streamId);
      expect(stored!.batchSeq).toBeGreaterThan(atPause!.batchSeq);
      const history = await sink.db.query<{ action: string }>(
        `SELECT action FROM vstream_relay.ddl_history WHERE stream_id = $1 AND action = 'resnapshot'`,
        [streamId],
      );
      expect(history.rows).toHaveLength(1);

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      expect(final.vgtid).toEqual(stored!.vgtid);
    } finally {
      await vtgate.close();
      await sink.db.end();
    }
  });
});
