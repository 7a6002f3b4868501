// bench/e2e: the whole path — VStream source → a real worker process (the stream activity under a real Temporal
// dev server) → PostgreSQL, mirror mode, the 10-column rows of bench/sink-data.ts.
//   e2e-mirror:      sustained row changes/s of 100-row source transactions served as fast as the worker takes
//                    them, from the first committed batch to the last (default batch thresholds). Baseline: a plain
//                    COPY of the same rows into an equivalent table on the same Postgres, in the same run.
//   e2e-latency-p99: commit latency of each source transaction — from the moment the source hands it to gRPC to
//                    the moment the batch holding it is committed and visible — at a fixed rate, with a
//                    low-latency batch setting (maxDelayMs). Baseline: the least any batching pipeline with that
//                    setting needs, maxDelayMs plus one direct COPY + COMMIT of a window's rows (median, this run).
// The source: the test vtgate's responses for the load, recorded once before the clock starts and replayed byte
// for byte (bench/stack.ts ReplayVtgate), so the test vtgate's own rendering of the rows — work a real vtgate
// does on other machines — does not compete for this machine's cores with the worker and Postgres.
// Commit times: a trigger on the checkpoint table NOTIFYs a listener in this process on every batch commit.
// Experiments: BENCH_E2E_MAX_ROWS=<n> sets sink.batch.maxRows of the throughput runs (the figures use the default).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startTestVtgate, type TestVtgate } from '../src/devtools/vtgate/index.js';
import { copyLine } from '../src/sink/copy-text.js';
import type { Vgtid } from '../src/vstream/vgtid.js';
import type { BenchResult } from './measure.js';
import { plainTableDdl, rowValues } from './sink-data.js';
import { copyBaselineRate } from './sink.js';
import {
  CommitListener,
  ReplayVtgate,
  TABLE,
  KEYSPACE,
  benchDatabase,
  benchStreamConfig,
  connectTemporalClient,
  cpuSeconds,
  currentPosition,
  gtidSeq,
  installCommitTrigger,
  orderRow,
  ordersKeyspace,
  quantile,
  startStream,
  startWorkerChild,
  stopStream,
  tempDir,
  recordTransactions,
  type BenchPostgres,
  type BenchTemporal,
  type RecordedTransaction,
  type WorkerChild,
} from './stack.js';

export interface E2eOptions {
  throughput: {
    /** 100-row source transactions per run. */
    transactions: number;
    /** Runs (each into a fresh database, same worker); the best counts. */
    runs: number;
  };
  latency: {
    ratePerSecond: number;
    rowsPerTransaction: number;
    /** Sent before the measured part, not counted (JIT, connection warm-up). */
    warmupSeconds: number;
    seconds: number;
    /** sink.batch.maxDelayMs of the latency stream. */
    maxDelayMs: number;
  };
  /** Write the worker's CPU profile (`node --cpu-prof`) into this folder. */
  profileDir?: string;
}

const THROUGHPUT_ROWS_PER_TXN = 100;
/** The stream config's default commit delay (sink.batch.maxDelayMs), used by the throughput runs. */
const DEFAULT_MAX_DELAY_MS = 500;
const THROUGHPUT_TARGET = 30_000;
const LATENCY_TARGET_MS = 250;
/** BENCH_E2E_MAX_ROWS, for experiments with sink.batch.maxRows (the config's default, 5,000, otherwise). */
const MAX_ROWS_OVERRIDE =
  process.env.BENCH_E2E_MAX_ROWS === undefined ? undefined : Number(process.env.BENCH_E2E_MAX_ROWS);
/** Direct commits timed for the latency baseline. */
const DIRECT_COMMITS = 50;
/** Latency rows get ids far above the throughput rows'. */
const LATENCY_FIRST_ID = 100_000_000;

interface Load {
  start: Vgtid;
  transactions: RecordedTransaction[];
}

interface Loads {
  throughput: Load;
  latency: Load;
}

