// The chaos harness: one stream of a seeded random workload (multi-shard, multi-table, inserts, updates,
// deletes, primary-key updates, online DDL) from the test vtgate into PostgreSQL, while the harness keeps
// breaking things — kill -9 of the worker process (at random, inside a sink transaction, inside the checkpoint
// commit, during the copy), PostgreSQL restarts and crashes, VStream failures (UNAVAILABLE, INTERNAL, inside a
// transaction, refused calls), Temporal dev server restarts, pause/resume. At the end the mirror must equal the
// source exactly and the changelog must hold every change once, in binlog order per shard (verify.ts).
//
// It runs its OWN PostgreSQL cluster and Temporal dev server (it restarts both), and its workers as child
// processes (`node bin/vstream-relay.js worker`), so nothing shared with other test files is disturbed.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { startPostgres, type PostgresServer } from '../../src/devtools/postgres-server.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/devtools/temporal-server.js';
import { startTestVtgate, type TestVtgate } from '../../src/devtools/vtgate/index.js';
import { VEventType, VtrpcCode } from '../../src/vstream/constants.js';
import type { StreamConfigInput } from '../../src/config/stream-config.js';
import { pauseUpdate, resumeUpdate, statusQuery, stopSignal } from '../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../src/workflows/stream-workflow.js';
import {
  readCheckpoint,
  seededRandom,
  sleep,
  startWorkerProcess,
  tempLogDir,
  withFreshClient,
  type StoredCheckpoint,
  type WorkerProcess,
} from '../support/e2e-recovery.js';
import { binlogMarks, checkChangelog, describeMirrorDiffs, diffMirror, expectedChanges } from './verify.js';
import { CHAOS_KEYS, CHAOS_KEYSPACE, CHAOS_TABLES, ChaosWorkload } from './workload.js';

export type ChaosAction =
  | 'kill-worker'
  | 'postgres-restart'
  | 'postgres-crash'
  | 'stream-fault'
  | 'temporal-restart'
  | 'pause-resume';

export interface ChaosOptions {
  /** Length of the live phase (workload + faults), seconds. */
  seconds: number;
  seed: number;
  shards?: string[];
  /** Rows per table loaded before the stream starts (the copy phase). */
  preloadRowsPerTable?: number;
  /** Worker kills while the copy runs. */
  midCopyKills?: number;
  ratePerSecond?: number;
  ddlEveryMs?: number;
  /** Relative weights of the faults (default: all equal). */
  weights?: Partial<Record<ChaosAction, number>>;
  /** Pause between two faults, ms (uniform in [min, max]). */
  gapMs?: { min: number; max: number };
  /** Extra worker environment (e.g. a payload key). */
  workerEnv?: Record<string, string>;
  /** Progress lines (the timeline); default none. */
  log?: (line: string) => void;
}

export interface ChaosCounts {
  workerKills: number;
  midCopyKills: number;
  midTransactionKills: number;
  midCommitKills: number;
  postgresRestarts: number;
  postgresCrashes: number;
  temporalRestarts: number;
  streamFaults: number;
  pauseResumes: number;
  /** Worker processes that exited by themselves (e.g. when Temporal was down too long). */
  workerExits: number;
}

export interface ChaosResult {
  seed: number;
  seconds: number;
  counts: ChaosCounts;
  ddl: number;
  transactions: number;
  rowsVerified: number;
  changesVerified: number;
  copyRows: number;
  recopiedRows: number;
  /** Longest time from a fault to the next commit, ms. */
  worstRecoveryMs: number;
  summary: string;
}

const STREAM_ID = 'chaos';
const RECOVERY_TIMEOUT_MS = 120_000;

const fmt = (n: number) => n.toLocaleString('en-US');

