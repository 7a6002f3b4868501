// The stream workflow's control logic on the real Temporal server, with a scripted stand-in for the stream
// activity (the real one is exercised end to end in test/integration/e2e). The stand-in follows the activity
// contract: it reports progress by signal, heartbeats, and returns its final position when cancelled.
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { StreamConfigInput } from '../../../src/config/stream-config.js';
import {
  FATAL_STREAM_ERROR,
  type RunStreamInput,
  type RunStreamResult,
} from '../../../src/activities/types.js';
import {
  currentVgtidQuery,
  pauseSignal,
  pauseUpdate,
  progressSignal,
  resnapshotUpdate,
  resumeSignal,
  resumeUpdate,
  resyncTableUpdate,
  statusQuery,
  stopSignal,
  type ProgressReport,
  type StreamStatus,
} from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import { workflowsPath } from '../../../src/worker/worker.js';
import { uniqueName } from '../../support/isolation.js';

let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});

afterAll(async () => {
  await connection?.close();
  await nativeConnection?.close();
});

function config(streamId: string): StreamConfigInput {
  return {
    streamId,
    source: { vtgate: { address: '127.0.0.1:1' }, keyspaces: [{ name: 'commerce' }] },
    sink: { postgres: { url: 'env:UNUSED' } },
    run: {
      heartbeatTimeoutSeconds: 10,
      progressIntervalSeconds: 1,
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 1,
    },
  };
}

const vgtidAt = (n: number) => ({
  shard_gtids: [{ keyspace: 'commerce', shard: '0', gtid: `MySQL56/a:1-${n}` }],
});

interface Script {
  /** Called once per run with the input; return the behaviour of that run. */
  runs: RunStreamInput[];
  mode: 'stream' | 'fatal';
}

/** A stand-in activity that commits a "batch" every 100 ms until cancelled (or fails fatally). */
function scriptedActivities(script: Script) {
  return {
    async runStream(input: RunStreamInput): Promise<RunStreamResult> {
      script.runs.push(input);
      const ctx = Context.current();
      const handle = ctx.client.workflow.getHandle(ctx.info.workflowExecution!.workflowId);
      if (script.mode === 'fatal') {
        throw ApplicationFailure.create({
          message: 'vtgate rejected the credentials',
          type: FATAL_STREAM_ERROR,
          nonRetryable: true,
          details: [{ kind: 'auth' }],
        });
      }
      let batchSeq = input.known.batchSeq;
      let last: ProgressReport | null = null;
      while (!ctx.cancellationSignal.aborted) {
        batchSeq += 1;
        // Like the sink: a requested resnapshot is done at once; a resync finishes after three batches.
        const resyncing = batchSeq - input.known.batchSeq < 3 ? (input.resync ?? []) : [];
        last = {
          vgtid: vgtidAt(batchSeq),
          batchSeq,
          lastCommitAt: new Date().toISOString(),
          lastSourceCommitAt: null,
          lagSeconds: 0,
          rowsApplied: { 'commerce.orders': { insert: 1, update: 0, delete: 0 } },
          copy: null,
          attempt: ctx.info.attempt,
          snapshotGeneration: input.resnapshot ?? 0,
          resyncing,
          resyncsCompleted: batchSeq - input.known.batchSeq === 3 ? (input.resync ?? []) : [],
        };
        await handle.signal(progressSignal, last);
        ctx.heartbeat({ batchSeq });
        await new Promise((r) => setTimeout(r, 100));
      }
      return { reason: 'cancelled', final: last };
    },
  };
}

async function withWorker<T>(script: Script, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('wf');
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowsPath,
    activities: scriptedActivities(script),
    maxHeartbeatThrottleInterval: '200ms',
  });
  return worker.runUntil(fn(taskQueue));
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `RECORD_HISTORIES=1 npx vitest run test/integration/workflow` refreshes the histories that the replay test
 * (test/integration/workflow/replay.test.ts) replays against the current workflow code on every CI run.
 */
async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  const file = new URL(`../../fixtures/histories/${name}.json`, import.meta.url);
  fs.mkdirSync(new URL('.', file), { recursive: true });
  // The same JSON as `temporal workflow show -o json`, which historyFromJSON reads back.
  fs.writeFileSync(file, historyToJSON(history));
}

async function start(taskQueue: string, streamId: string): Promise<WorkflowHandle<typeof vstreamToPostgres>> {
  return client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config: config(streamId) }],
  });
}

