// Parity of our test vtgate (src/devtools/vtgate) with a real vtgate: the same table and the same changes on
// both, and the raw VStream events compared after normalising only what the backing database decides rather
// than Vitess (see normalise() below). A difference here means the test vtgate no longer follows the real
// thing: fix the test vtgate (and its README), not this test.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { describeEvent } from '../../scripts/vitess/dump-events.js';
import { startTestVtgate, type TestVtgate, type TxnOp } from '../../src/devtools/vtgate/index.js';
import type { ColumnDef } from '../../src/devtools/vtgate/index.js';
import { VtgateConnection } from '../../src/vstream/connection.js';
import {
  MySqlFlag,
  TabletType,
  VEventType,
  decodeVStreamResponse,
  type VEvent,
} from '../../src/vstream/proto.js';

const { TIMESTAMP_FLAG, UNSIGNED_FLAG } = MySqlFlag;
import { connectVtgate, uniqueTable, type Sql } from './support.js';

interface Col {
  name: string;
  type: string;
  nullable?: boolean;
  collation?: string;
}

// One column of each kind whose FIELD metadata or value encoding Vitess itself decides.
const COLUMNS: Col[] = [
  { name: 'id', type: 'bigint unsigned', nullable: false },
  { name: 'name', type: 'varchar(20)', collation: 'utf8mb4_general_ci' },
  { name: 'code', type: 'char(4)', nullable: false, collation: 'utf8mb4_bin' },
  { name: 'small', type: 'smallint' },
  { name: 'amount', type: 'decimal(10,2)' },
  { name: 'ratio', type: 'float' },
  { name: 'score', type: 'double' },
  { name: 'size', type: "enum('s','m','l')", collation: 'utf8mb4_general_ci' },
  { name: 'tags', type: "set('a','b','c')", collation: 'utf8mb4_general_ci' },
  { name: 'born', type: 'date' },
  { name: 'seen', type: 'datetime(3)' },
  { name: 'at', type: 'timestamp(6)' },
  { name: 'dur', type: 'time(1)' },
  { name: 'yr', type: 'year' },
  { name: 'flags', type: 'bit(10)' },
  { name: 'raw', type: 'binary(4)' },
  { name: 'blobby', type: 'varbinary(10)' },
  { name: 'body', type: 'text', collation: 'utf8mb4_general_ci' },
];

const sqlColumn = (c: Col) =>
  `${c.name} ${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''} ${c.nullable === false ? 'NOT NULL' : 'NULL'}` +
  (c.type.startsWith('timestamp') ? ' DEFAULT NULL' : '');
const testColumn = (c: Col): ColumnDef => ({
  name: c.name,
  type: c.type,
  nullable: c.nullable !== false,
  primaryKey: c.name === 'id',
  ...(c.collation ? { collation: c.collation } : {}),
});

type Row = Record<string, string | number | null | Buffer>;
const ROWS: Row[] = [
  {
    id: 1,
    name: 'Ann',
    code: 'AB',
    small: -5,
    amount: '1.50',
    ratio: 1.5,
    score: 0.1,
    size: 'm',
    tags: 'a,c',
    born: '2024-02-29',
    seen: '2024-02-29 13:14:15.120',
    at: '2024-02-29 13:14:15.123456',
    dur: '-01:02:03.5',
    yr: 2024,
    flags: 5,
    raw: Buffer.from([1, 2]),
    blobby: Buffer.from([0, 255]),
    body: 'ünï 😀',
  },
  {
    id: 2,
    code: 'Z',
    name: null,
    small: null,
    amount: '-0.05',
    ratio: null,
    score: -2.5e10,
    size: null,
    tags: '',
  },
];

/** Column values as SQL literals (for the real vtgate) and model values (for the test vtgate). */
function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