export function summaryLine(result: Omit<ChaosResult, 'summary'>): string {
  const c = result.counts;
  const n = (count: number, one: string, many = `${one}s`) => `${fmt(count)} ${count === 1 ? one : many}`;
  const kills = [
    c.midCopyKills && `${c.midCopyKills} mid-copy`,
    c.midTransactionKills && `${c.midTransactionKills} mid-transaction`,
    c.midCommitKills && `${c.midCommitKills} mid-commit`,
  ].filter(Boolean);
  return (
    `chaos: survived ${n(c.workerKills, 'worker kill')}${kills.length ? ` (${kills.join(', ')})` : ''}, ` +
    `${n(c.postgresRestarts + c.postgresCrashes, 'postgres restart')} (${n(c.postgresCrashes, 'crash', 'crashes')}), ` +
    `${n(c.temporalRestarts, 'temporal restart')}, ${n(c.streamFaults, 'stream fault')}, ` +
    `${n(c.pauseResumes, 'pause/resume', 'pause/resumes')}, ${n(result.ddl, 'DDL', 'DDL')}` +
    `${c.workerExits ? `, ${n(c.workerExits, 'worker exit')}` : ''}; ` +
    `verified ${n(result.rowsVerified, 'row')} and ${n(result.changesVerified, 'change')} ` +
    `(${n(result.transactions, 'transaction')}, ${n(result.copyRows, 'copied row')}, worst recovery ` +
    `${(result.worstRecoveryMs / 1000).toFixed(1)} s; seed ${result.seed}, ${result.seconds} s)`
  );
}

function streamConfig(vtgate: TestVtgate, envName: string): StreamConfigInput {
  return {
    streamId: STREAM_ID,
    source: {
      vtgate: { address: vtgate.address },
      keyspaces: [{ name: CHAOS_KEYSPACE }],
      heartbeatIntervalSeconds: 1,
    },
    sink: { postgres: { url: `env:${envName}` }, mode: 'both', batch: { maxRows: 500, maxDelayMs: 50 } },
    run: {
      progressIntervalSeconds: 1,
      // Runs end every so often (a new claim, a new VStream call, continue-as-new bookkeeping) besides the faults.
      activityRunSeconds: 20,
      heartbeatTimeoutSeconds: 6,
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 2,
    },
  };
}

