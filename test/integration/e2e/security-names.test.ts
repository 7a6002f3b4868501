// Hostile names end to end: tables and columns whose names hold quotes, semicolons, backticks, SQL keywords,
// Unicode and exactly 64 characters (MySQL's limit; Postgres keeps 63 bytes), in a hostile target schema, go from
// the test vtgate through the decoder and the sink — copy, live changes, a DDL that adds and renames such columns —
// and land as data, never as SQL: the mirror equals the source, the changelog names them verbatim, and nothing
// else in the database changed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestVtgate, type ColumnDef, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { pgColumnName, pgName, pgSchemaName, qualify, quoteIdent } from '../../../src/sink/identifiers.js';
import { stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createSinkDatabase,
  createWorker,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { uniqueName } from '../../support/isolation.js';
import type { Worker } from '@temporalio/worker';

const TARGET_SCHEMA = `tgt"; DROP SCHEMA public CASCADE; --`;
const TABLES = [
  `q"uote'd`,
  'semi;colon DROP TABLE x;--',
  'back`tick',
  'ünïcødé 表',
  'n'.repeat(64),
  'é'.repeat(64),
  'select',
];
const COLUMNS = [
  `i"d`,
  'col;umn',
  'ÿ 名前',
  'c'.repeat(64),
  'xmin',
  'EXCLUDED',
  "a'b",
  'back\\slash',
  '$1',
  'select',
  'tab\there',
];
const ADDED = `new"col; DROP TABLE y; --`;
const RENAMED = 'réñamed 列 `x`';

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
let vtgate: TestVtgate;
let sink: SinkDatabase;
const taskQueue = uniqueName('e2e-names');

const columnDefs = (): ColumnDef[] => [
  { name: COLUMNS[0]!, type: 'bigint', primaryKey: true },
  ...COLUMNS.slice(1).map((name) => ({ name, type: 'varchar(64)', nullable: true })),
];

beforeAll(async () => {
  [temporal, sink, vtgate] = await Promise.all([
    connectTemporal(),
    createSinkDatabase(),
    startTestVtgate({
      keyspaces: [
        {
          name: 'commerce',
          shards: ['-80', '80-'],
          tables: TABLES.map((name) => ({ name, columns: columnDefs() })),
        },
      ],
      heartbeatUnitMs: 200,
    }),
  ]);
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await vtgate?.close();
  await sink?.db.end();
  await temporal?.close();
});

/** A row: the key, and every other column a value that is itself hostile text. */
const row = (table: string, id: number) =>
  Object.fromEntries([
    [COLUMNS[0]!, id],
    ...COLUMNS.slice(1).map((c, i) => [
      c,
      `v${id}'; DROP TABLE "${table.slice(0, 8)}"; -- ${i}`.slice(0, 64),
    ]),
  ]);

async function mirrorRows(table: string, columns: string[]): Promise<Record<string, string | null>[]> {
  const target = qualify(pgSchemaName(TARGET_SCHEMA), pgName(table));
  const exists = await sink.db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [target]);
  if (exists.rows[0]!.t === null) return [];
  const select = columns.map((c, i) => `${quoteIdent(pgColumnName(c))}::text AS c${i}`).join(', ');
  // A column the stream has not added yet is an error here: not caught up.
  const result = await sink.db
    .query<Record<string, string | null>>(`SELECT ${select} FROM ${target}`)
    .catch(() => undefined);
  if (!result) return [];
  return result.rows
    .map((r) => Object.fromEntries(columns.map((c, i) => [c, r[`c${i}`] ?? null])))
    .sort((a, b) => Number(a[COLUMNS[0]!]) - Number(b[COLUMNS[0]!]));
}

function sourceRows(table: string, columns: string[]): Record<string, string | null>[] {
  return vtgate
    .rows(table)
    .map((r) =>
      Object.fromEntries(columns.map((c) => [c, r[c] === null || r[c] === undefined ? null : String(r[c])])),
    )
    .sort((a, b) => Number(a[COLUMNS[0]!]) - Number(b[COLUMNS[0]!]));
}

