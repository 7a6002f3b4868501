// bench/sink: source row changes applied through the real PostgresSink (changelog and mirror modes), against a
// plain COPY of the same values into an equivalent table in the same run.
// Ours: begin/rows/commit items of 100-row source transactions written with sink.write(), sink.commit() whenever
// shouldCommit() says so (default thresholds), timed from the first write to the last commit. Baseline: one
// COPY … FROM STDIN (text format, pg-copy-streams) of the same decoded values, formatted as COPY text while
// streaming (as any client must), into a table with the mirror table's columns, types and primary key, in one
// transaction. Every trial gets a fresh database, so no trial inherits another's table or index.
// Where the changelog's time goes: its own rows (captured with COPY … TO from a changelog trial) COPYed back by
// Postgres alone, with no client work — into the changelog table as the sink creates it, and into the same table
// with text instead of jsonb columns. Both are reported in the changelog's detail.
import { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ensureChangelogTable } from '../src/sink/control-schema.js';
import { PostgresSink } from '../src/sink/index.js';
import type { StreamItem } from '../src/vstream/events.js';
import type { BenchResult } from './measure.js';
import type { BenchPostgres } from './stack.js';
import { KEYSPACE, ROWS_PER_TXN, TABLE, buildTransactions, copyText, plainTableDdl } from './sink-data.js';

type Mode = 'copy' | 'changelog' | 'mirror' | 'changelog-rows' | 'changelog-rows-text';

interface Workload {
  rows: number;
  items: StreamItem[];
  /** COPY text of the changelog rows the sink writes for these items, in pieces of whole lines. */
  changelogCopy?: string[];
}

const CHANGELOG_COLUMNS =
  'stream_id, seq, txn_seq, keyspace, shard, table_name, op, is_copy, primary_key, before, after, commit_ts, ' +
  'source_gtid';

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

/** The changelog rows the sink wrote into `url`, as COPY text in pieces of about 5,000 whole lines. */
async function captureChangelog(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const chunks: string[] = [];
    await pipeline(
      client.query(copyTo(`COPY vstream_relay.changelog (${CHANGELOG_COLUMNS}) TO STDOUT`)),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const lines = chunks.join('').split(/(?<=\n)/);
    const pieces: string[] = [];
    for (let i = 0; i < lines.length; i += 5_000) pieces.push(lines.slice(i, i + 5_000).join(''));
    return pieces;
  });
}

/** Seconds Postgres alone takes to COPY the captured changelog rows into a changelog table, in one transaction. */
async function changelogRowsTrial(url: string, data: Workload, text: boolean): Promise<number> {
  return withClient(url, async (client) => {
    await ensureChangelogTable(client, 'vstream_relay', 'changelog');
    if (text) {
      await client.query(
        'ALTER TABLE vstream_relay.changelog ALTER primary_key TYPE text, ALTER before TYPE text, ' +
          'ALTER after TYPE text',
      );
    }
    const copy = `COPY vstream_relay.changelog (${CHANGELOG_COLUMNS}) FROM STDIN`;
    const start = process.hrtime.bigint();
    await client.query('BEGIN');
    for (const piece of data.changelogCopy!)
      await pipeline(Readable.from([piece]), client.query(copyFrom(copy)));
    await client.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM vstream_relay.changelog',
    );
    if (rows[0]!.n !== data.rows)
      throw new Error(`COPY stored ${rows[0]!.n} changelog rows, expected ${data.rows}`);
    return seconds;
  });
}

async function trial(
  server: BenchPostgres,
  mode: Mode,
  data: Workload,
  capture?: (url: string) => Promise<void>,
): Promise<number> {
  const name = `bench_sink_${mode.replace(/-/g, '_')}_${++databases}`;
  const url = await server.createDatabase(name);
  try {
    if (mode === 'copy') return await copyTrial(url, data);
    if (mode === 'changelog-rows' || mode === 'changelog-rows-text') {
      return await changelogRowsTrial(url, data, mode === 'changelog-rows-text');
    }
    const seconds = await sinkTrial(url, mode, data);
    await capture?.(url);
    return seconds;
  } finally {
    await withClient(server.connectionString(), (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
    );
  }
}

/**
 * Rows/s of the COPY baseline for `transactions` 100-row transactions of these rows (best of `runs` trials, after
 * a small warm-up), for benchmarks that compare against it.
 */
export async function copyBaselineRate(
  server: BenchPostgres,
  transactions: number,
  runs: number,
): Promise<number> {
  await trial(server, 'copy', workload(Math.min(5_000, transactions * ROWS_PER_TXN)));
  const data = workload(transactions * ROWS_PER_TXN);
  let best = Infinity;
  for (let run = 0; run < runs; run++) best = Math.min(best, await trial(server, 'copy', data));
  return data.rows / best;
}

export async function benchSink(server: BenchPostgres, options: SinkBenchOptions): Promise<BenchResult[]> {
  const modes: Mode[] = ['copy', 'changelog', 'mirror', 'changelog-rows', 'changelog-rows-text'];
  const warmup = workload(options.warmupRows);
  const data = workload(options.rows);
  for (const mode of modes.slice(0, 3)) await trial(server, mode, warmup);
  // The changelog rows of the real data, for the Postgres-only trials (an untimed extra changelog trial).
  await trial(server, 'changelog', data, async (url) => {
    data.changelogCopy = await captureChangelog(url);
  });
  warmup.changelogCopy = data.changelogCopy!.slice(0, 1);
  warmup.rows = data.changelogCopy![0]!.split('\n').length - 1;
  for (const mode of modes.slice(3)) await trial(server, mode, warmup);
  const best = Object.fromEntries(modes.map((m) => [m, Infinity])) as Record<Mode, number>;
  // Modes take turns, so a slow spell on the machine does not hit one mode's trials only.
  for (let run = 0; run < options.runs; run++) {
    for (const mode of modes) best[mode] = Math.min(best[mode], await trial(server, mode, data));
  }
  const rate = (mode: Mode) => data.rows / best[mode];
  const copyRate = rate('copy');
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  const baseline = `plain COPY (text format, pg-copy-streams) of the same values into an equivalent table: ${format(copyRate)} rows/s`;
  const goals = { changelog: 0.5, mirror: 0.3 };
  const anatomy =
    `; Postgres alone COPYing the changelog's own rows (captured, no client work) into the changelog table: ` +
    `${format(rate('changelog-rows'))} rows/s (${(rate('changelog-rows') / copyRate).toFixed(2)}× COPY), into ` +
    `the same table with text instead of jsonb columns: ${format(rate('changelog-rows-text'))} rows/s ` +
    `(${(rate('changelog-rows-text') / copyRate).toFixed(2)}× COPY)`;
  return (['changelog', 'mirror'] as const).map((mode) => {
    const ratio = rate(mode) / copyRate;
    return {
      name: `sink-${mode}`,
      value: rate(mode),
      unit: 'rows/s',
      ratio,
      baseline,
      detail:
        `${data.rows.toLocaleString('en-US')} inserts of 10 columns in ${ROWS_PER_TXN}-row source transactions ` +
        `through PostgresSink (${mode} mode, default commit thresholds), best of ${options.runs} runs` +
        (mode === 'changelog' ? anatomy : ''),
      target: { goal: `≥ ${goals[mode]}× COPY (${ratio.toFixed(3)}×)`, met: ratio >= goals[mode] },
    };
  });
}
