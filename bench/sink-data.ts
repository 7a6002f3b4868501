// Rows for the sink benchmarks (bench/sink.ts, bench/memory-child.ts): a 10-column `commerce.orders` table as
// the assembler delivers it (decoded values), the same values as COPY text, and the plain table to COPY into.
import type { ColumnField, DecodedValue } from '../src/vstream/decode/types.js';
import type { RowChange, StreamItem, TableSchema } from '../src/vstream/events.js';
import { MySqlFlag, QueryType } from '../src/vstream/constants.js';
import { Vgtid } from '../src/vstream/vgtid.js';
import { copyLine } from '../src/sink/copy-text.js';
import { qualify, quoteIdent } from '../src/sink/identifiers.js';
import { renderPgType } from '../src/sink/pg-types.js';
import { mapColumnType } from '../src/sink/type-mapping.js';

export const KEYSPACE = 'commerce';
export const SHARD = '0';
export const TABLE = 'orders';
export const ROWS_PER_TXN = 100;
const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const TIMESTAMP = 1_700_000_000;

function field(
  name: string,
  type: number,
  columnType: string,
  extra: Partial<ColumnField> = {},
): ColumnField {
  return { name, type, charset: 63, decimals: 0, flags: 0, columnType, columnLength: 0, ...extra };
}

/** The columns of bench/decode.ts, as FIELD describes them. */
export const COLUMNS: ColumnField[] = [
  field('id', QueryType.INT64, 'bigint', {
    flags: MySqlFlag.NOT_NULL_FLAG | MySqlFlag.PRI_KEY_FLAG | MySqlFlag.PART_KEY_FLAG | MySqlFlag.NUM_FLAG,
  }),
  field('email', QueryType.VARCHAR, 'varchar(120)', { charset: 255 }),
  field('quantity', QueryType.INT32, 'int', { flags: MySqlFlag.NUM_FLAG }),
  field('price', QueryType.DECIMAL, 'decimal(12,2)', { decimals: 2 }),
  field('created_at', QueryType.DATETIME, 'datetime(6)', { decimals: 6 }),
  field('status', QueryType.ENUM, "enum('new','paid','shipped')", {
    charset: 255,
    flags: MySqlFlag.ENUM_FLAG,
  }),
  field('score', QueryType.FLOAT64, 'double'),
  field('note', QueryType.TEXT, 'text', { charset: 255 }),
  field('flags', QueryType.UINT64, 'bigint unsigned', { flags: MySqlFlag.UNSIGNED_FLAG }),
  field('payload', QueryType.JSON, 'json'),
];

export const SCHEMA: TableSchema = {
  keyspace: KEYSPACE,
  shard: SHARD,
  table: TABLE,
  columns: COLUMNS,
  primaryKey: [0],
  version: 1,
};

const STATUSES = ['new', 'paid', 'shipped'];

/** The decoded values of row `i` (what the decoder hands the sink). */
export function rowValues(i: number): DecodedValue[] {
  return [
    BigInt(i),
    `user${i}@example.com`,
    i % 100,
    `${i % 1000}.${String(i % 100).padStart(2, '0')}`,
    `2024-05-0${(i % 9) + 1} 12:34:56.${String(i % 1_000_000).padStart(6, '0')}`,
    STATUSES[i % 3]!,
    i / 7,
    `note for order ${i} with some text`,
    18446744073709551615n - BigInt(i),
    `{"sku": "A-${i}", "qty": ${i % 10}, "big": 12345678901234567890}`,
  ];
}

/** Postgres text of one value of these columns (what the sink's encoders produce for them). */
function pgText(value: DecodedValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new Error(`no COPY text for ${typeof value} values in this benchmark`);
}

/** Roughly the bytes of a row image on the wire: the cell texts plus a length per cell. */
export function wireBytes(values: readonly DecodedValue[]): number {
  let n = values.length;
  for (const v of values) n += v === null ? 0 : String(v).length;
  return n;
}

export function commitVgtid(txn: number): Vgtid {
  return Vgtid.of([{ keyspace: KEYSPACE, shard: SHARD, gtid: `MySQL56/${UUID}:1-${txn}` }]);
}

/** `transactions` source transactions of ROWS_PER_TXN inserts each (ids from 0), as the assembler emits them. */
export function buildTransactions(transactions: number): StreamItem[] {
  const items: StreamItem[] = [];
  let id = 0;
  for (let t = 0; t < transactions; t++) {
    items.push({ kind: 'begin', keyspace: KEYSPACE, shard: SHARD, timestamp: TIMESTAMP });
    if (t === 0) items.push({ kind: 'schema', schema: SCHEMA });
    const changes: RowChange[] = [];
    let bytes = 0;
    for (let r = 0; r < ROWS_PER_TXN; r++) {
      const after = rowValues(id++);
      bytes += wireBytes(after);
      changes.push({ op: 'insert', before: null, after });
    }
    items.push({ kind: 'rows', schema: SCHEMA, changes, copy: false, bytes });
    items.push({
      kind: 'commit',
      keyspace: KEYSPACE,
      shard: SHARD,
      timestamp: TIMESTAMP,
      vgtid: commitVgtid(t + 1),
    });
  }
  return items;
}

/**
 * COPY text of the rows in `items` (the very same decoded values the sink gets), formatted while streaming in
 * pieces of 256 rows, as the sink streams its changelog.
 */
export function* copyText(items: readonly StreamItem[]): Generator<string> {
  let piece = '';
  let n = 0;
  for (const item of items) {
    if (item.kind !== 'rows') continue;
    for (const change of item.changes) {
      piece += copyLine(change.after!.map(pgText));
      if (++n % 256 === 0) {
        yield piece;
        piece = '';
      }
    }
  }
  if (piece !== '') yield piece;
}

/** A plain table with the mirror table's columns, types and primary key (the sink's own type mapping). */
export function plainTableDdl(schema: string, table: string): { create: string; copy: string; name: string } {
  const name = qualify(schema, table);
  const definitions = COLUMNS.map((c) => {
    const mapping = mapColumnType(c);
    if ('unsupported' in mapping) throw new Error(mapping.unsupported);
    return `${quoteIdent(c.name)} ${renderPgType(mapping.pgType)}`;
  });
  definitions.push(`PRIMARY KEY (${quoteIdent(COLUMNS[0]!.name)})`);
  return {
    name,
    create: `CREATE TABLE ${name} (${definitions.join(', ')})`,
    copy: `COPY ${name} (${COLUMNS.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`,
  };
}
