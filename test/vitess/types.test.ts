// Conformance against a real Vitess: every MySQL column type that the backing server (MariaDB on this machine)
// has, with typical, minimum and maximum values and NULLs, round-tripped through the real vtgate into the
// Postgres mirror and the changelog — in the copy phase (rows that exist when the stream starts) and while
// streaming (inserts, and an update that changes every column). Each value is compared with what MySQL itself
// returns for the row, through canonical text forms computed on both sides.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stopSignal } from '../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createSinkDatabase,
  createWorker,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../support/e2e.js';
import { uniqueName } from '../support/isolation.js';
import { changelog, connectVtgate, mysqlRows, uniqueTable, vitessStreamConfig, type Sql } from './support.js';

type Kind =
  | 'int'
  | 'decimal'
  | 'float'
  | 'double'
  | 'bit'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'text'
  | 'json'
  | 'bytes'
  | 'set'
  | 'geometry';

interface Column {
  name: string;
  sql: string;
  kind: Kind;
  /** SQL literals: a typical value, the minimum (or empty), the maximum (or longest). */
  values: [string, string, string];
}

const COLUMNS: Column[] = [
  { name: 'c_tinyint', sql: 'tinyint', kind: 'int', values: ['7', '-128', '127'] },
  { name: 'c_tinyint_u', sql: 'tinyint unsigned', kind: 'int', values: ['200', '0', '255'] },
  { name: 'c_bool', sql: 'tinyint(1)', kind: 'int', values: ['1', '0', 'true'] },
  { name: 'c_smallint', sql: 'smallint', kind: 'int', values: ['-300', '-32768', '32767'] },
  { name: 'c_smallint_u', sql: 'smallint unsigned', kind: 'int', values: ['40000', '0', '65535'] },
  { name: 'c_mediumint', sql: 'mediumint', kind: 'int', values: ['12345', '-8388608', '8388607'] },
  { name: 'c_mediumint_u', sql: 'mediumint unsigned', kind: 'int', values: ['9000000', '0', '16777215'] },
  { name: 'c_int', sql: 'int', kind: 'int', values: ['123456', '-2147483648', '2147483647'] },
  { name: 'c_int_u', sql: 'int unsigned', kind: 'int', values: ['3000000000', '0', '4294967295'] },
  {
    name: 'c_bigint',
    sql: 'bigint',
    kind: 'int',
    values: ['9007199254740993', '-9223372036854775808', '9223372036854775807'],
  },
  {
    name: 'c_bigint_u',
    sql: 'bigint unsigned',
    kind: 'int',
    values: ['12345678901234567890', '0', '18446744073709551615'],
  },
  {
    name: 'c_decimal',
    sql: 'decimal(30,10)',
    kind: 'decimal',
    values: ['1234.56789', '-99999999999999999999.9999999999', '0.0000000001'],
  },
  { name: 'c_decimal0', sql: 'decimal(5,0)', kind: 'decimal', values: ['5', '-99999', '99999'] },
  { name: 'c_decimal_frac', sql: 'decimal(4,4)', kind: 'decimal', values: ['0.5', '-0.9999', '0.0001'] },
  { name: 'c_float', sql: 'float', kind: 'float', values: ['1.5', '-0.375', '10000000000'] },
  {
    name: 'c_double',
    sql: 'double',
    kind: 'double',
    values: ['0.1', '-1.7976931348623157e308', '2.2250738585072014e-308'],
  },
  { name: 'c_bit1', sql: 'bit(1)', kind: 'bit', values: ["b'1'", "b'0'", "b'1'"] },
  { name: 'c_bit12', sql: 'bit(12)', kind: 'bit', values: ["b'101'", "b'0'", "b'111111111111'"] },
  {
    name: 'c_bit64',
    sql: 'bit(64)',
    kind: 'bit',
    values: ['0x0102030405060708', "b'0'", '0xFFFFFFFFFFFFFFFF'],
  },
  { name: 'c_date', sql: 'date', kind: 'date', values: ["'2024-02-29'", "'1000-01-01'", "'9999-12-31'"] },
  {
    name: 'c_datetime',
    sql: 'datetime',
    kind: 'datetime',
    values: ["'2024-02-29 13:14:15'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'"],
  },
  {
    name: 'c_datetime6',
    sql: 'datetime(6)',
    kind: 'datetime',
    values: ["'2024-02-29 13:14:15.123456'", "'1000-01-01 00:00:00.000001'", "'9999-12-31 23:59:59.999999'"],
  },
  {
    name: 'c_timestamp3',
    sql: 'timestamp(3) NULL DEFAULT NULL',
    kind: 'timestamp',
    values: ["'2024-02-29 13:14:15.123'", "'1970-01-01 00:00:01.000'", "'2038-01-19 03:14:07.999'"],
  },
  { name: 'c_time', sql: 'time', kind: 'time', values: ["'12:34:56'", "'-838:59:59'", "'838:59:59'"] },
  {
    name: 'c_time6',
    sql: 'time(6)',
    kind: 'time',
    values: ["'-00:00:01.500000'", "'-838:59:59.000000'", "'838:59:59.000000'"],
  },
  { name: 'c_year', sql: 'year', kind: 'int', values: ['2024', '1901', '2155'] },
  { name: 'c_char', sql: 'char(10)', kind: 'text', values: ["'abc'", "''", "'ÄÖÜ😀xyz'"] },
  {
    name: 'c_varchar',
    sql: 'varchar(100)',
    kind: 'text',
    values: ["'hello, world'", "''", "'emoji 😀, quote '' and backslash \\\\ and tab \t'"],
  },
  { name: 'c_tinytext', sql: 'tinytext', kind: 'text', values: ["'tiny'", "''", "REPEAT('t', 255)"] },
  { name: 'c_text', sql: 'text', kind: 'text', values: ["'text'", "''", "REPEAT('x', 5000)"] },
  { name: 'c_mediumtext', sql: 'mediumtext', kind: 'text', values: ["'medium'", "''", "REPEAT('ü', 70000)"] },
  { name: 'c_longtext', sql: 'longtext', kind: 'text', values: ["'long'", "''", "REPEAT('L😀', 50000)"] },
  {
    name: 'c_latin1',
    sql: 'varchar(20) CHARACTER SET latin1',
    kind: 'text',
    values: ["'café'", "''", "'Ææ ÿ'"],
  },
  {
    name: 'c_ascii',
    sql: 'varchar(20) CHARACTER SET ascii',
    kind: 'text',
    values: ["'plain'", "''", "'~!@#'"],
  },
  {
    name: 'c_varchar_bin',
    sql: 'varchar(20) COLLATE utf8mb4_bin',
    kind: 'text',
    values: ["'BinText'", "''", "'Zürich'"],
  },
  { name: 'c_binary', sql: 'binary(4)', kind: 'bytes', values: ['0x0102', "''", '0xFFFFFFFF'] },
  { name: 'c_varbinary', sql: 'varbinary(20)', kind: 'bytes', values: ['0x00FF10', "''", '0x00'] },
  {
    name: 'c_tinyblob',
    sql: 'tinyblob',
    kind: 'bytes',
    values: ['0xDEADBEEF', "''", "UNHEX(REPEAT('AB', 255))"],
  },
  { name: 'c_blob', sql: 'blob', kind: 'bytes', values: ['0x00', "''", "UNHEX(REPEAT('00FF7F80', 4000))"] },
  {
    name: 'c_mediumblob',
    sql: 'mediumblob',
    kind: 'bytes',
    values: ['0x01', "''", "UNHEX(REPEAT('C3', 70000))"],
  },
  {
    name: 'c_longblob',
    sql: 'longblob',
    kind: 'bytes',
    values: ['0x02', "''", "UNHEX(REPEAT('0A0D', 60000))"],
  },
  {
    name: 'c_enum',
    sql: "enum('small','medium','large','x-large')",
    kind: 'text',
    values: ["'medium'", "'small'", "'x-large'"],
  },
  { name: 'c_set', sql: "set('a','b','c','d')", kind: 'set', values: ["'a,c'", "''", "'a,b,c,d'"] },
  {
    name: 'c_json',
    sql: 'json',
    kind: 'json',
    values: [
      `'{"a": 1, "b": [true, null, "x"]}'`,
      `'[]'`,
      `'{"big": 12345678901234567890, "s": "😀", "n": -1.5e-7}'`,
    ],
  },
  {
    name: 'c_geometry',
    sql: 'geometry',
    kind: 'geometry',
    values: [
      "ST_GeomFromText('POINT(1 2)')",
      "ST_GeomFromText('POINT(0 0)')",
      "ST_GeomFromText('LINESTRING(0 0, 1.5 -2, 1e10 3)')",
    ],
  },
];

