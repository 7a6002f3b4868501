// bench/sink: source row changes applied through the real PostgresSink (changelog and mirror modes), against a
// plain COPY of the same values into an equivalent table in the same run.
// Ours: begin/rows/commit items of 100-row source transactions written with sink.write(), sink.commit() whenever
// shouldCommit() says so (default thresholds), timed from the first write to the last commit. Baseline: one
// COPY … FROM STDIN (text format, pg-copy-streams) of the same decoded values, formatted as COPY text while
// streaming (as any client must), into a table with the mirror table's columns, types and primary key, in one
// transaction. Every trial gets a fresh database, so no trial inherits another's table or index.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresServer } from '../src/devtools/postgres-server.js';
import { PostgresSink } from '../src/sink/index.js';
import type { StreamItem } from '../src/vstream/events.js';
import type { BenchResult } from './measure.js';
import { KEYSPACE, ROWS_PER_TXN, TABLE, buildTransactions, copyText, plainTableDdl } from './sink-data.js';

type Mode = 'copy' | 'changelog' | 'mirror';

interface Workload {
  rows: number;
  items: StreamItem[];
}

export interface SinkBenchOptions {
  /** Row changes per trial (rounded up to whole 100-row transactions). */
  rows: number;
  /** Trials per mode; the best one counts. */
  runs: number;
  /** Rows of one untimed warm-up trial per mode (JIT, prepared statements, caches). */
  warmupRows: number;
}

let databases = 0;

function workload(rows: number): Workload {
  const transactions = Math.ceil(rows / ROWS_PER_TXN);
  return {
    rows: transactions * ROWS_PER_TXN,
    items: buildTransactions(transactions),
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function countRows(url: string, sql: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(sql);
    return rows[0]!.n;
  });
}

/** Seconds the COPY of the rows takes (BEGIN to COMMIT), formatting the text included. */
async function copyTrial(url: string, data: Workload): Promise<number> {
  const table = plainTableDdl('public', 'orders_copy');
  return withClient(url, async (client) => {
    await client.query(table.create);
    const start = process.hrtime.bigint();
    await client.query('BEGIN');
    await pipeline(Readable.from(copyText(data.items)), client.query(copyFrom(table.copy)));
    await client.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table.name}`);
    if (rows[0]!.n !== data.rows) throw new Error(`COPY stored ${rows[0]!.n} rows, expected ${data.rows}`);
    return seconds;
  });
}

/** Seconds from the first sink.write() to the last sink.commit(); opening and closing the sink are not timed. */
async function sinkTrial(url: string, mode: 'changelog' | 'mirror', data: Workload): Promise<number> {
  const { sink } = await PostgresSink.open({
    streamId: `bench-${mode}`,
    mode,
    connection: { connectionString: url },
  });
  let seconds: number;
  try {
    const start = process.hrtime.bigint();
    for (const item of data.items) {
      await sink.write(item);
      if (item.kind === 'commit' && sink.shouldCommit()) await sink.commit();
    }
    await sink.commit();
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    await sink.close();
  }
  const stored =
    mode === 'mirror'
      ? await countRows(url, `SELECT count(*)::int AS n FROM ${KEYSPACE}.${TABLE}`)
      : await countRows(
          url,
          'SELECT count(source_gtid)::int AS n FROM vstream_relay.changelog WHERE stream_id = $$bench-changelog$$',
        );
  if (stored !== data.rows) throw new Error(`sink (${mode}) stored ${stored} rows, expected ${data.rows}`);
  return seconds;
}

async function trial(server: PostgresServer, mode: Mode, data: Workload): Promise<number> {
  const name = `bench_sink_${mode}_${++databases}`;
  const url = await server.createDatabase(name);
  try {
    return mode === 'copy' ? await copyTrial(url, data) : await sinkTrial(url, mode, data);
  } finally {
    await withClient(server.connectionString(), (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
    );
  }
}

export async function benchSink(server: PostgresServer, options: SinkBenchOptions): Promise<BenchResult[]> {
  const modes: Mode[] = ['copy', 'changelog', 'mirror'];
  const warmup = workload(options.warmupRows);
  for (const mode of modes) await trial(server, mode, warmup);
  const data = workload(options.rows);
  const best: Record<Mode, number> = { copy: Infinity, changelog: Infinity, mirror: Infinity };
  // Modes take turns, so a slow spell on the machine does not hit one mode's trials only.
  for (let run = 0; run < options.runs; run++) {
    for (const mode of modes) best[mode] = Math.min(best[mode], await trial(server, mode, data));
  }
  const copyRate = data.rows / best.copy;
  const baseline = `plain COPY (text format, pg-copy-streams) of the same values into an equivalent table: ${Math.round(copyRate).toLocaleString('en-US')} rows/s`;
  const goals = { changelog: 0.5, mirror: 0.3 };
  return (['changelog', 'mirror'] as const).map((mode) => {
    const rate = data.rows / best[mode];
    const ratio = rate / copyRate;
    return {
      name: `sink-${mode}`,
      value: rate,
      unit: 'rows/s',
      ratio,
      baseline,
      detail:
        `${data.rows.toLocaleString('en-US')} inserts of 10 columns in ${ROWS_PER_TXN}-row source transactions ` +
        `through PostgresSink (${mode} mode, default commit thresholds), best of ${options.runs} runs`,
      target: { goal: `≥ ${goals[mode]}× COPY (${ratio.toFixed(3)}×)`, met: ratio >= goals[mode] },
    };
  });
}