function insertSql(table: string, rows: Row[]): string {
  const names = COLUMNS.map((c) => c.name);
  const values = rows.map(
    (r) => `(${names.map((n) => (n === 'flags' && r[n] != null ? `${r[n]}` : sqlLiteral(r[n]))).join(', ')})`,
  );
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values.join(', ')}`;
}

/** What both servers do after the copy phase, as SQL and as test-vtgate operations. */
function liveChanges(table: string): { sql: string[]; ops: (TxnOp[] | { addColumn: string })[] } {
  return {
    sql: [
      insertSql(table, [{ id: 3, code: 'C', name: 'Cy', amount: '3.00', tags: 'b', flags: 1023 }]),
      `UPDATE ${table} SET name = 'Ann2', amount = 2.25, seen = '2025-01-01 00:00:00.000' WHERE id = 1`,
      `DELETE FROM ${table} WHERE id = 2`,
      `ALTER TABLE ${table} ADD COLUMN note varchar(8) COLLATE utf8mb4_general_ci`,
      insertSql(table, [{ id: 4, code: 'D' }])
        .replace(') VALUES (', ', note) VALUES (')
        .replace(/\)$/, ", 'n')"),
    ],
    ops: [
      [
        {
          op: 'insert',
          table,
          rows: [{ id: 3, code: 'C', name: 'Cy', amount: '3.00', tags: 'b', flags: 1023 }],
        },
      ],
      [
        {
          op: 'update',
          table,
          where: { id: 1 },
          set: { name: 'Ann2', amount: '2.25', seen: '2025-01-01 00:00:00.000' },
        },
      ],
      [{ op: 'delete', table, where: { id: 2 } }],
      { addColumn: 'note varchar(8) collate utf8mb4_general_ci' },
      [{ op: 'insert', table, rows: [{ id: 4, code: 'D', note: 'n' }] }],
    ],
  };
}

/**
 * Reads a VStream from the start of a copy until `done` says so (or 20 s), while `during` runs once the copy
 * is complete.
 */
async function collect(
  address: string,
  table: string,
  during: () => Promise<void>,
  filter = `select * from ${table}`,
): Promise<VEvent[]> {
  const connection = new VtgateConnection({ address });
  const call = connection.openVStream({
    tabletType: TabletType.PRIMARY,
    vgtid: { shardGtids: [{ keyspace: 'commerce', shard: '0', gtid: '' }] },
    filter: { rules: [{ match: table, filter }] },
    flags: {},
  });
  const events: VEvent[] = [];
  const timer = setTimeout(() => call.cancel(), 20_000);
  let started = false;
  let liveDone: Promise<void> | undefined;
  try {
    for await (const chunk of call as AsyncIterable<Buffer>) {
      for (const event of decodeVStreamResponse(chunk).events) {
        events.push(event);
        if (!started && event.type === VEventType.COPY_COMPLETED && !event.keyspace) {
          started = true;
          liveDone = during();
        }
      }
      // The last change is an insert of id 4: its COMMIT ends the scenario.
      const last = events.findLastIndex((e) => e.type === VEventType.ROW);
      if (
        liveDone &&
        last >= 0 &&
        describeEvent(events[last]!).changes !== undefined &&
        JSON.stringify(describeEvent(events[last]!).changes).includes('"4"') &&
        events.slice(last).some((e) => e.type === VEventType.COMMIT)
      ) {
        break;
      }
    }
  } catch (err) {
    if (!/Cancelled/i.test(String(err))) throw err;
  } finally {
    clearTimeout(timer);
    call.cancel();
    connection.close();
  }
  await liveDone;
  return events;
}

/**
 * What the backing database rather than Vitess decides, made equal: GTID values (MariaDB/MySQL56, server
 * ids), binlog timestamps, the database name, MariaDB's integer display widths in column_type (`bigint(20)`;
 * MySQL 8 prints `bigint`), the flags of TIMESTAMP columns (MariaDB sets UNSIGNED_FLAG and sets TIMESTAMP_FLAG
 * only on columns with an automatic default; the test vtgate sets TIMESTAMP_FLAG, as it models MySQL 8), and
 * transactions that carry no rows of the table (vttablet's own writes to its
 * `_vt` sidecar tables, e.g. after a DDL, which the test vtgate does not model).
 */
function normalise(events: VEvent[], table: string): unknown[] {
  const out: Record<string, unknown>[] = [];
  for (const event of events) {
    const e = describeEvent(event);
    delete e.timestamp;
    delete e.gtid;
    if (Array.isArray(e.vgtid)) {
      e.vgtid = (e.vgtid as { gtid: string }[]).map((s) => ({
        ...s,
        gtid: s.gtid === '' || s.gtid === 'current' ? s.gtid : 'POS',
      }));
    }
    if (Array.isArray(e.fields)) {
      e.fields = (e.fields as Record<string, unknown>[]).map((f) => ({
        ...f,
        database: f.database ? 'DB' : '',
        columnType: String(f.columnType).replace(
          /^(tinyint|smallint|mediumint|int|bigint|year)\(\d+\)/,
          '$1',
        ),
        flags: f.type === 'TIMESTAMP' ? Number(f.flags) & ~(TIMESTAMP_FLAG | UNSIGNED_FLAG) : f.flags,
      }));
    }
    if (typeof e.table === 'string') e.table = e.table.replace(table, 'T');
    if (Array.isArray(e.fields)) {
      e.fields = (e.fields as Record<string, unknown>[]).map((f) => ({
        ...f,
        table: f.table === table ? 'T' : f.table,
        orgTable: f.orgTable === table ? 'T' : f.orgTable,
      }));
    }
    if (typeof e.statement === 'string') e.statement = e.statement.replace(table, 'T');
    if (Array.isArray(e.vgtid)) {
      e.vgtid = JSON.parse(JSON.stringify(e.vgtid).replaceAll(table, 'T'));
    }
    out.push(e);
  }
  // Drop BEGIN, VGTID, COMMIT triples of the running phase that carry no rows.
  const kept: Record<string, unknown>[] = [];
  for (let i = 0; i < out.length; i++) {
    const [a, b, c] = [out[i], out[i + 1], out[i + 2]];
    if (
      a?.type === 'BEGIN' &&
      b?.type === 'VGTID' &&
      c?.type === 'COMMIT' &&
      !(b.vgtid as { tablePKs?: unknown }[]).some((s) => s.tablePKs) &&
      kept.some((k) => k.type === 'COPY_COMPLETED' && k.keyspace === undefined)
    ) {
      i += 2;
      continue;
    }
    kept.push(out[i]!);
  }
  return kept;
}

let sql: Sql;
let testVtgate: TestVtgate;

beforeAll(async () => {
  sql = await connectVtgate();
});

afterAll(async () => {
  await sql?.end();
  await testVtgate?.close();
});

describe('the test vtgate follows the real vtgate', () => {
  test('copy phase, inserts, updates, deletes and an ADD COLUMN give the same events', async () => {
    const table = uniqueTable('parity');
    await sql.query(
      `CREATE TABLE ${table} (${COLUMNS.map(sqlColumn).join(', ')}, PRIMARY KEY (id)) ENGINE=InnoDB`,
    );
    await sql.query(insertSql(table, ROWS));
    const changes = liveChanges(table);
    const real = await collect(inject('vitessGrpcAddress'), table, async () => {
      for (const statement of changes.sql) await sql.query(statement);
    });

    testVtgate = await startTestVtgate({
      keyspaces: [
        { name: 'commerce', shards: ['0'], tables: [{ name: table, columns: COLUMNS.map(testColumn) }] },
      ],
      gtidFlavor: 'MariaDB',
      // Running-phase DECIMAL text: v23.0.3 still prints `-.05` (the quirks), v24.0.3 prints `-0.05`.
      decimalQuirks: Number(/^v(\d+)\./.exec(inject('vitessVersion'))?.[1]) < 24,
    });
    testVtgate.insert(
      table,
      ROWS.map((r) => ({ ...r })),
    );
    const ours = await collect(testVtgate.address, table, async () => {
      for (const op of changes.ops) {
        if ('addColumn' in op) testVtgate.ddl({ op: 'addColumn', table, column: op.addColumn });
        else testVtgate.run(op);
      }
    });

    const expected = normalise(real, table) as { type: string }[];
    expect(expected.filter((e) => e.type === 'DDL')).toHaveLength(1);
    expect(expected.filter((e) => e.type === 'ROW').length).toBeGreaterThanOrEqual(6);
    expect(normalise(ours, table)).toEqual(expected);
  });

  test('a rule naming a table exactly with an empty filter fails on both', async () => {
    const table = uniqueTable('parity_filter');
    await sql.query(`CREATE TABLE ${table} (id bigint NOT NULL PRIMARY KEY) ENGINE=InnoDB`);
    await sql.query(`INSERT INTO ${table} (id) VALUES (1)`);
    // vstreamer builds the plan when the table's first binlog event arrives: the copy phase completes, and a
    // write after it fails the stream.
    const failure = async (address: string, write: () => Promise<unknown>) => {
      let copied = false;
      const outcome = await collect(
        address,
        table,
        async () => {
          copied = true;
          await write();
        },
        '',
      ).then(
        () => 'no error',
        (err: { code?: number; details?: string }) => ({
          code: err.code,
          emptyQuery: /Query was empty/.test(String(err.details)),
        }),
      );
      return { copied, outcome };
    };
    const real = await failure(inject('vitessGrpcAddress'), () =>
      sql.query(`INSERT INTO ${table} (id) VALUES (2)`),
    );
    const vtgate = await startTestVtgate({
      keyspaces: [
        {
          name: 'commerce',
          shards: ['0'],
          tables: [{ name: table, columns: ['id bigint not null primary key'] }],
        },
      ],
      gtidFlavor: 'MariaDB',
    });
    try {
      vtgate.insert(table, [{ id: 1 }]);
      expect(real).toEqual({ copied: true, outcome: { code: 2, emptyQuery: true } });
      expect(await failure(vtgate.address, async () => vtgate.insert(table, [{ id: 2 }]))).toEqual(real);
    } finally {
      await vtgate.close();
    }
  });
});
