// Helpers for sink tests on the run's real PostgreSQL cluster.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresSink } from '../../../src/sink/index.js';
import type { OpenedSink, PostgresSinkOptions } from '../../../src/sink/index.js';
import type { StreamItem } from '../../../src/vstream/events.js';

export type SinkOverrides = Partial<Omit<PostgresSinkOptions, 'connection' | 'pool'>>;

/** Opens a sink on `url` with its own connection, tagged with a unique application_name. */
export async function openSink(
  url: string,
  overrides: SinkOverrides = {},
): Promise<OpenedSink & { applicationName: string }> {
  const applicationName = `sink-test-${randomBytes(4).toString('hex')}`;
  const opened = await PostgresSink.open({
    streamId: 'stream-1',
    ...overrides,
    connection: { connectionString: url, applicationName },
  });
  return { ...opened, applicationName };
}

export async function feed(sink: PostgresSink, items: StreamItem[]): Promise<void> {
  for (const item of items) await sink.write(item);
}

/** All rows of a table, each column cast to text, ordered by the first column. */
export async function rowsOf(db: pg.ClientBase, table: string): Promise<Record<string, string | null>[]> {
  const { rows: columns } = await db.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  const list = columns.map(
    (c) => `${pg.escapeIdentifier(c.attname)}::text AS ${pg.escapeIdentifier(c.attname)}`,
  );
  const { rows } = await db.query<Record<string, string | null>>(
    `SELECT ${list.join(', ')} FROM ${table} ORDER BY 1`,
  );
  return rows;
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Kills the backend serving the sink's connection, as a crash or network cut would. */
export async function killBackend(db: pg.ClientBase, applicationName: string): Promise<void> {
  const { rowCount } = await db.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  if (rowCount !== 1) throw new Error(`expected one backend for ${applicationName}, found ${rowCount}`);
}
