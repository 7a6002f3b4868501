// bench/recovery: a worker process is killed with SIGKILL in the middle of a stream under steady load, and a new
// worker process is started at once (as a supervisor restarting it would): the time from the kill to the first
// batch the new worker commits. Temporal only learns that the old worker is gone when its activity misses the
// heartbeat timeout, so that timeout is the baseline and the floor; the target is that timeout + 10 s.
// Commit times come from a trigger on the checkpoint table that NOTIFYs a listener here (see bench/stack.ts).
import { startTestVtgate, type TestVtgate } from '../src/devtools/vtgate/index.js';
import type { BenchResult } from './measure.js';
import {
  CommitListener,
  TABLE,
  benchDatabase,
  benchStreamConfig,
  connectTemporalClient,
  currentPosition,
  installCommitTrigger,
  orderRow,
  ordersKeyspace,
  quantile,
  sleep,
  startStream,
  startWorkerChild,
  stopStream,
  tempDir,
  type BenchPostgres,
  type BenchTemporal,
  type StreamHandle,
  type WorkerChild,
} from './stack.js';

export interface RecoveryOptions {
  /** Kills (each followed by a new worker). */
  repetitions: number;
  /** run.heartbeatTimeoutSeconds of the stream (the schema's minimum is 5). */
  heartbeatTimeoutSeconds: number;
  /** Source transactions per second during the whole benchmark, `rowsPerTransaction` updates each. */
  ratePerSecond: number;
  rowsPerTransaction: number;
}

const SLACK_SECONDS = 10;
const ROWS = 1_000;
const STREAM_ID = `bench-recovery-${process.pid}`;

interface Recovery {
  /** Seconds from the kill until the new worker polled its task queue, claimed the stream, committed. */
  polling: number;
  claimed: number;
  committed: number;
}

