// bench/memory: resident memory of the sink and the VStream client under load, each measured in a child process
// of its own (bench/memory-child.ts) so that nothing else this run holds shows in the figures.
//   memory-1m-txn:        peak RSS while ONE 1,000,000-row source transaction goes through PostgresSink (mirror).
//                         Baseline: the child's RSS right after start-up. Target: peak ≤ 400 MB.
//   memory-slow-consumer: RSS growth of a streamChanges() reader (small maxBufferedBytes) whose consumer runs at a
//                         tenth of the stream's pace over a large backlog on the test vtgate. Flat = bounded buffer.
//                         Baseline: the child's RSS at the 25% mark.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BenchPostgres } from './stack.js';
import { startTestVtgate, workloadKeyspace, runWorkload } from '../src/devtools/vtgate/index.js';
import { Vgtid } from '../src/vstream/vgtid.js';
import type { BenchResult } from './measure.js';
import { KEYSPACE, TABLE } from './sink-data.js';

const MB = 1024 * 1024;
const TARGET_MB = 400;
/** Growth after the 25% mark still counted as flat (GC and allocator noise): a share of the RSS there. */
const FLAT_FRACTION = 0.05;
const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the child with `node --import tsx`, returns its RESULT object; it is killed on timeout or failure. */
async function runChild<T>(mode: string, options: object, timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`memory child (${mode}) still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || line === undefined) throw new Error(`memory child (${mode}) failed (exit ${code})`);
    return JSON.parse(line.slice('RESULT '.length)) as T;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export async function benchBigTransaction(server: BenchPostgres, rows: number): Promise<BenchResult> {
  const name = 'bench_memory_big_txn';
  const url = await server.createDatabase(name);
  const admin = new pg.Client({ connectionString: server.connectionString() });
  await admin.connect();
  try {
    const result = await runChild<{
      startupRss: number;
      peakRss: number;
      seconds: number;
      flushes: number;
      maxBufferedRows: number;
    }>('big-txn', { url, rows }, 600_000);
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const { rows: counted } = await check.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${KEYSPACE}.${TABLE}`,
      );
      if (counted[0]!.n !== rows) throw new Error(`mirror holds ${counted[0]!.n} rows, expected ${rows}`);
    } finally {
      await check.end();
    }
    const peak = result.peakRss / MB;
    const startup = result.startupRss / MB;
    return {
      name: 'memory-1m-txn',
      value: peak,
      unit: 'MB',
      ratio: peak / startup,
      baseline: `the same child's RSS right after start-up: ${startup.toFixed(0)} MB`,
      detail:
        `peak RSS (sampled every 50 ms) of a child process applying ONE ${rows.toLocaleString('en-US')}-row source ` +
        `transaction (10 columns, ${result.flushes} flushes, ≤ ${result.maxBufferedRows.toLocaleString('en-US')} rows ` +
        `buffered) through PostgresSink in mirror mode in ${result.seconds.toFixed(1)} s; ratio = peak / start-up ` +
        `RSS (lower is better); peak is ${(peak / TARGET_MB).toFixed(2)}× the ${TARGET_MB} MB target`,
      target: { goal: `peak ≤ ${TARGET_MB} MB`, met: peak <= TARGET_MB },
    };
  } finally {
    await admin
      .query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
      .catch(() => undefined);
    await admin.end();
  }
}

export interface SlowConsumerOptions {
  /** Workload transactions queued on the test vtgate before the reader starts. */
  backlog: number;
  calibrateMs: number;
  durationMs: number;
  maxBufferedBytes: number;
}

interface SlowConsumerResult {
  startupRss: number;
  streamRate: number;
  consumedRate: number;
  consumed: number;
  seconds: number;
  samples: { t: number; rss: number }[];
}

/** RSS of the last sample taken at or before `t` ms. */
function rssAt(samples: readonly { t: number; rss: number }[], t: number): number {
  let rss = samples[0]!.rss;
  for (const s of samples) if (s.t <= t) rss = s.rss;
  return rss;
}

export async function benchSlowConsumer(options: SlowConsumerOptions): Promise<BenchResult> {
  const vtgate = await startTestVtgate({ keyspaces: [workloadKeyspace(KEYSPACE, ['-80', '80-'])] });
  try {
    // One transaction first, so that every shard has a position to start from; the backlog follows it.
    vtgate.run([
      {
        op: 'insert',
        table: 'products',
        keyspace: KEYSPACE,
        rows: { id: 4_000_000_000, sku: 'SKU-START', title: 'start', price: '1.00' },
      },
    ]);
    const start = Vgtid.fromProto(vtgate.currentVgtid([KEYSPACE]));
    // As fast as the model takes them, bounded by the count.
    const workload = runWorkload(vtgate, {
      ratePerSecond: 1_000_000,
      maxTransactions: options.backlog,
      seed: 7,
    });
    const queued = await workload.done;
    const result = await runChild<SlowConsumerResult>(
      'slow-consumer',
      {
        address: vtgate.address,
        vgtid: start.serialize(),
        calibrateMs: options.calibrateMs,
        durationMs: options.durationMs,
        maxBufferedBytes: options.maxBufferedBytes,
      },
      options.calibrateMs + options.durationMs + 120_000,
    );
    const duration = result.samples[result.samples.length - 1]!.t;
    const quarter = rssAt(result.samples, duration * 0.25);
    const end = rssAt(result.samples, duration);
    const peakAfterQuarter = Math.max(
      ...result.samples.filter((s) => s.t >= duration * 0.25).map((s) => s.rss),
    );
    const growth = (end - quarter) / MB;
    const window = Math.round((duration * 0.75) / 1000);
    return {
      name: 'memory-slow-consumer',
      value: growth,
      signed: true,
      unit: `MB over ${window} s`,
      ratio: end / quarter,
      baseline: `the same child's RSS at the 25% mark: ${(quarter / MB).toFixed(0)} MB`,
      detail:
        `RSS growth from the 25% to the 100% mark of a ${(duration / 1000).toFixed(0)} s streamChanges() read ` +
        `(maxBufferedBytes ${(options.maxBufferedBytes / 1024).toFixed(0)} KiB) of a ${queued.transactions.toLocaleString('en-US')}-transaction ` +
        `backlog on the test vtgate, consumer paced at ${Math.round(result.consumedRate).toLocaleString('en-US')} items/s ` +
        `= ${(result.streamRate / result.consumedRate).toFixed(1)}× slower than the unthrottled ` +
        `${Math.round(result.streamRate).toLocaleString('en-US')} items/s; peak after the 25% mark ` +
        `${(peakAfterQuarter / MB).toFixed(0)} MB, start-up ${(result.startupRss / MB).toFixed(0)} MB; ratio = RSS at ` +
        `100% / RSS at 25% (1.00 = flat)`,
      target: {
        goal: `flat: growth ≤ ${FLAT_FRACTION * 100}% of the RSS at 25%`,
        met: end - quarter <= FLAT_FRACTION * quarter,
      },
    };
  } finally {
    await vtgate.close();
  }
}
