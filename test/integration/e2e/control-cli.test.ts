// End to end through our CLI: `vstream-relay start/status/pause/resume/stop` (in-process, runCli) against the
// real Temporal dev server, a worker with the real activities, the test vtgate and a real Postgres sink.
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import type { StreamStatus } from '../../../src/workflows/definitions.js';
import {
  createSinkDatabase,
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
  makeTempDir,
  printedVgtid,
  removeDir,
  runInBackground,
  temporalFlags,
  vstreamRelay,
  writeFile,
} from '../../support/e2e-control.js';
import { uniqueName } from '../../support/isolation.js';

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;
let dir: string;
let taskQueue: string;
let worker: ReturnType<typeof runInBackground> | undefined;

beforeAll(async () => {
  [{ vtgate, sink, temporal }, dir] = await Promise.all([openStreamEnvironment(), makeTempDir()]);
  taskQueue = uniqueName('e2e-cli');
  worker = runInBackground(await createControlWorker({ connection: temporal.nativeConnection, taskQueue }));
});

afterAll(async () => {
  await worker?.stop();
  await closeStreamEnvironment({ vtgate, sink, temporal });
  await removeDir(dir);
});

/** `vstream-relay <args> --address … --namespace …`, run from the temp dir holding the config files. */
const cli = (...args: string[]) => vstreamRelay([...args, ...temporalFlags()], dir);