/** Updates of a fixed set of rows at a steady rate (the test vtgate's memory stays flat), until stopped. */
function steadyLoad(
  vtgate: TestVtgate,
  options: RecoveryOptions,
  maxSeconds: number,
): { stop(): Promise<void> } {
  let stopped = false;
  let n = 0;
  const started = performance.now();
  const loop = (async () => {
    while (!stopped && performance.now() - started < maxSeconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
      for (; n < due && !stopped; n++) {
        const ops = [];
        for (let r = 0; r < options.rowsPerTransaction; r++) {
          const id = (n * options.rowsPerTransaction + r) % ROWS;
          ops.push({
            op: 'update' as const,
            table: TABLE,
            where: { id },
            set: { quantity: n % 1000, note: `u${n}` },
          });
        }
        vtgate.run(ops);
      }
      await sleep(5);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export async function benchRecovery(
  postgres: BenchPostgres,
  temporalServer: BenchTemporal,
  options: RecoveryOptions,
): Promise<BenchResult> {
  // Old positions are dropped from the binlog; the stream never falls far behind.
  const vtgate = await startTestVtgate({ keyspaces: [ordersKeyspace()], binlogRetention: 200_000 });
  const db = await benchDatabase(postgres, 'bench_recovery');
  const logs = tempDir('vsr-bench-recovery');
  const temporal = await connectTemporalClient(temporalServer);
  const workers: WorkerChild[] = [];
  let handle: StreamHandle | undefined;
  let listener: CommitListener | undefined;
  let load: { stop(): Promise<void> } | undefined;
  const env = { VSR_BENCH_PG_RECOVERY: db.url };
  const taskQueue = `bench-recovery-${process.pid}`;
  try {
    const rows = [];
    for (let id = 0; id < ROWS; id++) rows.push(orderRow(id));
    vtgate.run([{ op: 'insert', table: TABLE, rows }]);
    const start = currentPosition(vtgate);
    await installCommitTrigger(db.url);
    listener = await CommitListener.open(db.url);

    const startWorker = (n: number) =>
      startWorkerChild({ temporal: temporalServer, taskQueue, logDir: logs.dir, name: `worker-${n}`, env });
    workers.push(await startWorker(0));
    // Bounded: every repetition takes well under a minute.
    load = steadyLoad(vtgate, options, 120 + options.repetitions * (options.heartbeatTimeoutSeconds + 60));
    handle = await startStream(
      temporal,
      taskQueue,
      benchStreamConfig({
        streamId: STREAM_ID,
        vtgateAddress: vtgate.address,
        start,
        pgUrlEnv: 'VSR_BENCH_PG_RECOVERY',
        maxDelayMs: 100,
        heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds,
      }),
    );

    const recoveries: Recovery[] = [];
    for (let rep = 1; rep <= options.repetitions; rep++) {
      // Let the current worker commit a few batches (and heartbeat), then kill it at a varying moment.
      const before = listener.events.length;
      const running = await listener.waitFor(
        `worker ${rep - 1} committing`,
        (e) => e.streamId === STREAM_ID && e.seq !== null,
        120_000,
        before,
      );
      await listener.waitFor(
        `worker ${rep - 1} committing more`,
        (e) => e.streamId === STREAM_ID && e.batchSeq >= running.batchSeq + 5,
        60_000,
        before,
      );
      await sleep(500 + ((rep * 1_237) % 2_500));
      const atKill = listener.events.at(-1)!;
      const killedAt = performance.now();
      await workers.at(-1)!.kill9();
      const afterKill = listener.events.length;
      const worker = await startWorker(rep);
      workers.push(worker);
      const claim = await listener.waitFor(
        'a new claim of the stream',
        (e) => e.streamId === STREAM_ID && e.epoch > atKill.epoch,
        120_000,
        afterKill,
      );
      const commit = await listener.waitFor(
        'the first commit of the new worker',
        (e) => e.streamId === STREAM_ID && e.epoch > atKill.epoch && e.batchSeq > claim.batchSeq,
        120_000,
        afterKill,
      );
      const recovery = {
        polling: (worker.readyAt - killedAt) / 1000,
        claimed: (claim.at - killedAt) / 1000,
        committed: (commit.at - killedAt) / 1000,
      };
      recoveries.push(recovery);
      process.stderr.write(
        `[recovery] kill ${rep}: new worker polling after ${recovery.polling.toFixed(1)} s, stream claimed after ` +
          `${recovery.claimed.toFixed(1)} s, first commit after ${recovery.committed.toFixed(1)} s\n`,
      );
    }

    const committed = recoveries.map((r) => r.committed);
    const median = quantile(committed, 0.5);
    const max = Math.max(...committed);
    const timeout = options.heartbeatTimeoutSeconds;
    const limit = timeout + SLACK_SECONDS;
    const list = (pick: (r: Recovery) => number) => recoveries.map((r) => pick(r).toFixed(1)).join(', ');
    return {
      name: 'recovery',
      value: median,
      unit: 's',
      ratio: median / timeout,
      baseline: `the stream's run.heartbeatTimeoutSeconds: ${timeout} s`,
      detail:
        `time from SIGKILL of the worker process (mid-stream, ${options.ratePerSecond} source transactions/s of ` +
        `${options.rowsPerTransaction} updates, mirror mode, maxDelayMs 100) to the first batch committed by a ` +
        `new worker process started right after the kill; median of ${recoveries.length} kills, max ` +
        `${max.toFixed(1)} s (each: ${list((r) => r.committed)} s; new worker polling after ${list((r) => r.polling)} s; ` +
        `stream claimed after ${list((r) => r.claimed)} s)`,
      target: { goal: `max ≤ heartbeat timeout + ${SLACK_SECONDS} s = ${limit} s`, met: max <= limit },
    };
  } finally {
    await load?.stop();
    if (handle) await stopStream(handle);
    for (const w of workers) await w.stop();
    await listener?.close();
    await temporal.close();
    await vtgate.close();
    await db.drop().catch(() => undefined);
    logs.remove();
  }
}