async function caughtUp(columns: string[]): Promise<void> {
  for (const table of TABLES) {
    await waitUntil(
      `the mirror of ${JSON.stringify(table)}`,
      () => mirrorRows(table, columns),
      (rows) => JSON.stringify(rows) === JSON.stringify(sourceRows(table, columns)),
    );
  }
}

describe('hostile table and column names', () => {
  test('copy, live changes and DDL apply as data, never as SQL', async () => {
    const { rows: before } = await sink.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,
    );
    for (const table of TABLES) vtgate.insert(table, [row(table, 1), row(table, 2), row(table, 3)]);
    const streamId = uniqueName('names');
    const config = streamConfig(streamId, vtgate, sink);
    config.sink.targetSchema = TARGET_SCHEMA;
    const handle = await temporal.client.workflow.start(vstreamToPostgres, {
      taskQueue,
      workflowId: `vstream-${streamId}`,
      args: [{ config }],
    });
    await caughtUp(COLUMNS);

    // Live changes, then DDL with hostile names, then changes that use the new columns.
    for (const table of TABLES) {
      vtgate.run([
        {
          op: 'update',
          table,
          where: { [COLUMNS[0]!]: 1 },
          set: { [COLUMNS[1]!]: `upd"; --`, [COLUMNS[3]!]: null },
        },
        { op: 'delete', table, where: { [COLUMNS[0]!]: 2 } },
        { op: 'insert', table, rows: row(table, 4) },
        { op: 'update', table, where: { [COLUMNS[0]!]: 3 }, set: { [COLUMNS[0]!]: 30 } },
      ]);
      vtgate.ddl({ op: 'addColumn', table, column: { name: ADDED, type: 'varchar(32)', nullable: true } });
      vtgate.update(table, { [COLUMNS[0]!]: 4 }, { [ADDED]: `x"); DROP TABLE z; --` });
      vtgate.ddl({ op: 'renameColumn', table, column: ADDED, to: RENAMED });
      vtgate.insert(table, [{ ...row(table, 5), [RENAMED]: `renamed'"; --` }]);
    }
    const final = [...COLUMNS, RENAMED];
    await caughtUp(final);

    // The Postgres names: verbatim when they fit, shortened with a hash beyond 63 bytes.
    const { rows: tables } = await sink.db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
      [pgSchemaName(TARGET_SCHEMA)],
    );
    expect(tables.map((t) => t.relname).sort()).toEqual(TABLES.map(pgName).sort());
    expect(pgName('n'.repeat(64))).toMatch(/^n{54}_[0-9a-f]{8}$/);
    expect(Buffer.byteLength(pgName('é'.repeat(64)))).toBeLessThanOrEqual(63);

    // The changelog names every table verbatim, with its changes' keys and values intact.
    const { rows: log } = await sink.db.query<{ table_name: string; n: number }>(
      `SELECT table_name, count(*)::int AS n FROM vstream_relay.changelog WHERE stream_id = $1 AND NOT is_copy
        GROUP BY table_name ORDER BY table_name`,
      [streamId],
    );
    expect(log.map((l) => l.table_name).sort()).toEqual(TABLES.map((t) => `commerce.${t}`).sort());
    // Per table: update, delete, insert, key update (delete + insert across shards, or one update), update, insert.
    expect(log.every((l) => l.n >= 6 && l.n <= 7)).toBe(true);
    const { rows: renamed } = await sink.db.query<{ after: Record<string, unknown> }>(
      `SELECT after FROM vstream_relay.changelog WHERE stream_id = $1 AND op = 'insert' AND after->>$2 IS NOT NULL`,
      [streamId, RENAMED],
    );
    expect(renamed).toHaveLength(TABLES.length);
    expect(renamed.every((r) => r.after[RENAMED] === `renamed'"; --`)).toBe(true);

    // Nothing outside the stream's own tables changed: public is still there, nothing was dropped.
    const { rows: schemas } = await sink.db.query(
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'public'",
    );
    expect(schemas).toEqual([{ n: 1 }]);
    const { rows: after } = await sink.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,
    );
    expect(after[0]!.n).toBeGreaterThan(before[0]!.n);

    await handle.signal(stopSignal);
    expect((await handle.result()).state).toBe('stopped');
  });
});