/** Writes both loads into a test vtgate and records its responses for them (none of this is timed). */
async function prepareLoads(options: E2eOptions): Promise<Loads> {
  const vtgate: TestVtgate = await startTestVtgate({ keyspaces: [ordersKeyspace()] });
  try {
    // One transaction first, so that the shard has a position to start from.
    vtgate.run([{ op: 'insert', table: TABLE, rows: { id: -1 } }]);
    const tputStart = currentPosition(vtgate);
    let tputEnd = 0;
    let id = 0;
    for (let t = 0; t < options.throughput.transactions; t++) {
      const rows = [];
      for (let r = 0; r < THROUGHPUT_ROWS_PER_TXN; r++) rows.push(orderRow(id++));
      tputEnd = gtidSeqOf(vtgate.run([{ op: 'insert', table: TABLE, rows }]));
    }
    const latencyStart = currentPosition(vtgate);
    const { latency } = options;
    const latencyTxns = Math.ceil((latency.warmupSeconds + latency.seconds) * latency.ratePerSecond);
    let latencyEnd = 0;
    id = LATENCY_FIRST_ID;
    for (let t = 0; t < latencyTxns; t++) {
      const rows = [];
      for (let r = 0; r < latency.rowsPerTransaction; r++) rows.push(orderRow(id++));
      latencyEnd = gtidSeqOf(vtgate.run([{ op: 'insert', table: TABLE, rows }]));
    }
    const throughput = await recordTransactions(vtgate, tputStart, tputEnd);
    const latencyRecorded = await recordTransactions(vtgate, latencyStart, latencyEnd);
    for (const [load, n] of [
      [throughput, options.throughput.transactions],
      [latencyRecorded, latencyTxns],
    ] as const) {
      if (load.length !== n) throw new Error(`recorded ${load.length} transactions, expected ${n}`);
    }
    return {
      throughput: { start: tputStart, transactions: throughput },
      latency: { start: latencyStart, transactions: latencyRecorded },
    };
  } finally {
    await vtgate.close();
  }
}

function gtidSeqOf(result: { positions: { gtid: string }[] }): number {
  return gtidSeq(result.positions[0]!.gtid);
}

