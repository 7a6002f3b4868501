// End to end through the `temporal` CLI alone: an operator who has only Temporal's own tooling can start,
// inspect, pause, resume and stop a stream by its workflow contract (type, signals, updates, queries).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import type { StreamStatus, StreamWorkflowInput } from '../../../src/workflows/definitions.js';
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
  changelogSummary,
  checkpointRow,
  createControlWorker,
  runInBackground,
  temporalCli,
  temporalFlags,
} from '../../support/e2e-control.js';
import { uniqueName } from '../../support/isolation.js';

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;
let taskQueue: string;
let worker: ReturnType<typeof runInBackground> | undefined;

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
  taskQueue = uniqueName('e2e-tcli');
  worker = runInBackground(await createControlWorker({ connection: temporal.nativeConnection, taskQueue }));
});

afterAll(async () => {
  await worker?.stop();
  await closeStreamEnvironment({ vtgate, sink, temporal });
});

/** `temporal workflow <args> --workflow-id … --address … --namespace …`, output parsed from JSON. */
async function workflowCommand(workflowId: string, ...args: string[]): Promise<unknown> {
  const stdout = await temporalCli([
    'workflow',
    ...args,
    '--workflow-id',
    workflowId,
    ...temporalFlags(),
    '-o',
    'json',
  ]);
  return JSON.parse(stdout);
}

/** `temporal workflow query --name <name>`: the CLI prints `{"queryResult": [<one value per payload>]}`. */
async function query<T>(workflowId: string, name: string): Promise<T> {
  const out = (await workflowCommand(workflowId, 'query', '--name', name)) as { queryResult: T[] };
  return out.queryResult[0]!;
}

/** The parts of `temporal workflow describe -o json` the test reads. */
interface Description {
  workflowExecutionInfo: { execution: { runId: string }; status: string };
  pendingActivities?: {
    activityType: { name: string };
    heartbeatDetails?: { batchSeq: number; vgtid: unknown }[];
  }[];
}

const equalsSource = (rows: unknown) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate));

describe('a stream driven with the temporal CLI', () => {
  test('start, query, pause signal, resume update and stop signal', async () => {
    for (let id = 1; id <= 8; id++) vtgate.insert('customer', [{ id, email: `t${id}@example.com` }]);
    const streamId = uniqueName('tcli');
    const workflowId = `vstream-${streamId}`;
    const input: StreamWorkflowInput = { config: streamConfig(streamId, vtgate, sink) };

    const started = (await temporalCli([
      'workflow',
      'start',
      '--type',
      'vstreamToPostgres',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(input),
      ...temporalFlags(),
      '-o',
      'json',
    ]).then(JSON.parse)) as { workflowId: string; runId: string };
    expect(started).toMatchObject({ workflowId, type: 'vstreamToPostgres', taskQueue });

    await waitUntil('the copy phase', () => mirrorCustomers(sink.db), equalsSource);
    vtgate.update('customer', { id: 4 }, { tier: 'pro', updated_at: '2025-01-02 03:04:05.000006' });
    vtgate.delete('customer', { id: 5 });
    vtgate.insert('customer', [{ id: 9, email: 't9@example.com', balance: '0.01' }]);
    await waitUntil('the live changes', () => mirrorCustomers(sink.db), equalsSource);

    const running = await waitUntil(
      'a running status',
      () => query<StreamStatus>(workflowId, 'status'),
      (s) => s.state === 'running' && s.batchSeq > 0,
    );
    expect(running.streamId).toBe(streamId);

    // describe shows one stream activity, heartbeating the committed position (what the UI shows too).
    const description = await waitUntil(
      'a heartbeat carrying the position',
      () => workflowCommand(workflowId, 'describe') as Promise<Description>,
      (d) => (d.pendingActivities?.[0]?.heartbeatDetails?.[0]?.batchSeq ?? 0) >= running.batchSeq,
      15_000,
    );
    expect(description.workflowExecutionInfo.execution.runId).toBe(started.runId);
    expect(description.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    expect(description.pendingActivities!.map((a) => a.activityType.name)).toEqual(['runStream']);
    expect(description.pendingActivities![0]!.heartbeatDetails![0]!.vgtid).not.toBeNull();

    // pause, as a signal (fire and forget): the stream stops after committing its batch.
    await temporalCli([
      'workflow',
      'signal',
      '--name',
      'pause',
      '--input',
      JSON.stringify('reindexing'),
      '--workflow-id',
      workflowId,
      ...temporalFlags(),
    ]);
    const paused = await waitUntil(
      'the paused state',
      () => query<StreamStatus>(workflowId, 'status'),
      (s) => s.state === 'paused',
    );
    expect(paused.pausedReason).toBe('reindexing');
    const checkpoint = await checkpointRow(sink.db, streamId);
    expect(await query(workflowId, 'currentVgtid')).toEqual(checkpoint!.vgtid);
    expect(paused.batchSeq).toBe(checkpoint!.batchSeq);

    const beforePause = await mirrorCustomers(sink.db);
    vtgate.insert('customer', [{ id: 10, email: 'while-paused@example.com' }]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await mirrorCustomers(sink.db)).toEqual(beforePause);

    // resume, as an update: it answers with the status once the workflow accepted it.
    const resumed = (await workflowCommand(workflowId, 'update', 'execute', '--name', 'resume')) as {
      name: string;
      result: StreamStatus;
    };
    expect(resumed.name).toBe('resume');
    expect(resumed.result).toMatchObject({
      state: 'starting',
      pausedReason: null,
      batchSeq: paused.batchSeq,
    });
    await waitUntil('the change made while paused', () => mirrorCustomers(sink.db), equalsSource);

    // stop, as a signal; the workflow completes with its final status, at the committed checkpoint.
    await temporalCli([
      'workflow',
      'signal',
      '--name',
      'stop',
      '--workflow-id',
      workflowId,
      ...temporalFlags(),
    ]);
    const result = (await workflowCommand(workflowId, 'result')) as { status: string; result: StreamStatus };
    expect(result.status).toBe('COMPLETED');
    expect(result.result.state).toBe('stopped');
    const final = await checkpointRow(sink.db, streamId);
    expect(result.result.vgtid).toEqual(final!.vgtid);
    expect(result.result.batchSeq).toBe(final!.batchSeq);
    // The position stays queryable after the stream stopped (while a worker polls its task queue).
    expect(await query(workflowId, 'currentVgtid')).toEqual(final!.vgtid);
    // Rows applied: the 8 copied rows count as inserts, plus the live 2 inserts, 1 update, 1 delete.
    expect(result.result.rowsApplied).toEqual({ 'commerce.customer': { insert: 10, update: 1, delete: 1 } });

    const log = await changelogSummary(sink.db, streamId);
    expect(log.ops).toEqual({ insert: 2, update: 1, delete: 1 });
    expect(log).toMatchObject({ rows: 8 + 4, minSeq: 1, maxSeq: 12, distinctLive: 4 });
  });
});
