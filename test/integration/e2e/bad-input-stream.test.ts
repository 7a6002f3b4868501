// Bad input reaching a running stream: what a broken or foreign source sends (a ROW whose FIELD never came, a row
// with a cell missing, a value that does not decode — injected by a proxy in front of the test vtgate), positions
// that are malformed or belong to another cluster, unknown keyspaces and tables, unreadable TLS files. Each one
// must end in a clear lastError in the workflow's status with the checkpoint where it was (paused, not retried
// forever), or — for undecodable values under `policies.badRows: quarantine` — in the quarantine table while the
// stream goes on. Wrong vtgate credentials: recovery-fatal.test.ts.
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { StreamConfigInput } from '../../../src/config/stream-config.js';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { VEventType } from '../../../src/vstream/constants.js';
import type { VEvent } from '../../../src/vstream/proto.js';
import {
  resumeUpdate,
  statusQuery,
  stopSignal,
  type StreamStatus,
} from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
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
  readCheckpoint,
  sleep,
  type StoredCheckpoint,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';
import { startVStreamProxy, type VStreamProxy } from '../../support/vstream-proxy.js';

const SEED = Number(process.env.E2E_SEED ?? 8080);

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
let vtgate: TestVtgate;
let proxy: VStreamProxy;
const sinks: SinkDatabase[] = [];
const taskQueue = uniqueName('e2e-badinput');

beforeAll(async () => {
  [temporal, vtgate] = await Promise.all([connectTemporal(), startSourceVtgate()]);
  proxy = await startVStreamProxy(vtgate.address);
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await proxy?.close();
  await vtgate?.close();
  for (const sink of sinks) await sink.db.end();
  await temporal?.close();
});

afterEach(() => {
  proxy.mutate = undefined;
  vtgate.faults.reset();
});

type Handle = WorkflowHandle<typeof vstreamToPostgres>;

async function start(
  edit: (config: StreamConfigInput) => void = () => undefined,
): Promise<{ streamId: string; sink: SinkDatabase; handle: Handle }> {
  const sink = await createSinkDatabase();
  sinks.push(sink);
  const streamId = uniqueName('bad');
  const config = streamConfig(streamId, vtgate, sink);
  config.source.vtgate.address = proxy.address;
  edit(config);
  const handle = await temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config }],
  });
  return { streamId, sink, handle };
}

/** The stream paused on a non-retryable error (not retried forever), the workflow still open. */
async function pausedWith(handle: Handle, kind: string | RegExp, message: RegExp): Promise<StreamStatus> {
  const status = await waitUntil(
    'the stream to pause on the error',
    () => handle.query(statusQuery),
    (s) => s.state === 'paused' && s.lastError !== null,
    30_000,
  );
  expect(status.lastError!.retryable).toBe(false);
  expect(status.lastError!.kind).toMatch(kind);
  expect(status.lastError!.message).toMatch(message);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  return status;
}

const position = (c: StoredCheckpoint | null) =>
  c && { batchSeq: c.batchSeq, vgtid: c.vgtid, changelogSeq: c.changelogSeq, txnSeq: c.txnSeq };

async function stop(handle: Handle): Promise<void> {
  await handle.signal(stopSignal);
  expect((await handle.result()).state).toBe('stopped');
}

