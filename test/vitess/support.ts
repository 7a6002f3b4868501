// Shared pieces of the conformance lane: SQL through the real vtgate's MySQL port (mysql2), stream configs that
// point at its gRPC port, and the comparisons of the Postgres mirror and changelog with what MySQL returns.
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { inject } from 'vitest';
import type { StreamConfigInput } from '../../src/config/stream-config.js';
import type { SinkDatabase } from '../support/e2e.js';
import { uniqueName } from '../support/isolation.js';

export type Sql = mysql.Connection;

/**
 * A MySQL-protocol session on the real vtgate, targeting `keyspace`. Values come back as MySQL prints them
 * (dates as text, 64-bit integers and decimals as strings); TIMESTAMPs in UTC.
 */
export async function connectVtgate(keyspace = 'commerce'): Promise<Sql> {
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port: inject('vitessMysqlPort'),
    user: 'root',
    database: keyspace,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  await connection.query(`SET time_zone = '+00:00'`);
  return connection;
}

/** A table name no other test uses (MySQL names: lower case, at most 64 characters). */
export function uniqueTable(prefix: string): string {
  return uniqueName(prefix).toLowerCase();
}

export function vitessStreamConfig(
  streamId: string,
  sink: SinkDatabase,
  options: { keyspace?: string; tables: string[] },
): StreamConfigInput {
  return {
    streamId,
    source: {
      vtgate: { address: inject('vitessGrpcAddress') },
      keyspaces: [{ name: options.keyspace ?? 'commerce' }],
      tables: { include: options.tables },
      heartbeatIntervalSeconds: 1,
    },
    sink: { postgres: { url: `env:${sink.envName}` }, mode: 'both', batch: { maxDelayMs: 50 } },
    run: {
      progressIntervalSeconds: 1,
      heartbeatTimeoutSeconds: 10,
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 2,
    },
  };
}

/** Restarts the real vttestserver (graceful stop, same ports and data) and waits until it serves again. */
export async function restartVitess(): Promise<number> {
  const response = await fetch(`${inject('vitessControlUrl')}/restart`, { method: 'POST' });
  const body = (await response.json()) as { ok: boolean; ms?: number; error?: string };
  if (!body.ok) throw new Error(`restarting vttestserver failed: ${body.error}`);
  return body.ms!;
}

export const sameRows = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Rows of a MySQL query as plain objects of strings/nulls (Buffers as upper-case hex). */
export async function mysqlRows(
  sql: Sql,
  query: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const [rows] = await sql.query<mysql.RowDataPacket[]>(query, values);
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : v === null ? null : String(v),
      ]),
    ),
  );
}

/**
 * The mirror table's rows (schema = keyspace), or [] while the table does not exist yet. The table is aliased
 * `t`: order by `t.<column>` (a bare name would sort by the output column of that name).
 */
export async function pgRows(
  db: pg.Client,
  keyspace: string,
  table: string,
  select: string,
  orderBy: string,
) {
  const exists = await db.query(`SELECT to_regclass($1) AS t`, [`${keyspace}.${table}`]);
  if (exists.rows[0].t === null) return [];
  const { rows } = await db.query(`SELECT ${select} FROM ${keyspace}.${table} AS t ORDER BY ${orderBy}`);
  return rows as Record<string, unknown>[];
}

/** Changelog entries of one stream (and table), in order; [] before the sink created the changelog. */
export async function changelog(
  db: pg.Client,
  streamId: string,
  table?: string,
): Promise<
  { seq: number; op: string; is_copy: boolean; table_name: string; before: unknown; after: unknown }[]
> {
  const exists = await db.query(`SELECT to_regclass('vstream_relay.changelog') AS t`);
  if (exists.rows[0].t === null) return [];
  const { rows } = await db.query(
    `SELECT seq::int, op, is_copy, table_name, before, after FROM vstream_relay.changelog
      WHERE stream_id = $1 AND ($2::text IS NULL OR table_name IN ($2, keyspace || '.' || $2)) ORDER BY seq`,
    [streamId, table ?? null],
  );
  return rows;
}

/** Why the workflow's tasks failed, from its history (for assertion messages when an update is refused). */
export async function workflowTaskFailures(handle: {
  fetchHistory(): Promise<{ events?: unknown[] | null }>;
}): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const failed = (
      event as { workflowTaskFailedEventAttributes?: { failure?: { message?: string; stackTrace?: string } } }
    ).workflowTaskFailedEventAttributes;
    return failed ? [`${failed.failure?.message}\n${failed.failure?.stackTrace ?? ''}`] : [];
  });
}