async function statusJson(streamId: string): Promise<StreamStatus> {
  const run = await cli('status', streamId, '--json');
  if (run.code !== 0) throw new Error(`status exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as StreamStatus;
}

const sameRows = (db: SinkDatabase) => () => mirrorCustomers(db.db);
const equalsSource = (rows: unknown) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate));

/** A short burst of changes, then silence: the status must reach the committed checkpoint. */
async function statusCatchesUp(): Promise<void> {
  // A database of its own: the mirror table of the first test's stream belongs to that stream.
  const quietSink = await createSinkDatabase();
  const streamId = uniqueName('cli-quiet');
  try {
    await writeFile(dir, 'quiet.json', JSON.stringify(streamConfig(streamId, vtgate, quietSink)));
    const started = await cli('start', 'quiet.json', '--task-queue', taskQueue);
    expect(started.code).toBe(0);
    await waitUntil(
      'the copy phase',
      () => checkpointRow(quietSink.db, streamId),
      (c) => c?.copyCompleted === true,
    );
    // Single-row transactions, all within one progress interval, then silence.
    for (let i = 0; i < 6; i++) {
      vtgate.insert('customer', [{ id: 200 + i, email: `burst${i}@example.com` }]);
      await new Promise((r) => setTimeout(r, 120));
    }
    await waitUntil('the burst', sameRows(quietSink), equalsSource);
    // progressIntervalSeconds is 1: a few seconds later the workflow must know what Postgres committed.
    const [status, checkpoint] = await waitUntil(
      'status to reach the checkpoint',
      () => Promise.all([statusJson(streamId), checkpointRow(quietSink.db, streamId)]),
      ([s, c]) => s.batchSeq === c!.batchSeq,
      6_000,
    );
    expect(status.vgtid).toEqual(checkpoint!.vgtid);
  } finally {
    await cli('stop', streamId, '--wait');
    await quietSink.db.end();
  }
}

describe('vstream-relay CLI', () => {
  test('start (JSON file), status, pause, resume and stop --wait drive a real stream', async () => {
    for (let id = 1; id <= 10; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const streamId = uniqueName('cli-json');
    await writeFile(dir, 'orders.json', JSON.stringify(streamConfig(streamId, vtgate, sink), null, 2));

    // start: a relative path resolves against the working directory; --json says what was started.
    const started = await cli('start', 'orders.json', '--task-queue', taskQueue, '--json');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const startInfo = JSON.parse(started.stdout);
    expect(startInfo).toMatchObject({
      streamId,
      workflowId: `vstream-${streamId}`,
      taskQueue,
      searchAttribute: true,
    });
    const handle = temporal.client.workflow.getHandle(`vstream-${streamId}`);
    expect((await handle.describe()).runId).toBe(startInfo.runId);

    // The copy phase, then live changes, arrive in Postgres.
    await waitUntil('the copy phase', sameRows(sink), equalsSource);
    vtgate.update('customer', { id: 2 }, { tier: 'pro', balance: '12.34' });
    vtgate.delete('customer', { id: 3 });
    vtgate.insert('customer', [{ id: 11, email: 'c11@example.com' }]);
    await waitUntil('the live changes', sameRows(sink), equalsSource);

    // status --json: running, with a position on both shards.
    const running = await waitUntil(
      'a running status with a position',
      () => statusJson(streamId),
      (s) => s.state === 'running' && s.batchSeq > 0 && s.vgtid !== null,
    );
    expect(running.streamId).toBe(streamId);
    const shards = (running.vgtid!.shard_gtids as { keyspace: string; shard: string; gtid: string }[])
      .map((g) => `${g.keyspace}/${g.shard}:${g.gtid === '' ? 'none' : 'gtid'}`)
      .sort();
    expect(shards).toEqual(['commerce/-80:gtid', 'commerce/80-:gtid']);
    // The text form names the state and the shards too.
    const text = await cli('status', streamId);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^state\s+running$/m);
    expect(text.stdout).toMatch(/commerce\s+-80\s+MySQL56\//);

    // Starting the same stream again is refused, and the running stream is left alone.
    const again = await cli('start', 'orders.json', '--task-queue', taskQueue);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`stream ${streamId} is already running`);
    expect(again.stdout).toBe('');
    const afterAgain = await handle.describe();
    expect(afterAgain.runId).toBe(startInfo.runId);
    expect(afterAgain.status.name).toBe('RUNNING');

    // pause (an update): returns once the activity stopped, printing the committed position.
    const paused = await cli('pause', streamId, '--reason', 'maintenance window');
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`stream ${streamId} is paused (reason: maintenance window)`);
    const atPause = await checkpointRow(sink.db, streamId);
    expect(printedVgtid(paused.stdout)).toEqual(atPause!.vgtid);
    const pausedStatus = await statusJson(streamId);
    expect(pausedStatus).toMatchObject({ state: 'paused', pausedReason: 'maintenance window' });
    expect(pausedStatus.vgtid).toEqual(atPause!.vgtid);

    // Nothing is written while paused.
    const beforePause = await mirrorCustomers(sink.db);
    vtgate.insert('customer', [{ id: 12, email: 'while-paused@example.com' }]);
    vtgate.update('customer', { id: 1 }, { email: 'changed-while-paused@example.com' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await mirrorCustomers(sink.db)).toEqual(beforePause);
    expect((await checkpointRow(sink.db, streamId))!.batchSeq).toBe(atPause!.batchSeq);

    // resume: the changes made while paused arrive.
    const resumed = await cli('resume', streamId);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`stream ${streamId} resumed`);
    await waitUntil('the changes made while paused', sameRows(sink), equalsSource);

    // stop --wait: the workflow completes and the printed position is the committed checkpoint.
    const stopped = await cli('stop', streamId, '--wait');
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`stream ${streamId} stopped`);
    const final = await checkpointRow(sink.db, streamId);
    expect(printedVgtid(stopped.stdout)).toEqual(final!.vgtid);
    expect((await handle.describe()).status.name).toBe('COMPLETED');

    // Every live change is in the changelog exactly once: 1 update, 1 delete, 1 insert, then 1 insert, 1 update.
    const log = await changelogSummary(sink.db, streamId);
    expect(log.ops).toEqual({ insert: 2, update: 2, delete: 1 });
    expect(log.distinctLive).toBe(log.live);
    expect(log).toMatchObject({ rows: 10 + 5, minSeq: 1, maxSeq: 15 });
    expect(await mirrorCustomers(sink.db)).toEqual(sourceCustomers(vtgate));

    // A stopped stream is reported as not running rather than as an error.
    const afterStop = await cli('status', streamId);
    expect(afterStop.code).toBe(0);
  });

  test('a stream started from a YAML config file streams into its own database', async () => {
    const yamlSink = await createSinkDatabase();
    try {
      const streamId = uniqueName('cli-yaml');
      const file = await writeFile(
        dir,
        'customers.yaml',
        [
          '# a stream config as an operator writes it',
          `streamId: ${streamId}`,
          'source:',
          '  vtgate:',
          `    address: "${vtgate.address}"`,
          '  keyspaces:',
          '    - name: commerce',
          '  heartbeatIntervalSeconds: 1',
          'sink:',
          '  postgres:',
          `    url: env:${yamlSink.envName}`,
          '  mode: mirror',
          '  batch: { maxDelayMs: 50 }',
          'run:',
          '  progressIntervalSeconds: 1',
          '  heartbeatTimeoutSeconds: 10',
          '  retryInitialSeconds: 0.2',
          '  retryMaxSeconds: 2',
          '',
        ].join('\n'),
      );
      // An absolute path this time, and the human-readable output.
      const started = await cli('start', file, '--task-queue', taskQueue);
      expect(started.stderr).toBe('');
      expect(started.code).toBe(0);
      expect(started.stdout).toContain(`started stream ${streamId}`);
      expect(started.stdout).toMatch(new RegExp(`workflow id\\s+vstream-${streamId}`));
      expect(started.stdout).toContain(`temporal workflow describe`);

      await waitUntil('the copy into the YAML stream database', sameRows(yamlSink), equalsSource);
      vtgate.insert('customer', [{ id: 50, email: 'yaml@example.com', balance: '1.00' }]);
      vtgate.update('customer', { id: 50 }, { tier: 'pro' });
      await waitUntil('a live change', sameRows(yamlSink), equalsSource);

      const stopped = await cli('stop', streamId, '--wait', '--json');
      expect(stopped.code).toBe(0);
      const final = JSON.parse(stopped.stdout) as StreamStatus;
      expect(final.state).toBe('stopped');
      expect(final.vgtid).toEqual((await checkpointRow(yamlSink.db, streamId))!.vgtid);
      // mode: mirror: no changelog table at all.
      const changelog = await yamlSink.db.query(`SELECT to_regclass('vstream_relay.changelog') AS t`);
      expect(changelog.rows[0].t).toBeNull();
    } finally {
      await yamlSink.db.end();
    }
  });

  // Regression: a progress report held back by the interval must go out once due, even when only vtgate
  // heartbeats arrive afterwards (status and currentVgtid used to stay at an older batch until the next write).
  test('status catches up with the committed checkpoint once the source goes quiet', async () => {
    await statusCatchesUp();
  });

  test('an invalid config exits 2 naming the fields and starts nothing', async () => {
    const streamId = uniqueName('cli-bad');
    await writeFile(
      dir,
      'bad.yaml',
      [
        `streamId: ${streamId}`,
        'source:',
        '  vtgate:',
        '    address: vtgate-without-port',
        '  keyspaces: [{ name: commerce }]',
        'sink:',
        '  postgres:',
        '    url: postgres://app:hunter2@db.internal/app',
        '',
      ].join('\n'),
    );
    const run = await cli('start', 'bad.yaml', '--task-queue', taskQueue);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('bad.yaml: invalid stream config');
    expect(run.stderr).toMatch(/source\.vtgate\.address: must be host:port/);
    expect(run.stderr).toMatch(/sink\.postgres\.url: must be a secret reference/);
    // The error message never echoes the secret it refused.
    expect(run.stderr).not.toContain('hunter2');

    // No workflow exists: not in Temporal, and our CLI says so.
    await expect(temporal.client.workflow.getHandle(`vstream-${streamId}`).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    const status = await cli('status', streamId);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`no stream ${streamId} (workflow vstream-${streamId})`);
  });
});