describe('vstreamToPostgres workflow', () => {
  test('reports live progress, pauses with no run in flight, resumes from the same position, stops', async () => {
    const script: Script = { runs: [], mode: 'stream' };
    await withWorker(script, async (taskQueue) => {
      const handle = await start(taskQueue, uniqueName('s'));
      const running = await waitFor(
        () => handle.query(statusQuery),
        (s) => s.batchSeq >= 3,
      );
      expect(running.state).toBe('running');

      const paused: StreamStatus = await handle.executeUpdate(pauseUpdate, { args: ['maintenance'] });
      expect(paused.state).toBe('paused');
      expect(paused.pausedReason).toBe('maintenance');
      const pausedAt = paused.batchSeq;
      expect(await handle.query(currentVgtidQuery)).toEqual(vgtidAt(pausedAt));
      await new Promise((r) => setTimeout(r, 500));
      const later = await handle.query(statusQuery);
      expect(later.batchSeq).toBe(pausedAt); // nothing runs while paused

      const resumed = await handle.executeUpdate(resumeUpdate);
      expect(resumed.pausedReason).toBeNull();
      await waitFor(
        () => handle.query(statusQuery),
        (s) => s.batchSeq > pausedAt,
      );
      // The second run started from exactly where the first one committed.
      expect(script.runs[1]?.known.batchSeq).toBe(pausedAt);
      expect(script.runs[1]?.known.vgtid).toEqual(vgtidAt(pausedAt));

      await handle.signal(stopSignal);
      const final = await handle.result();
      expect(final.state).toBe('stopped');
      await recordHistory('pause-resume-stop', handle);
      expect(final.rowsApplied['commerce.orders']!.insert).toBe(final.batchSeq);
    });
  });

  test('resyncTable and resnapshot restart the run with the request, and status follows them to the end', async () => {
    const script: Script = { runs: [], mode: 'stream' };
    await withWorker(script, async (taskQueue) => {
      const handle = await start(taskQueue, uniqueName('s'));
      await waitFor(
        () => handle.query(statusQuery),
        (s) => s.batchSeq >= 2,
      );
      // Refused up front, naming the form a table takes.
      const refused = await handle.executeUpdate(resyncTableUpdate, { args: ['other.orders'] }).then(
        () => null,
        (err: { cause?: { message?: string } }) => err.cause?.message,
      );
      expect(refused).toMatch(/keyspace\.table with one of this stream's keyspaces \(commerce\)/);

      const requested = await handle.executeUpdate(resyncTableUpdate, { args: ['orders'] });
      expect(requested.snapshot?.resyncRequested).toEqual(['commerce.orders']);
      const resynced = await waitFor(
        () => handle.query(statusQuery),
        (s) => (s.snapshot?.resynced.length ?? 0) > 0,
      );
      expect(resynced.snapshot).toMatchObject({ resyncRequested: [], resyncing: [] });
      expect(resynced.snapshot?.resynced.map((r) => r.table)).toEqual(['commerce.orders']);
      expect(script.runs[1]?.resync).toEqual(['commerce.orders']);

      const resnapshot = await handle.executeUpdate(resnapshotUpdate);
      expect(resnapshot.snapshot?.resnapshotRequested).toBe(1);
      expect(resnapshot.vgtid).toBeNull();
      const after = await waitFor(
        () => handle.query(statusQuery),
        (s) => s.snapshot?.generation === 1 && s.vgtid !== null,
      );
      expect(after.snapshot?.resnapshotRequested).toBeNull();
      expect(script.runs.at(-1)?.resnapshot).toBe(1);

      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
      await recordHistory('resync-resnapshot', handle);
    });
  });

  test('pause and resume by signal, as `temporal workflow signal --name pause` sends them', async () => {
    const script: Script = { runs: [], mode: 'stream' };
    await withWorker(script, async (taskQueue) => {
      const handle = await start(taskQueue, uniqueName('s'));
      await waitFor(
        () => handle.query(statusQuery),
        (s) => s.batchSeq >= 1,
      );
      await handle.signal(pauseSignal);
      const paused = await waitFor(
        () => handle.query(statusQuery),
        (s) => s.state === 'paused',
      );
      expect(paused.state).toBe('paused');
      await handle.signal(resumeSignal);
      await waitFor(
        () => handle.query(statusQuery),
        (s) => s.state === 'running' && s.batchSeq > paused.batchSeq,
      );
      expect(script.runs).toHaveLength(2);
      await handle.signal(stopSignal);
      await handle.result();
    });
  });

  test('a fatal activity error pauses the stream with lastError instead of failing the workflow', async () => {
    const script: Script = { runs: [], mode: 'fatal' };
    await withWorker(script, async (taskQueue) => {
      const handle = await start(taskQueue, uniqueName('s'));
      const status = await waitFor(
        () => handle.query(statusQuery),
        (s) => s.state === 'paused',
      );
      expect(status.lastError).toMatchObject({ kind: 'auth', message: 'vtgate rejected the credentials' });
      expect(status.pausedReason).toMatch(/^error: vtgate rejected the credentials/);
      await recordHistory('fatal-error-pauses', handle);
      expect(script.runs).toHaveLength(1); // not retried: the error is non-retryable
      const { status: execution } = await handle.describe();
      expect(execution.name).toBe('RUNNING');
      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    });
  });

  test('an invalid config fails the start with a non-retryable error naming the field', async () => {
    const script: Script = { runs: [], mode: 'stream' };
    await withWorker(script, async (taskQueue) => {
      const bad = {
        ...config('x'),
        source: { vtgate: { address: 'nope' }, keyspaces: [{ name: 'commerce' }] },
      };
      const handle = await client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: uniqueName('vstream-bad'),
        args: [{ config: bad }],
      });
      await expect(handle.result()).rejects.toMatchObject({
        cause: { type: 'StreamConfigError', message: expect.stringContaining('source.vtgate.address') },
      });
      expect(script.runs).toHaveLength(0);
    });
  });
});
