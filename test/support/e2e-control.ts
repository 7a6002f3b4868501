// Helpers of the control end-to-end tests (test/integration/e2e/control-*.test.ts): the stream driven from
// our CLI, from the `temporal` CLI, across continue-as-new and across workers — always against real Temporal,
// Postgres and the test vtgate. Builds on test/support/e2e.ts.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import type { RunStreamInput, RunStreamResult, StreamActivities } from '../../src/activities/types.js';
import { runCli } from '../../src/client/cli.js';
import type { TestVtgate } from '../../src/devtools/vtgate/index.js';
import { StreamMetrics } from '../../src/worker/metrics.js';
import { createSecretResolver } from '../../src/worker/secrets.js';
import { workflowsPath } from '../../src/worker/worker.js';

// ---------------------------------------------------------------------------------------------------------
// Our CLI, in-process

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `vstream-relay <argv>` in this process with an empty environment (flags say where Temporal is). */
export async function vstreamRelay(argv: readonly string[], cwd?: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

/** `--address … --namespace …` of the run's Temporal dev server. */
export function temporalFlags(address = inject('temporalAddress'), namespace = inject('temporalNamespace')) {
  return ['--address', address, '--namespace', namespace];
}

/** The VGTID of the `vgtid  {…}` line that `pause`, `resume` and `stop --wait` print. */
export function printedVgtid(stdout: string): unknown {
  const line = stdout.split('\n').find((l) => /^vgtid\s+\{/.test(l));
  if (line === undefined) throw new Error(`no vgtid line in:\n${stdout}`);
  return JSON.parse(line.replace(/^vgtid\s+/, ''));
}

// ---------------------------------------------------------------------------------------------------------
// The `temporal` CLI, as a child process

/**
 * Runs the Temporal CLI binary of the run (`inject('temporalCli')`) with a time limit; resolves with stdout,
 * rejects with the exit code and stderr.
 */
export function temporalCli(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      inject('temporalCli'),
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: { ...process.env } },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `temporal ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr || stdout}`,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Files

/** A fresh temp directory; remove it with `removeDir`. */
export async function makeTempDir(prefix = 'vsr-e2e-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
}

export async function writeFile(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// What the sink holds

export interface CheckpointRow {
  epoch: number;
  batchSeq: number;
  vgtid: unknown;
  changelogSeq: number;
  /** The sink committed the end of the copy phase. */
  copyCompleted: boolean;
}

/** The stream's row in vstream_relay.checkpoints, or null when the stream never claimed the sink. */
export async function checkpointRow(db: pg.Client, streamId: string): Promise<CheckpointRow | null> {
  const exists = await db.query(`SELECT to_regclass('vstream_relay.checkpoints') AS t`);
  if (exists.rows[0].t === null) return null;
  const { rows } = await db.query(
    `SELECT epoch::int AS epoch, batch_seq::int AS "batchSeq", vgtid, changelog_seq::int AS "changelogSeq",
            copy_completed_at IS NOT NULL AS "copyCompleted"
       FROM vstream_relay.checkpoints WHERE stream_id = $1`,
    [streamId],
  );
  return (rows[0] as CheckpointRow | undefined) ?? null;
}

export interface ChangelogSummary {
  /** Every changelog row of the stream (copy rows included). */
  rows: number;
  /** Rows of live changes (not the copy phase). */
  live: number;
  /** Live rows per op. */
  ops: { insert: number; update: number; delete: number };
  /** Distinct live changes by (table, op, primary key, after image): equal to `live` when none repeats. */
  distinctLive: number;
  minSeq: number | null;
  maxSeq: number | null;
}

/** Counts the stream's changelog; seq is contiguous iff minSeq = 1 and maxSeq = rows (seq is the primary key). */
export async function changelogSummary(db: pg.Client, streamId: string): Promise<ChangelogSummary> {
  const exists = await db.query(`SELECT to_regclass('vstream_relay.changelog') AS t`);
  if (exists.rows[0].t === null) {
    return {
      rows: 0,
      live: 0,
      ops: { insert: 0, update: 0, delete: 0 },
      distinctLive: 0,
      minSeq: null,
      maxSeq: null,
    };
  }
  const { rows } = await db.query(
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE NOT is_copy)::int AS live,
            count(*) FILTER (WHERE NOT is_copy AND op = 'insert')::int AS inserts,
            count(*) FILTER (WHERE NOT is_copy AND op = 'update')::int AS updates,
            count(*) FILTER (WHERE NOT is_copy AND op = 'delete')::int AS deletes,
            count(DISTINCT concat_ws('|', table_name, op, primary_key::text, coalesce(after::text, '')))
              FILTER (WHERE NOT is_copy)::int AS distinct_live,
            min(seq)::int AS min_seq, max(seq)::int AS max_seq
       FROM vstream_relay.changelog WHERE stream_id = $1`,
    [streamId],
  );
  const r = rows[0];
  return {
    rows: r.rows,
    live: r.live,
    ops: { insert: r.inserts, update: r.updates, delete: r.deletes },
    distinctLive: r.distinct_live,
    minSeq: r.min_seq,
    maxSeq: r.max_seq,
  };
}

// ---------------------------------------------------------------------------------------------------------
// A steady source workload

export interface WorkloadTotals {
  insert: number;
  update: number;
  delete: number;
  /** Row changes made: one changelog row each. */
  total: number;
}

export interface Workload {
  readonly totals: WorkloadTotals;
  /** Resolves when the duration has passed (or `stop()` was called) with what was done. */
  readonly done: Promise<WorkloadTotals>;
  stop(): void;
}

/**
 * Single-row changes on `customer` every `intervalMs` for `durationMs`: mostly inserts of new ids, updates that
 * give a live row a never-used email, and now and then a delete of the oldest live row. Every change is
 * distinct, so a change delivered twice shows up as a repeated (op, key, after) in the changelog.
 */
export function startWorkload(
  vtgate: TestVtgate,
  options: { firstId: number; durationMs: number; intervalMs?: number },
): Workload {
  const intervalMs = options.intervalMs ?? 50;
  const totals: WorkloadTotals = { insert: 0, update: 0, delete: 0, total: 0 };
  const live: number[] = [];
  let nextId = options.firstId;
  let tick = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const deadline = Date.now() + options.durationMs;
  const step = () => {
    tick += 1;
    if (tick % 7 === 0 && live.length > 2) {
      vtgate.delete('customer', { id: live.shift()! });
      totals.delete += 1;
    } else if (tick % 3 === 0 && live.length > 0) {
      const id = live[tick % live.length]!;
      vtgate.update('customer', { id }, { email: `u${tick}@example.com`, balance: `${tick % 1000}.25` });
      totals.update += 1;
    } else {
      const id = nextId++;
      vtgate.insert('customer', [{ id, email: `w${id}@example.com` }]);
      live.push(id);
      totals.insert += 1;
    }
    totals.total += 1;
  };
  const done = (async () => {
    while (!stopped && Date.now() < deadline) {
      step();
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
    }
    return { ...totals };
  })();
  return {
    totals,
    done,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Workers

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow code bundled once per test file, so several workers do not each spend seconds in webpack. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Counts the stream activities running in this process, across every worker made by `createControlWorker`. */
export class ActivityTracker {
  running = 0;
  maxRunning = 0;
  started = 0;
  /** Activity runs started per worker name. */
  readonly startedBy: Record<string, number> = {};
  /** The workers whose activity is running now. */
  readonly runningOn = new Set<string>();

  wrap(workerName: string, activities: StreamActivities): StreamActivities {
    return {
      runStream: async (input: RunStreamInput): Promise<RunStreamResult> => {
        this.running += 1;
        this.started += 1;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        this.startedBy[workerName] = (this.startedBy[workerName] ?? 0) + 1;
        this.runningOn.add(workerName);
        try {
          return await activities.runStream(input);
        } finally {
          this.running -= 1;
          this.runningOn.delete(workerName);
        }
      },
    };
  }
}

export interface ControlWorkerOptions {
  connection: NativeConnection;
  taskQueue: string;
  namespace?: string;
  /** Name for the tracker; required with `tracker`. */
  name?: string;
  tracker?: ActivityTracker;
}

/** An in-process worker with the real activities (as test/support/e2e.ts), from the shared bundle. */
export async function createControlWorker(options: ControlWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    resolveSecret: createSecretResolver(),
    logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
    metrics: new StreamMetrics(),
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? inject('temporalNamespace'),
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: options.tracker ? options.tracker.wrap(options.name ?? 'worker', activities) : activities,
    maxHeartbeatThrottleInterval: '500ms',
    shutdownGraceTime: '5s',
  });
}

/** Runs `worker` in the background; `stop()` shuts it down and waits for it (idempotent). */
export function runInBackground(worker: Worker): { running: Promise<void>; stop(): Promise<void> } {
  const running = worker.run();
  running.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    running,
    stop() {
      stopping ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
      })();
      return stopping;
    },
  };
}