/** The running stream, caught up with a few committed changes. */
async function runningStream(policy: 'fail' | 'quarantine' = 'fail') {
  const s = await start((c) => (c.policies = { badRows: policy }));
  await waitUntil(
    'the copy',
    async () => (await readCheckpoint(s.sink.db, s.streamId).catch(() => null))?.batchSeq ?? 0,
    (n) => n >= 1,
  );
  const workload = new CustomerWorkload(vtgate, { seed: SEED + sinks.length, maxTransactions: 1_000 });
  for (let i = 0; i < 5; i++) workload.step();
  await waitUntil(
    'the mirror to catch up',
    () => mirrorCustomers(s.sink.db),
    (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
  );
  await sleep(300);
  return { ...s, workload, before: await readCheckpoint(s.sink.db, s.streamId) };
}

/** Breaks the open stream so the next call starts afresh (a new FIELD per table) through the mutation. */
async function reconnectThroughProxy(mutation: (event: VEvent) => VEvent | null): Promise<void> {
  proxy.mutate = mutation;
  await waitUntil(
    'an open stream',
    async () => vtgate.activeStreams,
    (n) => n >= 1,
  );
  vtgate.faults.failStreams();
}

/** A copy of a ROW event with `edit` applied to every row image. */
function editRows(
  event: VEvent,
  edit: (lengths: number[], values: Buffer) => { lengths: number[]; values: Buffer },
): VEvent {
  if (event.type !== VEventType.ROW || !event.rowEvent) return event;
  const rowChanges = event.rowEvent.rowChanges.map((change) => {
    const image = (row: typeof change.after) => {
      if (!row) return row;
      const lengths = row.lengths.map(Number);
      const out = edit(lengths, Buffer.from(row.values));
      return { ...row, lengths: out.lengths, values: out.values };
    };
    return { ...change, before: image(change.before), after: image(change.after) };
  });
  return { ...event, rowEvent: { ...event.rowEvent, rowChanges } } as VEvent;
}

/** Replaces cell `index` (when not NULL) with `text`. */
function replaceCell(index: number, text: string) {
  return (lengths: number[], values: Buffer) => {
    if (lengths[index]! < 0) return { lengths, values };
    const start = lengths.slice(0, index).reduce((sum, n) => sum + Math.max(0, n), 0);
    const cell = Buffer.from(text);
    const out = Buffer.concat([values.subarray(0, start), cell, values.subarray(start + lengths[index]!)]);
    return { lengths: lengths.map((n, i) => (i === index ? cell.length : n)), values: out };
  };
}

describe('events no vtgate should send', () => {
  const cases: {
    name: string;
    policy: 'fail' | 'quarantine';
    mutation: (event: VEvent) => VEvent | null;
    kind: RegExp;
    message: RegExp;
  }[] = [
    {
      name: 'a ROW whose FIELD never came',
      policy: 'fail',
      mutation: (e) => (e.type === VEventType.FIELD ? null : e),
      kind: /row_without_field/,
      message: /ROW for commerce\.customer on shard (-80|80-) arrived before any FIELD event describing it/,
    },
    {
      name: 'a row with fewer cells than its FIELD has columns (even under quarantine)',
      policy: 'quarantine',
      mutation: (e) =>
        editRows(e, (lengths, values) => {
          const last = lengths.at(-1)!;
          return {
            lengths: lengths.slice(0, -1),
            values: last > 0 ? values.subarray(0, values.length - last) : values,
          };
        }),
      kind: /decode/,
      message:
        /cannot decode VStream row \(table commerce\.customer\): row has 4 cells but the FIELD event lists 5 columns/,
    },
    {
      name: 'a value that does not decode, under the default policy',
      policy: 'fail',
      // balance is DECIMAL(10,2): "12,5" is no decimal number.
      mutation: (e) => editRows(e, replaceCell(3, '12,5')),
      kind: /decode/,
      message: /column balance.*not a decimal number/,
    },
  ];

  test.each(cases)('$name: paused with a clear lastError, position kept, resumes exactly once', async (c) => {
    const { streamId, sink, handle, workload, before } = await runningStream(c.policy);
    await reconnectThroughProxy(c.mutation);
    // Changes until one reaches the mutation (the value mutation needs a row image with a balance).
    for (let i = 0; i < 40 && proxy.mutated === 0; i++) {
      workload.step();
      await sleep(100);
    }
    const paused = await pausedWith(handle, c.kind, c.message);
    expect(proxy.mutated).toBeGreaterThan(0);
    await sleep(500);
    const after = await readCheckpoint(sink.db, streamId);
    expect(position(after)).toEqual(position(before));
    expect(paused.batchSeq).toBe(before!.batchSeq);

    // The source is fixed (the proxy stops mangling): resuming continues where the stream stood, exactly once.
    proxy.mutate = undefined;
    await handle.executeUpdate(resumeUpdate);
    for (let i = 0; i < 3; i++) workload.step();
    await expectExactlyOnce(sink.db, streamId, vtgate, workload, { timeoutMs: 30_000 });
    await stop(handle);
  });

  test('a value that does not decode, under policies.badRows quarantine: quarantined, the stream goes on', async () => {
    const { streamId, sink, handle, before } = await runningStream('quarantine');
    await reconnectThroughProxy((e) => editRows(e, replaceCell(3, '12,5')));
    const workload = new CustomerWorkload(vtgate, { seed: SEED - 1, maxTransactions: 1_000 });
    for (let i = 0; i < 40 && proxy.mutated === 0; i++) {
      workload.step();
      await sleep(100);
    }
    const quarantined = await waitUntil(
      'the row in quarantine',
      async () =>
        (
          await sink.db.query<{ code: string; column_name: string; op: string; reason: string }>(
            'SELECT code, column_name, op, reason FROM vstream_relay.quarantine WHERE stream_id = $1',
            [streamId],
          )
        ).rows,
      (rows) => rows.length > 0,
    );
    expect(quarantined[0]).toMatchObject({ code: 'invalid_value', column_name: 'balance' });
    expect(quarantined[0]!.reason).toMatch(/not a decimal number/);
    // The position moved past it, and the stream is still running with the rest applied.
    proxy.mutate = undefined;
    await waitUntil(
      'commits after the quarantined row',
      async () => (await readCheckpoint(sink.db, streamId))!.batchSeq,
      (n) => n > before!.batchSeq,
    );
    vtgate.insert('customer', [{ id: 90_001, email: `after-quarantine-${streamId}@example.com` }]);
    await waitUntil(
      'later changes applied',
      () => mirrorCustomers(sink.db),
      (rows) => rows.some((r) => r.id === '90001'),
    );
    expect((await handle.query(statusQuery)).state).toBe('running');
    await stop(handle);
  });
});

describe('positions that are malformed or belong elsewhere', () => {
  test.each([
    ['not JSON', '{"shard_gtids": [', /config/, /startVgtid|VGTID|JSON/i],
    [
      'another keyspace',
      JSON.stringify({
        shard_gtids: [
          { keyspace: 'other', shard: '-', gtid: 'MySQL56/3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5' },
        ],
      }),
      /config/,
      /keyspace other is in the VGTID but not in the configuration/,
    ],
    [
      'another cluster (unknown server UUID)',
      JSON.stringify({
        shard_gtids: ['-80', '80-'].map((shard) => ({
          keyspace: 'commerce',
          shard,
          gtid: 'MySQL56/3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
        })),
      }),
      /request|position/,
      /GTIDSet Mismatch|position/,
    ],
  ])('startVgtid from %s: paused before anything is written', async (_label, startVgtid, kind, message) => {
    const { streamId, sink, handle } = await start((c) => {
      c.snapshot = { mode: 'never' };
      c.startVgtid = startVgtid;
    });
    const status = await pausedWith(handle, kind, message);
    expect(status.batchSeq).toBe(0);
    expect(position(await readCheckpoint(sink.db, streamId))).toEqual({
      batchSeq: 0,
      vgtid: null,
      changelogSeq: 0,
      txnSeq: 0,
    });
    expect(await mirrorCustomers(sink.db)).toEqual([]);
    await stop(handle);
  });

  test('a corrupted stored checkpoint: paused without touching it; repaired, the stream resumes exactly once', async () => {
    const { streamId, sink, handle, workload, before } = await runningStream();
    const { pauseUpdate } = await import('../../../src/workflows/definitions.js');
    await handle.executeUpdate(pauseUpdate, { args: ['maintenance'] });
    const good = await readCheckpoint(sink.db, streamId);
    await sink.db.query(
      `UPDATE vstream_relay.checkpoints SET vgtid = '{"shard_gtids": "nope"}' WHERE stream_id = $1`,
      [streamId],
    );
    await handle.executeUpdate(resumeUpdate);
    await pausedWith(
      handle,
      /database|config/,
      /opening the Postgres sink .*VGTID shard_gtids: expected an array/,
    );
    const corrupted = await readCheckpoint(sink.db, streamId);
    expect(corrupted!.vgtid).toEqual({ shard_gtids: 'nope' });
    expect(corrupted!.batchSeq).toBe(good!.batchSeq);
    await sink.db.query('UPDATE vstream_relay.checkpoints SET vgtid = $2::jsonb WHERE stream_id = $1', [
      streamId,
      JSON.stringify(good!.vgtid),
    ]);
    expect(good!.batchSeq).toBeGreaterThanOrEqual(before!.batchSeq);
    for (let i = 0; i < 3; i++) workload.step();
    await handle.executeUpdate(resumeUpdate);
    await expectExactlyOnce(sink.db, streamId, vtgate, workload, { timeoutMs: 30_000 });
    await stop(handle);
  });
});

describe('a source that does not have what the config names', () => {
  test("an unknown keyspace: paused with vtgate's answer, not retried forever", async () => {
    const { handle } = await start((c) => (c.source.keyspaces = [{ name: 'nosuch' }]));
    await pausedWith(handle, /request/, /keyspace nosuch/);
    await stop(handle);
  });

  test('an unknown table in the copy: paused naming it', async () => {
    const { handle } = await start((c) => (c.source.tables = { include: ['customer', 'nosuch'] }));
    await pausedWith(handle, /request|schema/, /nosuch/);
    await stop(handle);
  });
});

describe('TLS and CA files the worker cannot read', () => {
  test('source.vtgate.tls.caFile', async () => {
    const { streamId, sink, handle } = await start(
      (c) => (c.source.vtgate.tls = { caFile: '/nonexistent/vtgate-ca.pem' }),
    );
    const status = await pausedWith(
      handle,
      /request/,
      /cannot read the vtgate TLS CA file \/nonexistent\/vtgate-ca\.pem/,
    );
    expect(status.batchSeq).toBe(0);
    expect(position(await readCheckpoint(sink.db, streamId))).toMatchObject({ batchSeq: 0, vgtid: null });
    await stop(handle);
  });

  test('sink.postgres.sslCaFile', async () => {
    const { handle } = await start(
      (c) =>
        (c.sink.postgres = {
          ...c.sink.postgres,
          sslMode: 'verify-full',
          sslCaFile: '/nonexistent/pg-ca.pem',
        }),
    );
    await pausedWith(handle, /config/, /sink\.postgres\.sslCaFile: cannot read \/nonexistent\/pg-ca\.pem/);
    await stop(handle);
  });
});