/** Runs one chaos session; throws with the seed and the timeline when anything does not add up. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const seed = options.seed;
  const random = seededRandom(seed ^ 0x5eed);
  const logs = tempLogDir('vsr-chaos');
  const timelineFile = path.join(logs.dir, 'timeline.log');
  const started = Date.now();
  const note = (line: string) => {
    const text = `[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`;
    fs.appendFileSync(timelineFile, `${text}\n`);
    options.log?.(text);
  };
  const counts: ChaosCounts = {
    workerKills: 0,
    midCopyKills: 0,
    midTransactionKills: 0,
    midCommitKills: 0,
    postgresRestarts: 0,
    postgresCrashes: 0,
    temporalRestarts: 0,
    streamFaults: 0,
    pauseResumes: 0,
    workerExits: 0,
  };
  let postgres: PostgresServer | undefined;
  let temporal: TemporalDevServer | undefined;
  let vtgate: TestVtgate | undefined;
  let connection: Connection | undefined;
  let worker: WorkerProcess | undefined;
  let workload: ChaosWorkload | undefined;
  const workers: WorkerProcess[] = [];
  let copyDelayMs = 15;
  let succeeded = false;
  let stopping = false;
  const killed = new Set<WorkerProcess>();
  const kill9 = async () => {
    killed.add(worker!);
    await worker!.kill9();
  };

  try {
    const results = await Promise.allSettled([
      // synchronous_commit on: an acknowledged commit survives a SIGKILL of the server (see recovery tests).
      startPostgres({ settings: { synchronous_commit: 'on' } }),
      startTemporalDevServer(),
      startTestVtgate({
        keyspaces: [
          {
            name: CHAOS_KEYSPACE,
            shards: options.shards ?? ['-80', '80-'],
            tables: CHAOS_TABLES.map((t) => ({ ...t, columns: [...t.columns] })),
          },
        ],
        heartbeatUnitMs: 200,
        // Small packets: transactions and copy batches span several responses, so breaks land inside them.
        packetSize: 6_000,
        seed,
        hooks: { beforeCopyBatch: () => sleep(copyDelayMs) },
      }),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    postgres = (results[0] as PromiseFulfilledResult<PostgresServer>).value;
    temporal = (results[1] as PromiseFulfilledResult<TemporalDevServer>).value;
    vtgate = (results[2] as PromiseFulfilledResult<TestVtgate>).value;
    note(
      `postgres :${postgres.port}, temporal ${temporal.address}, vtgate ${vtgate.address}; logs in ${logs.dir}`,
    );

    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    const url = await postgres.createDatabase('chaos');
    const envName = 'VSR_CHAOS_PG_URL';
    const taskQueue = `chaos-${seed}`;
    const query = <T>(fn: (db: pg.Client) => Promise<T>) => withFreshClient(url, fn);
    const checkpoint = () => query(async (db) => readCheckpoint(db, STREAM_ID));
    const pgApp = `vstream-relay/${STREAM_ID}`;
    const v = vtgate;
    const pgServer = postgres;
    const temporalServer = temporal;

    const startWorker = async () => {
      worker = await startWorkerProcess({
        taskQueue,
        logDir: logs.dir,
        name: `worker-${workers.length}`,
        env: {
          TEMPORAL_ADDRESS: temporalServer.address,
          TEMPORAL_NAMESPACE: temporalServer.namespace,
          [envName]: url,
          ...options.workerEnv,
        },
      });
      workers.push(worker);
      const current = worker;
      void current.exited.then((code) => {
        if (!killed.has(current) && !stopping) {
          counts.workerExits++;
          note(`worker ${current.pid} exited by itself (${code})`);
        }
      });
    };
    const ensureWorker = async () => {
      const exited = await Promise.race([worker!.exited, sleep(0).then(() => undefined)]);
      if (exited !== undefined) await startWorker();
    };

    // ---------------------------------------------------------------------------------------------------------
    // Copy phase: preloaded rows, a stream started on them, the worker killed while it copies.
    workload = new ChaosWorkload(vtgate, seed);
    workload.preload(options.preloadRowsPerTable ?? 1_500);
    const preloaded = new Set<string>();
    for (const table of Object.keys(CHAOS_KEYS)) {
      for (const row of vtgate.rows(table, { keyspace: CHAOS_KEYSPACE })) {
        preloaded.add(`${table}|${CHAOS_KEYS[table]!.map((c) => String(row[c])).join('|')}`);
      }
    }
    await startWorker();
    const handle: WorkflowHandle<typeof vstreamToPostgres> = await client.workflow.start(vstreamToPostgres, {
      taskQueue,
      workflowId: `vstream-${STREAM_ID}`,
      args: [{ config: streamConfig(vtgate, envName) }],
    });
    note(`stream started on ${preloaded.size} preloaded rows`);

    const waitFor = async <T>(
      what: string,
      read: () => Promise<T>,
      ok: (v: T) => boolean,
      timeoutMs: number,
    ) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read().catch(() => undefined);
        if (value !== undefined && ok(value)) return value;
        if (Date.now() > deadline) {
          const last = JSON.stringify(value) ?? 'nothing';
          throw new Error(
            `timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${last.length > 1_500 ? `${last.slice(0, 1_500)}…` : last}`,
          );
        }
        await sleep(200);
      }
    };

    for (let k = 0; k < (options.midCopyKills ?? 1); k++) {
      const at = await waitFor(
        'copy batches',
        checkpoint,
        (c) => c !== null && c.batchSeq >= 2 + k * 3,
        RECOVERY_TIMEOUT_MS,
      );
      const copying = await query(async (db) => {
        const { rows } = await db.query<{ done: boolean }>(
          'SELECT copy_completed_at IS NOT NULL AS done FROM vstream_relay.checkpoints WHERE stream_id = $1',
          [STREAM_ID],
        );
        return !rows[0]?.done;
      });
      await sleep(Math.floor(random() * 400));
      await kill9();
      counts.workerKills++;
      if (copying) counts.midCopyKills++;
      note(
        `kill -9 worker during the copy (batch ${at!.batchSeq}, copy ${copying ? 'running' : 'already done'})`,
      );
      await startWorker();
    }
    // The copy finishes: every preloaded row in the mirror (the source does not change during the copy).
    await waitFor(
      'the copy to complete',
      () => query((db) => diffMirror(db, v)),
      (d) => d.diffs.length === 0,
      RECOVERY_TIMEOUT_MS,
    );
    copyDelayMs = 0;
    note('copy complete: the mirror equals the preloaded source');

    // ---------------------------------------------------------------------------------------------------------
    // Live phase: the workload runs while faults hit one after another, each followed by a recovery.
    const marks = binlogMarks(vtgate);
    workload.start({
      ratePerSecond: options.ratePerSecond ?? 25,
      ddlEveryMs: options.ddlEveryMs ?? 6_000,
      maxTransactions: Math.ceil((options.ratePerSecond ?? 25) * (options.seconds + 600)),
    });
    const weights = {
      'kill-worker': 3,
      'postgres-restart': 1,
      'postgres-crash': 1,
      'stream-fault': 3,
      'temporal-restart': 1,
      'pause-resume': 1,
      ...options.weights,
    } satisfies Record<ChaosAction, number>;
    // Every kind of fault once first (in a seeded order), so even a short run covers them all; then at random.
    const firstRound = (Object.keys(weights) as ChaosAction[]).filter((a) => weights[a] > 0);
    for (let i = firstRound.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [firstRound[i], firstRound[j]] = [firstRound[j]!, firstRound[i]!];
    }
    const pickAction = (): ChaosAction => {
      const next = firstRound.shift();
      if (next) return next;
      const entries = Object.entries(weights).filter(([, w]) => w > 0) as [ChaosAction, number][];
      let r = random() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [action, w] of entries) {
        r -= w;
        if (r < 0) return action;
      }
      return entries[0]![0];
    };

    const killWorker = async (): Promise<string> => {
      const mode = (['random', 'mid-transaction', 'mid-commit'] as const)[Math.floor(random() * 3)]!;
      let hit = false;
      if (mode !== 'random') {
        hit = await query(async (db) => {
          const deadline = Date.now() + 4_000;
          while (Date.now() < deadline) {
            const { rows } = await db.query<{ state: string; query: string; in_xact: boolean }>(
              `SELECT state, query, xact_start IS NOT NULL AS in_xact FROM pg_stat_activity WHERE application_name = $1`,
              [pgApp],
            );
            if (
              mode === 'mid-transaction' &&
              rows.some((r) => r.in_xact && !/^(BEGIN|COMMIT)/i.test(r.query))
            ) {
              return true;
            }
            if (
              mode === 'mid-commit' &&
              rows.some((r) => r.state === 'active' && /checkpoints|^COMMIT/i.test(r.query))
            ) {
              return true;
            }
          }
          return false;
        }).catch(() => false);
      } else {
        await sleep(Math.floor(random() * 1_500));
      }
      await kill9();
      counts.workerKills++;
      if (hit && mode === 'mid-transaction') counts.midTransactionKills++;
      if (hit && mode === 'mid-commit') counts.midCommitKills++;
      await startWorker();
      return `kill -9 worker (${mode}${mode !== 'random' ? (hit ? ', caught' : ', not caught in 4 s') : ''})`;
    };

    const streamFault = async (): Promise<string> => {
      counts.streamFaults++;
      const code = random() < 0.5 ? VtrpcCode.UNAVAILABLE : VtrpcCode.INTERNAL;
      const codeName = code === VtrpcCode.UNAVAILABLE ? 'UNAVAILABLE' : 'INTERNAL';
      const message =
        code === VtrpcCode.INTERNAL
          ? 'vttablet: rpc error: code = Internal desc = stream error (chaos)'
          : 'vtgate: stream broken by chaos';
      const r = random();
      if (r < 0.3) {
        const afterEvents = 1 + Math.floor(random() * 80);
        v.faults.breakStream({ afterEvents, code, message });
        return `${codeName} after ${afterEvents} events`;
      }
      if (r < 0.55) {
        v.faults.breakStream({ when: (e) => e.type === VEventType.ROW, code, message });
        return `${codeName} inside a transaction (after a ROW)`;
      }
      if (r < 0.75) {
        const n = 1 + Math.floor(random() * 3);
        v.faults.rejectCalls(n, VtrpcCode.UNAVAILABLE, 'vtgate: no healthy tablet available (chaos)');
        const broken = v.faults.failStreams(code, message);
        return `${codeName} now on ${broken} streams, then ${n} refused calls`;
      }
      const broken = v.faults.failStreams(code, message);
      return `${codeName} now on ${broken} streams`;
    };

    const pauseResume = async (): Promise<string> => {
      const call = async <T>(fn: () => Promise<T>) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 90_000);
        try {
          return await connection!.withAbortSignal(controller.signal, fn);
        } finally {
          clearTimeout(timer);
        }
      };
      const paused = await call(() => handle.executeUpdate(pauseUpdate, { args: ['chaos'] }));
      if (paused.state !== 'paused') throw new Error(`pause answered with state ${paused.state}`);
      const held = 200 + Math.floor(random() * 2_000);
      await sleep(held);
      const resumed = await call(() => handle.executeUpdate(resumeUpdate));
      if (resumed.state === 'paused') throw new Error('resume left the stream paused');
      counts.pauseResumes++;
      return `paused at batch ${paused.batchSeq} for ${held} ms, resumed`;
    };

    let worstRecoveryMs = 0;
    const deadline = Date.now() + options.seconds * 1000;
    const gap = options.gapMs ?? { min: 500, max: 3_000 };
    while (Date.now() < deadline) {
      await ensureWorker();
      const before = (await waitFor('a checkpoint', checkpoint, (c) => c !== null, RECOVERY_TIMEOUT_MS))!;
      const action = pickAction();
      const actionStarted = Date.now();
      let what: string;
      switch (action) {
        case 'kill-worker':
          what = await killWorker();
          break;
        case 'postgres-restart':
          await pgServer.restart();
          counts.postgresRestarts++;
          what = 'postgres restart (fast shutdown)';
          break;
        case 'postgres-crash':
          await pgServer.crashAndRestart();
          counts.postgresCrashes++;
          what = 'postgres crash (SIGKILL) and restart';
          break;
        case 'stream-fault':
          what = `stream fault: ${await streamFault()}`;
          break;
        case 'temporal-restart':
          await temporalServer.restart();
          counts.temporalRestarts++;
          what = `temporal dev server restart (${((Date.now() - actionStarted) / 1000).toFixed(1)} s down)`;
          break;
        case 'pause-resume':
          what = `pause/resume: ${await pauseResume()}`;
          break;
      }
      await ensureWorker();
      // Recovered once a later batch commits (a fault that ends the run also shows as a new claim/epoch).
      const after = await waitFor(
        `recovery from: ${what}`,
        checkpoint,
        (c) => c !== null && c.batchSeq > before.batchSeq && (!endsRun(action) || c.epoch > before.epoch),
        RECOVERY_TIMEOUT_MS,
      );
      const recoveryMs = Date.now() - actionStarted;
      worstRecoveryMs = Math.max(worstRecoveryMs, recoveryMs);
      note(
        `${what}; committing again after ${(recoveryMs / 1000).toFixed(1)} s (batch ${before.batchSeq} → ` +
          `${after!.batchSeq}, epoch ${before.epoch} → ${after!.epoch}; ${workload.stats.transactions} txns, ` +
          `${workload.stats.ddl} DDL so far)`,
      );
      await sleep(gap.min + Math.floor(random() * (gap.max - gap.min)));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Drain and verify.
    await workload.stop();
    v.faults.reset();
    await ensureWorker();
    note(`workload stopped after ${workload.stats.transactions} transactions and ${workload.stats.ddl} DDL`);
    const finalPositions = JSON.stringify(
      vtgate
        .currentVgtid([CHAOS_KEYSPACE])
        .shardGtids!.map((s) => [s.shard, s.gtid])
        .sort(),
    );
    const caughtUp = await waitFor(
      'the checkpoint to reach the source position',
      checkpoint,
      (c) => c !== null && samePositions(c, finalPositions),
      RECOVERY_TIMEOUT_MS,
    );
    const mirror = await query((db) => diffMirror(db, v));
    if (mirror.diffs.length > 0)
      throw new Error(`the mirror differs from the source: ${describeMirrorDiffs(mirror.diffs)}`);
    const expected = expectedChanges(vtgate, marks);
    const changelog = await query((db) => checkChangelog(db, STREAM_ID, 'changelog', expected, preloaded));
    if (changelog.problems.length > 0) throw new Error(`changelog: ${changelog.problems.join('; ')}`);
    const last = await query(async (db) => {
      const { rows } = await db.query<{ n: number }>(
        'SELECT coalesce(max(seq), 0)::int AS n FROM vstream_relay.changelog WHERE stream_id = $1',
        [STREAM_ID],
      );
      return rows[0]!.n;
    });
    if (caughtUp!.changelogSeq !== last) {
      throw new Error(`the checkpoint's changelog_seq ${caughtUp!.changelogSeq} is not the last seq ${last}`);
    }

    // The workflow agrees with the sink and stops cleanly with the committed position.
    const status = await handle.query(statusQuery);
    if (status.state === 'paused')
      throw new Error(`the stream ended up paused: ${JSON.stringify(status.lastError)}`);
    stopping = true;
    await handle.signal(stopSignal);
    const final = await Promise.race([
      handle.result(),
      sleep(90_000).then(() => Promise.reject(new Error('the workflow did not stop within 90 s'))),
    ]);
    const stored = await checkpoint();
    if (final.state !== 'stopped' || final.batchSeq !== stored!.batchSeq) {
      throw new Error(
        `stopped in state ${final.state} at batch ${final.batchSeq}; checkpoint at ${stored!.batchSeq}`,
      );
    }

    const result: Omit<ChaosResult, 'summary'> = {
      seed,
      seconds: options.seconds,
      counts,
      ddl: workload.stats.ddl,
      transactions: workload.stats.transactions,
      rowsVerified: mirror.rows,
      changesVerified: changelog.changes,
      copyRows: changelog.copyRows,
      recopiedRows: changelog.recopiedRows,
      worstRecoveryMs,
    };
    const summary = summaryLine(result);
    note(summary);
    succeeded = true;
    return { ...result, summary };
  } catch (err) {
    await dumpDiagnostics(postgres, logs.dir).catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `chaos run failed (seed ${seed}; replay with CHAOS_SEED=${seed} CHAOS_SECONDS=${options.seconds} ` +
        `npm run test:chaos; timeline and worker logs kept in ${logs.dir}): ${message}\n` +
        `${fs.existsSync(timelineFile) ? fs.readFileSync(timelineFile, 'utf8') : ''}`,
      { cause: err },
    );
  } finally {
    stopping = true;
    await workload?.stop().catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    await vtgate?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    if (succeeded) logs.remove();
  }
}

/** On failure: the checkpoint and the changelog (without row images) next to the timeline, for a post-mortem. */
async function dumpDiagnostics(postgres: PostgresServer | undefined, dir: string): Promise<void> {
  if (!postgres) return;
  await withFreshClient(postgres.connectionString('chaos'), async (db) => {
    const checkpoint = await db.query('SELECT * FROM vstream_relay.checkpoints');
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify(checkpoint.rows, null, 2));
    const changelog = await db.query(
      `SELECT seq, txn_seq, shard, table_name, op, is_copy, source_gtid, primary_key, recorded_at
         FROM vstream_relay.changelog ORDER BY seq`,
    );
    fs.writeFileSync(
      path.join(dir, 'changelog.jsonl'),
      changelog.rows.map((r) => JSON.stringify(r)).join('\n'),
    );
  });
}

/** Faults after which the stream must start a new run (a new claim, so a new epoch). */
function endsRun(action: ChaosAction): boolean {
  return action !== 'temporal-restart';
}

function samePositions(c: StoredCheckpoint, expected: string): boolean {
  const shards = (c.vgtid as { shard_gtids?: { shard: string; gtid: string }[] } | null)?.shard_gtids ?? [];
  return JSON.stringify(shards.map((s) => [s.shard, s.gtid]).sort()) === expected;
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return n;
}
