// Child process of bench/memory.ts (`node --import tsx bench/memory-child.ts <mode> <json options>`), so that the
// parent's own heap (other benchmarks, the test vtgate) never shows in the figures. Samples its RSS every 50 ms
// and prints one `RESULT {json}` line on stdout when done.
//   big-txn:       applies ONE source transaction of `rows` inserts through PostgresSink (mirror mode).
//   slow-consumer: reads a VStream backlog from the test vtgate with streamChanges(), first as fast as it can
//                  (calibration), then paced at a tenth of that rate for `durationMs`.
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresSink } from '../src/sink/index.js';
import type { RowChange } from '../src/vstream/events.js';
import { VtgateConnection } from '../src/vstream/connection.js';
import { buildVStreamRequest } from '../src/vstream/request.js';
import { streamChanges } from '../src/vstream/stream.js';
import { Vgtid } from '../src/vstream/vgtid.js';
import { KEYSPACE, SCHEMA, SHARD, commitVgtid, rowValues, wireBytes } from './sink-data.js';

// Imports are evaluated before any statement of this module: this is the RSS of a started process, code loaded.
const startupRss = process.memoryUsage().rss;
const SAMPLE_MS = 50;
/** Row changes per `rows` item, about what one 8 KiB binlog ROW event holds for these rows. */
const ROWS_PER_ITEM = 50;

interface Sample {
  /** Milliseconds since the sampler started. */
  t: number;
  rss: number;
}

function startSampler(): { samples: Sample[]; peak: () => number; stop: () => void } {
  const samples: Sample[] = [];
  const started = Date.now();
  const sample = () => samples.push({ t: Date.now() - started, rss: process.memoryUsage().rss });
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    samples,
    peak: () => Math.max(...samples.map((s) => s.rss)),
    stop: () => {
      clearInterval(timer);
      sample();
    },
  };
}

async function bigTransaction(options: { url: string; rows: number }): Promise<Record<string, unknown>> {
  const sampler = startSampler();
  const { sink } = await PostgresSink.open({
    streamId: 'bench-memory',
    mode: 'mirror',
    connection: { connectionString: options.url },
  });
  try {
    const started = Date.now();
    await sink.write({ kind: 'begin', keyspace: KEYSPACE, shard: SHARD, timestamp: 1_700_000_000 });
    await sink.write({ kind: 'schema', schema: SCHEMA });
    let maxBufferedRows = 0;
    // Rows are made as they are fed, as the assembler would hand them over: only the sink holds any.
    for (let first = 0; first < options.rows; first += ROWS_PER_ITEM) {
      const changes: RowChange[] = [];
      let bytes = 0;
      for (let id = first; id < Math.min(first + ROWS_PER_ITEM, options.rows); id++) {
        const after = rowValues(id);
        bytes += wireBytes(after);
        changes.push({ op: 'insert', before: null, after });
      }
      await sink.write({ kind: 'rows', schema: SCHEMA, changes, copy: false, bytes });
      maxBufferedRows = Math.max(maxBufferedRows, sink.pending.bufferedRows);
    }
    await sink.write({
      kind: 'commit',
      keyspace: KEYSPACE,
      shard: SHARD,
      timestamp: 1_700_000_000,
      vgtid: commitVgtid(1),
    });
    const result = await sink.commit();
    if (result?.rows !== options.rows)
      throw new Error(`committed ${result?.rows} rows, expected ${options.rows}`);
    sampler.stop();
    return {
      startupRss,
      peakRss: sampler.peak(),
      seconds: (Date.now() - started) / 1000,
      flushes: result.flushes,
      maxBufferedRows,
      samples: sampler.samples.length,
    };
  } finally {
    sampler.stop();
    await sink.close();
  }
}

async function slowConsumer(options: {
  address: string;
  vgtid: string;
  calibrateMs: number;
  durationMs: number;
  maxBufferedBytes: number;
}): Promise<Record<string, unknown>> {
  const connection = new VtgateConnection({ address: options.address });
  try {
    await connection.waitForReady();
    const request = buildVStreamRequest(
      { keyspaces: [{ name: KEYSPACE }], tabletType: 'primary' },
      { kind: 'vgtid', vgtid: Vgtid.parse(options.vgtid) },
    );
    const streamOptions = { maxBufferedBytes: options.maxBufferedBytes };

    // Calibration: the stream's own pace, read as fast as this process can.
    let calibrated = 0;
    let started = Date.now();
    for await (const _item of streamChanges(connection, request, streamOptions)) {
      calibrated++;
      if (Date.now() - started >= options.calibrateMs) break;
    }
    const streamRate = calibrated / ((Date.now() - started) / 1000);
    if (Date.now() - started < options.calibrateMs) {
      throw new Error(`the backlog (${calibrated} items) ran out during calibration: make it larger`);
    }

    // The slow consumer: a sleep whenever it is ahead of a tenth of the stream's pace.
    const consumerRate = streamRate / 10;
    const sampler = startSampler();
    let consumed = 0;
    let ranOut = true;
    started = Date.now();
    try {
      for await (const _item of streamChanges(connection, request, streamOptions)) {
        consumed++;
        const elapsed = Date.now() - started;
        if (elapsed >= options.durationMs) {
          ranOut = false;
          break;
        }
        const ahead = (consumed / consumerRate) * 1000 - elapsed;
        if (ahead >= 1) await sleep(ahead);
      }
    } finally {
      sampler.stop();
    }
    if (ranOut) throw new Error(`the backlog ran out after ${consumed} items: make it larger`);
    const seconds = (Date.now() - started) / 1000;
    return {
      startupRss,
      streamRate,
      consumedRate: consumed / seconds,
      consumed,
      seconds,
      samples: sampler.samples,
    };
  } finally {
    connection.close();
  }
}

const [mode, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}') as never;
try {
  const result =
    mode === 'big-txn'
      ? await bigTransaction(options)
      : mode === 'slow-consumer'
        ? await slowConsumer(options)
        : undefined;
  if (result === undefined) throw new Error(`unknown mode ${mode}`);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