/** The expression MySQL evaluates to get a column's canonical text (session time zone is UTC). */
function mysqlExpression(c: Column): string {
  switch (c.kind) {
    case 'bit':
      return `BIN(${c.name})`;
    case 'datetime':
    case 'timestamp':
      return `DATE_FORMAT(${c.name}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'bytes':
    case 'geometry':
      return `HEX(${c.name})`;
    case 'float':
    case 'double':
    case 'text':
    case 'json':
      return c.name;
    default:
      return `CAST(${c.name} AS CHAR)`;
  }
}

/** The same in Postgres, over the mirror table (alias t) or a changelog image populated into its row type. */
function pgExpression(c: Column): string {
  const col = `t.${c.name}`;
  switch (c.kind) {
    case 'bit':
      return `${col}::text`;
    case 'date':
      return `to_char(${col}, 'YYYY-MM-DD')`;
    case 'datetime':
      return `to_char(${col}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'timestamp':
      return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'time':
      return `(extract(epoch FROM ${col}) * 1000000)::bigint::text`;
    case 'bytes':
    case 'geometry':
      return `upper(encode(${col}, 'hex'))`;
    case 'set':
      return `array_to_string(${col}, ',')`;
    default:
      return `${col}::text`;
  }
}

/** MySQL TIME text (`-838:59:59.500000`) in microseconds. */
function timeMicros(text: string): string {
  const m = /^(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a TIME: ${text}`);
  const micros =
    ((BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 60n + BigInt(m[4]!)) * 1_000_000n +
    BigInt((m[5] ?? '').padEnd(6, '0').slice(0, 6));
  return (m[1] === '-' ? -micros : micros).toString();
}

/** Canonical text of a value read from MySQL (mysqlExpression) for comparison. */
function canonMysql(c: Column, v: string | null): string | null {
  if (v === null) return null;
  switch (c.kind) {
    case 'float':
      return String(Math.fround(Number(v)));
    case 'double':
      return String(Number(v));
    case 'bit':
      return v.replace(/^0+(?=.)/, '');
    case 'time':
      return timeMicros(v);
    case 'json':
      return JSON.stringify(JSON.parse(v));
    case 'geometry': {
      // MySQL's storage form: a 4-byte little-endian SRID, then WKB.
      const bytes = Buffer.from(v, 'hex');
      return `${bytes.readUInt32LE(0)}:${bytes.subarray(4).toString('hex').toUpperCase()}`;
    }
    default:
      return v;
  }
}

/** Canonical text of a mirror value read with pgExpression. */
function canonPg(c: Column, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v);
  switch (c.kind) {
    case 'float':
      return String(Math.fround(Number(text)));
    case 'double':
      return String(Number(text));
    case 'bit':
      return text.replace(/^0+(?=.)/, '');
    case 'json':
      return JSON.stringify(JSON.parse(text));
    case 'geometry':
      // The mirror holds plain WKB for SRID 0 (EWKB otherwise; every value here has SRID 0).
      return `0:${text}`;
    default:
      return text;
  }
}

/** Canonical text of a value in a changelog image (JSON as documented in docs/type-mapping.md). */
function canonChangelog(c: Column, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  switch (c.kind) {
    case 'float':
      return String(Math.fround(Number(v)));
    case 'double':
      return String(Number(v));
    case 'bit':
      return String(v).replace(/^0+(?=.)/, '');
    case 'datetime':
    case 'timestamp': {
      const m = /^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(String(v));
      if (!m) throw new Error(`${c.name}: not a datetime: ${String(v)}`);
      return `${m[1]!.replace('T', ' ')}.${(m[2] ?? '').padEnd(6, '0')}`;
    }
    case 'time':
      return timeMicros(String(v));
    case 'bytes':
      return Buffer.from(String(v), 'base64').toString('hex').toUpperCase();
    case 'geometry': {
      const g = v as { srid: number; wkb: string };
      return `${g.srid}:${Buffer.from(g.wkb, 'base64').toString('hex').toUpperCase()}`;
    }
    case 'set':
      return (v as string[]).join(',');
    case 'json':
      return JSON.stringify(typeof v === 'string' ? JSON.parse(v) : v);
    default:
      return String(v);
  }
}

let sql: Sql;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  [sql, sink, temporal] = await Promise.all([connectVtgate(), createSinkDatabase(), connectTemporal()]);
});

afterAll(async () => {
  await sql?.end();
  await sink?.db.end();
  await temporal?.close();
});

type Canon = Record<string, string | null>;

async function sourceRows(table: string): Promise<Canon[]> {
  const select = ['CAST(id AS CHAR) AS id', ...COLUMNS.map((c) => `${mysqlExpression(c)} AS ${c.name}`)].join(
    ', ',
  );
  const rows = await mysqlRows(sql, `SELECT ${select} FROM ${table} ORDER BY id`);
  return rows.map((r) => ({
    id: String(r.id),
    ...Object.fromEntries(COLUMNS.map((c) => [c.name, canonMysql(c, r[c.name] as string | null)])),
  }));
}

async function mirrorRows(table: string): Promise<Canon[]> {
  const exists = await sink.db.query(`SELECT to_regclass($1) AS t`, [`commerce.${table}`]);
  if (exists.rows[0].t === null) return [];
  const select = ['t.id::text AS id', ...COLUMNS.map((c) => `${pgExpression(c)} AS ${c.name}`)].join(', ');
  const { rows } = await sink.db.query(`SELECT ${select} FROM commerce.${table} AS t ORDER BY t.id`);
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id),
    ...Object.fromEntries(COLUMNS.map((c) => [c.name, canonPg(c, r[c.name])])),
  }));
}

/** The latest image of every row according to the changelog (copy rows included), deletes removing it. */
async function changelogRows(streamId: string, table: string): Promise<Canon[]> {
  const latest = new Map<string, Canon>();
  for (const entry of await changelog(sink.db, streamId, table)) {
    const image = (entry.after ?? entry.before) as Record<string, unknown>;
    const id = String(image.id);
    if (entry.op === 'delete') latest.delete(id);
    else
      latest.set(id, {
        id,
        ...Object.fromEntries(COLUMNS.map((c) => [c.name, canonChangelog(c, image[c.name])])),
      });
  }
  return [...latest.values()].sort((a, b) => Number(a.id) - Number(b.id));
}

function insertRow(table: string, id: number, which: 0 | 1 | 2 | null): string {
  const values = COLUMNS.map((c) => (which === null ? 'NULL' : c.values[which]));
  return `INSERT INTO ${table} (id, ${COLUMNS.map((c) => c.name).join(', ')}) VALUES (${id}, ${values.join(', ')})`;
}

/** Per column, so that a failure names the column and both values. */
function expectSameRows(actual: Canon[], expected: Canon[], what: string): void {
  expect(
    actual.map((r) => r.id),
    `${what}: row ids`,
  ).toEqual(expected.map((r) => r.id));
  for (const [i, row] of expected.entries()) {
    for (const c of ['id', ...COLUMNS.map((col) => col.name)]) {
      expect(actual[i]![c], `${what}: row ${row.id}, column ${c}`).toBe(row[c]);
    }
  }
}

describe('every MySQL type through a real vtgate', () => {
  test('copy phase and streaming deliver the values MySQL returns, into the mirror and the changelog', async () => {
    const table = uniqueTable('types');
    await sql.query(
      `CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.sql}`).join(', ')})
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    // Copy phase: typical values and minimums.
    await sql.query(insertRow(table, 1, 0));
    await sql.query(insertRow(table, 2, 1));

    const taskQueue = uniqueName('vitess-types');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    await worker.runUntil(async () => {
      const streamId = uniqueName('types');
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config: vitessStreamConfig(streamId, sink, { tables: [table] }) }],
      });
      await waitUntil(
        'the copy phase',
        () => mirrorRows(table),
        (rows) => rows.length === 2,
        60_000,
      );
      expectSameRows(await mirrorRows(table), await sourceRows(table), 'mirror after the copy phase');

      // Streaming: maximums, all NULLs, and an update that changes every column of a copied row.
      await sql.query(insertRow(table, 3, 2));
      await sql.query(insertRow(table, 4, null));
      await sql.query(
        `UPDATE ${table} SET ${COLUMNS.map((c) => `${c.name} = ${c.values[2]}`).join(', ')} WHERE id = 1`,
      );
      await sql.query(
        `UPDATE ${table} SET ${COLUMNS.map((c) => `${c.name} = NULL`).join(', ')} WHERE id = 2`,
      );
      await sql.query(insertRow(table, 5, 1));
      const source = await sourceRows(table);
      await waitUntil(
        'the streamed changes',
        async () => JSON.stringify(await mirrorRows(table)) === JSON.stringify(source),
        (same) => same,
        60_000,
      ).catch(() => undefined);
      expectSameRows(await mirrorRows(table), source, 'mirror after streaming');
      expectSameRows(await changelogRows(streamId, table), source, 'changelog');
      const ops = (await changelog(sink.db, streamId, table)).map(
        (e) => `${e.is_copy ? 'copy' : 'live'} ${e.op}`,
      );
      expect(ops).toEqual([
        'copy insert',
        'copy insert',
        'live insert',
        'live insert',
        'live update',
        'live update',
        'live insert',
      ]);

      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    });
  });
});