async function countMirrorRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${KEYSPACE}.${TABLE}`);
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

interface ThroughputRun {
  rate: number;
  /** CPU seconds per 100,000 rows between the first and the last commit: worker, Postgres, this process. */
  cpu: { worker: number; postgres: number; source: number };
  rows: number;
  seconds: number;
  batches: number;
  /** From the source's first response to the last commit, worker start-up of the stream included. */
  totalSeconds: number;
}

async function throughputRun(
  temporal: Awaited<ReturnType<typeof connectTemporalClient>>,
  pids: { worker: number; postgres: number | undefined },
  taskQueue: string,
  db: { url: string },
  env: string,
  streamId: string,
  load: Load,
): Promise<ThroughputRun> {
  const replay = await ReplayVtgate.start({ transactions: load.transactions, ratePerSecond: Infinity });
  const listener = await CommitListener.open(db.url);
  const lastSeq = load.transactions.at(-1)!.seq;
  const handle = await startStream(
    temporal,
    taskQueue,
    benchStreamConfig({
      streamId,
      vtgateAddress: replay.address,
      start: load.start,
      pgUrlEnv: env,
      maxDelayMs: DEFAULT_MAX_DELAY_MS,
      maxRows: MAX_ROWS_OVERRIDE,
    }),
  );
  try {
    const totalRows = load.transactions.reduce((n, t) => n + t.rows, 0);
    const sampleCpu = () => {
      const [worker, postgres] = cpuSeconds([
        { pid: pids.worker },
        { pid: pids.postgres ?? 0, withChildren: true },
      ]);
      return {
        worker: worker!,
        postgres: pids.postgres === undefined ? 0 : postgres!,
        source: process.cpuUsage(),
      };
    };
    await listener.waitFor('the first commit', (e) => e.streamId === streamId && e.seq !== null, 60_000);
    const cpuAtFirst = sampleCpu();
    const last = await listener.waitFor(
      'the last transaction to commit',
      (e) => e.streamId === streamId && e.seq !== null && e.seq >= lastSeq,
      60_000 + totalRows / 5,
    );
    if (replay.calls !== 1) throw new Error(`the worker opened ${replay.calls} VStream calls, expected one`);
    const commits = listener.events.filter((e) => e.streamId === streamId && e.seq !== null);
    const first = commits[0]!;
    // Rows committed after the first batch, over the time between the first and the last commit (a load that
    // fits in one batch: all rows, from the first response sent).
    const oneBatch = first === last;
    const rows = oneBatch
      ? totalRows
      : load.transactions.filter((t) => t.seq > first.seq!).reduce((n, t) => n + t.rows, 0);
    const seconds = (last.at - (oneBatch ? replay.firstSentAt! : first.at)) / 1000;
    const cpuAtLast = sampleCpu();
    const source = process.cpuUsage(cpuAtFirst.source);
    const per100k = (v: number) => (v * 100_000) / rows;
    const cpu = {
      worker: per100k(cpuAtLast.worker - cpuAtFirst.worker),
      postgres: per100k(cpuAtLast.postgres - cpuAtFirst.postgres),
      source: per100k((source.user + source.system) / 1e6),
    };
    const stored = await countMirrorRows(db.url);
    if (stored !== totalRows) throw new Error(`the mirror holds ${stored} rows, expected ${totalRows}`);
    return {
      rate: rows / seconds,
      cpu,
      rows,
      seconds,
      batches: commits.length,
      totalSeconds: (last.at - replay.firstSentAt!) / 1000,
    };
  } finally {
    await stopStream(handle);
    await listener.close();
    await replay.close();
  }
}

/** Median seconds of a direct COPY + COMMIT of `rows` rows into a plain table with the mirror's columns. */
async function directCommitMedian(url: string, rows: number, reps: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = plainTableDdl('public', 'direct_commit');
    await client.query(table.create);
    const text = (v: unknown) => (v === null ? null : String(v));
    const times: number[] = [];
    let id = 0;
    for (let rep = 0; rep < reps + 3; rep++) {
      let data = '';
      for (let r = 0; r < rows; r++) data += copyLine(rowValues(id++).map(text));
      const started = performance.now();
      await client.query('BEGIN');
      await pipeline(Readable.from([data]), client.query(copyFrom(table.copy)));
      await client.query('COMMIT');
      if (rep >= 3) times.push(performance.now() - started);
    }
    return quantile(times, 0.5) / 1000;
  } finally {
    await client.end();
  }
}

interface LatencyRun {
  p50: number;
  p99: number;
  max: number;
  measured: number;
  sendRate: number;
  batches: number;
}

async function latencyRun(
  temporal: Awaited<ReturnType<typeof connectTemporalClient>>,
  taskQueue: string,
  db: { url: string },
  env: string,
  load: Load,
  options: E2eOptions['latency'],
): Promise<LatencyRun> {
  const streamId = `bench-e2e-latency-${process.pid}`;
  const replay = await ReplayVtgate.start({
    transactions: load.transactions,
    ratePerSecond: options.ratePerSecond,
  });
  const listener = await CommitListener.open(db.url);
  const lastSeq = load.transactions.at(-1)!.seq;
  const handle = await startStream(
    temporal,
    taskQueue,
    benchStreamConfig({
      streamId,
      vtgateAddress: replay.address,
      start: load.start,
      pgUrlEnv: env,
      maxDelayMs: options.maxDelayMs,
    }),
  );
  try {
    await listener.waitFor(
      'the last transaction to commit',
      (e) => e.streamId === streamId && e.seq !== null && e.seq >= lastSeq,
      120_000 + (options.warmupSeconds + options.seconds) * 2_000,
    );
    if (replay.calls !== 1) throw new Error(`the worker opened ${replay.calls} VStream calls, expected one`);
    const totalRows = load.transactions.reduce((n, t) => n + t.rows, 0);
    const stored = await countMirrorRows(db.url);
    if (stored !== totalRows) throw new Error(`the mirror holds ${stored} rows, expected ${totalRows}`);
    const commits = listener.events.filter((e) => e.streamId === streamId && e.seq !== null);
    const warmup = Math.round(options.warmupSeconds * options.ratePerSecond);
    const latencies: number[] = [];
    let c = 0;
    for (let i = warmup; i < load.transactions.length; i++) {
      const seq = load.transactions[i]!.seq;
      while (commits[c]!.seq! < seq) c++;
      latencies.push(commits[c]!.at - replay.sentAt[i]!);
    }
    const measuredSpan = (replay.sentAt.at(-1)! - replay.sentAt[warmup]!) / 1000;
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: Math.max(...latencies),
      measured: latencies.length,
      sendRate: (latencies.length - 1) / measuredSpan,
      batches: commits.filter((e) => e.seq! > load.transactions[warmup]!.seq).length,
    };
  } finally {
    await stopStream(handle);
    await listener.close();
    await replay.close();
  }
}

export async function benchE2e(
  postgres: BenchPostgres,
  temporalServer: BenchTemporal,
  options: E2eOptions,
): Promise<BenchResult[]> {
  const loads = await prepareLoads(options);
  const tputRows = options.throughput.transactions * THROUGHPUT_ROWS_PER_TXN;
  const copyRate = await copyBaselineRate(postgres, options.throughput.transactions, 3);

  const dbs = [];
  const logs = tempDir('vsr-bench-e2e');
  const temporal = await connectTemporalClient(temporalServer);
  let worker: WorkerChild | undefined;
  try {
    for (let r = 0; r <= options.throughput.runs; r++) {
      const db = await benchDatabase(
        postgres,
        r < options.throughput.runs ? `bench_e2e_tput_${r}` : 'bench_e2e_latency',
      );
      await installCommitTrigger(db.url);
      dbs.push({ ...db, env: `VSR_BENCH_PG_${r}` });
    }
    const taskQueue = `bench-e2e-${process.pid}`;
    worker = await startWorkerChild({
      temporal: temporalServer,
      taskQueue,
      logDir: logs.dir,
      name: 'worker',
      env: Object.fromEntries(dbs.map((d) => [d.env, d.url])),
      cpuProfileDir: options.profileDir,
    });

    const runs: ThroughputRun[] = [];
    for (let r = 0; r < options.throughput.runs; r++) {
      const db = dbs[r]!;
      runs.push(
        await throughputRun(
          temporal,
          { worker: worker.pid, postgres: postgres.pid?.() },
          taskQueue,
          db,
          db.env,
          `bench-e2e-tput-${r}-${process.pid}`,
          loads.throughput,
        ),
      );
      process.stderr.write(
        `[e2e] throughput run ${r + 1}: ${Math.round(runs.at(-1)!.rate).toLocaleString('en-US')} row changes/s ` +
          `(${runs.at(-1)!.batches} batches, ${runs.at(-1)!.totalSeconds.toFixed(1)} s from the first response; ` +
          `CPU s per 100k rows: worker ${runs.at(-1)!.cpu.worker.toFixed(2)}, postgres ` +
          `${runs.at(-1)!.cpu.postgres.toFixed(2)}, source ${runs.at(-1)!.cpu.source.toFixed(2)})\n`,
      );
    }
    const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));

    const latencyDb = dbs.at(-1)!;
    const { latency } = options;
    const windowRows = Math.max(
      1,
      Math.round(((latency.maxDelayMs * latency.ratePerSecond) / 1000) * latency.rowsPerTransaction),
    );
    const direct = await directCommitMedian(latencyDb.url, windowRows, DIRECT_COMMITS);
    const baselineMs = latency.maxDelayMs + direct * 1000;
    const lat = await latencyRun(temporal, taskQueue, latencyDb, latencyDb.env, loads.latency, latency);

    const ratio = best.rate / copyRate;
    const rate = (n: number) => Math.round(n).toLocaleString('en-US');
    return [
      {
        name: 'e2e-mirror',
        value: best.rate,
        unit: 'row changes/s',
        ratio,
        baseline: `plain COPY (text format) of the same ${rate(tputRows)} rows into an equivalent table on the same Postgres: ${rate(copyRate)} rows/s`,
        detail:
          `${rate(tputRows)} inserts of 10 columns in ${THROUGHPUT_ROWS_PER_TXN}-row source transactions, replayed from ` +
          `a recording of the test vtgate as fast as the worker reads, through a worker process (stream activity ` +
          `under the Temporal dev server) into Postgres in mirror mode with ` +
          (MAX_ROWS_OVERRIDE === undefined
            ? `the default batch thresholds (maxRows 5,000, maxDelayMs ${DEFAULT_MAX_DELAY_MS})`
            : `batch.maxRows ${rate(MAX_ROWS_OVERRIDE)} (BENCH_E2E_MAX_ROWS) and maxDelayMs ${DEFAULT_MAX_DELAY_MS}`) +
          `; rate from the first to the last batch commit ` +
          `(${rate(best.rows)} rows in ${best.seconds.toFixed(2)} s, ${best.batches} batches), best of ` +
          `${options.throughput.runs} runs (${runs.map((r) => rate(r.rate)).join(', ')}); CPU seconds per ` +
          `100,000 rows in that run: worker process ${best.cpu.worker.toFixed(2)}, Postgres ` +
          `${best.cpu.postgres.toFixed(2)}, replay source and listener ${best.cpu.source.toFixed(2)}`,
        target: {
          goal: `≥ ${rate(THROUGHPUT_TARGET)} row changes/s`,
          met: best.rate >= THROUGHPUT_TARGET,
        },
      },
      {
        name: 'e2e-latency-p99',
        value: lat.p99,
        unit: 'ms',
        ratio: lat.p99 / baselineMs,
        baseline:
          `maxDelayMs (${latency.maxDelayMs} ms) + the median time of a direct COPY + COMMIT of one window's ` +
          `${windowRows} rows into an equivalent table (${(direct * 1000).toFixed(1)} ms, ${DIRECT_COMMITS} tries): ` +
          `${baselineMs.toFixed(0)} ms`,
        detail:
          `commit latency (source hands the transaction to gRPC → its batch is committed, seen by a LISTEN on a ` +
          `checkpoint trigger) of ${lat.measured.toLocaleString('en-US')} source transactions of ` +
          `${latency.rowsPerTransaction} 10-column inserts at ${rate(lat.sendRate)} transactions/s ` +
          `(${rate(lat.sendRate * latency.rowsPerTransaction)} row changes/s) for ${latency.seconds} s after ` +
          `${latency.warmupSeconds} s of warm-up, mirror mode, sink.batch.maxDelayMs ${latency.maxDelayMs}; ` +
          `p50 ${lat.p50.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, max ${lat.max.toFixed(1)} ms, ` +
          `${lat.batches} batches`,
        target: {
          goal: `p99 ≤ ${LATENCY_TARGET_MS} ms`,
          met: lat.p99 <= LATENCY_TARGET_MS,
        },
      },
    ];
  } finally {
    await worker?.stop();
    await temporal.close();
    for (const db of dbs) await db.drop().catch(() => undefined);
    logs.remove();
  }
}
