// Builders for sink inputs: FIELD columns as vttablet describes them, table schemas, and whole stream items.
import type { ColumnField, DecodedValue } from '../../../src/vstream/decode/types.js';
import type { RowChange, StreamItem, TableSchema } from '../../../src/vstream/events.js';
import { MySqlFlag, QueryType } from '../../../src/vstream/constants.js';
import { Vgtid } from '../../../src/vstream/vgtid.js';

export const UTF8MB4 = 255;
export const BINARY = 63;
const NOT_NULL = MySqlFlag.NOT_NULL_FLAG;
const PK = MySqlFlag.PRI_KEY_FLAG | NOT_NULL;

function field(
  name: string,
  type: number,
  columnType: string,
  extra: Partial<ColumnField> = {},
): ColumnField {
  return { name, type, charset: BINARY, decimals: 0, flags: 0, columnType, columnLength: 0, ...extra };
}

/** Column builders; `pk()` marks a column as (part of) the primary key. */
export const col = {
  tinyint: (name: string) => field(name, QueryType.INT8, 'tinyint'),
  tinyintUnsigned: (name: string) => field(name, QueryType.UINT8, 'tinyint unsigned'),
  smallint: (name: string) => field(name, QueryType.INT16, 'smallint'),
  smallintUnsigned: (name: string) => field(name, QueryType.UINT16, 'smallint unsigned'),
  mediumint: (name: string) => field(name, QueryType.INT24, 'mediumint'),
  mediumintUnsigned: (name: string) => field(name, QueryType.UINT24, 'mediumint unsigned'),
  int: (name: string) => field(name, QueryType.INT32, 'int'),
  intUnsigned: (name: string) => field(name, QueryType.UINT32, 'int unsigned'),
  bigint: (name: string) => field(name, QueryType.INT64, 'bigint'),
  bigintUnsigned: (name: string) => field(name, QueryType.UINT64, 'bigint unsigned'),
  year: (name: string) => field(name, QueryType.YEAR, 'year'),
  float: (name: string) => field(name, QueryType.FLOAT32, 'float'),
  double: (name: string) => field(name, QueryType.FLOAT64, 'double'),
  decimal: (name: string, p: number, s: number) =>
    field(name, QueryType.DECIMAL, `decimal(${p},${s})`, { decimals: s }),
  date: (name: string) => field(name, QueryType.DATE, 'date'),
  datetime: (name: string, fsp = 0) =>
    field(name, QueryType.DATETIME, fsp ? `datetime(${fsp})` : 'datetime', { decimals: fsp }),
  timestamp: (name: string, fsp = 0) =>
    field(name, QueryType.TIMESTAMP, fsp ? `timestamp(${fsp})` : 'timestamp', { decimals: fsp }),
  time: (name: string, fsp = 0) =>
    field(name, QueryType.TIME, fsp ? `time(${fsp})` : 'time', { decimals: fsp }),
  bit: (name: string, n: number) => field(name, QueryType.BIT, `bit(${n})`, { columnLength: n }),
  enum: (name: string, labels: string[]) =>
    field(name, QueryType.ENUM, `enum(${labels.map((l) => `'${l}'`).join(',')})`, { charset: UTF8MB4 }),
  set: (name: string, labels: string[]) =>
    field(name, QueryType.SET, `set(${labels.map((l) => `'${l}'`).join(',')})`, { charset: UTF8MB4 }),
  json: (name: string) => field(name, QueryType.JSON, 'json'),
  varchar: (name: string, n = 255) => field(name, QueryType.VARCHAR, `varchar(${n})`, { charset: UTF8MB4 }),
  char: (name: string, n = 10) => field(name, QueryType.CHAR, `char(${n})`, { charset: UTF8MB4 }),
  text: (name: string) => field(name, QueryType.TEXT, 'text', { charset: UTF8MB4 }),
  /** A `_bin`-collated VARCHAR: Vitess reports it as VARBINARY with a text collation. */
  varcharBin: (name: string) => field(name, QueryType.VARBINARY, 'varchar(20)', { charset: 46 }),
  varbinary: (name: string) => field(name, QueryType.VARBINARY, 'varbinary(20)'),
  binary: (name: string, n: number) => field(name, QueryType.BINARY, `binary(${n})`),
  blob: (name: string) => field(name, QueryType.BLOB, 'blob'),
  geometry: (name: string) => field(name, QueryType.GEOMETRY, 'geometry'),
  vector: (name: string) => field(name, QueryType.VECTOR, 'vector(3)'),
};

export function pk(column: ColumnField): ColumnField {
  return { ...column, flags: column.flags | PK };
}

export function notNullUnique(column: ColumnField): ColumnField {
  return { ...column, flags: column.flags | MySqlFlag.UNIQUE_KEY_FLAG | NOT_NULL };
}

let versions = 0;

export function tableSchema(
  table: string,
  columns: ColumnField[],
  where: { keyspace?: string; shard?: string } = {},
): TableSchema {
  return {
    keyspace: where.keyspace ?? 'ks',
    shard: where.shard ?? '-',
    table,
    columns,
    primaryKey: columns.flatMap((c, i) => (c.flags & MySqlFlag.PRI_KEY_FLAG ? [i] : [])),
    version: ++versions,
  };
}

const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

/** A VGTID for the given shards, each at transaction `n`. */
export function vgtidAt(
  n: number,
  shards: { keyspace: string; shard: string }[] = [{ keyspace: 'ks', shard: '-' }],
) {
  return Vgtid.of(shards.map((s) => ({ ...s, gtid: `MySQL56/${UUID}:1-${n}` })));
}

export const insert = (after: DecodedValue[]): RowChange => ({ op: 'insert', before: null, after });
export const update = (before: DecodedValue[], after: DecodedValue[]): RowChange => ({
  op: 'update',
  before,
  after,
});
export const del = (before: DecodedValue[]): RowChange => ({ op: 'delete', before, after: null });

/**
 * Builds source transactions as the assembler emits them, numbering positions 1, 2, 3… per stream so that
 * replays reuse the same positions.
 */
export class ItemBuilder {
  private n = 0;

  constructor(
    private readonly shards: { keyspace: string; shard: string }[] = [{ keyspace: 'ks', shard: '-' }],
  ) {}

  get position(): number {
    return this.n;
  }

  /** begin, [schema], rows (one item per `chunk` changes), commit. */
  transaction(
    schema: TableSchema,
    changes: RowChange[],
    options: { withSchema?: boolean; copy?: boolean; chunk?: number; timestamp?: number } = {},
  ): StreamItem[] {
    const items: StreamItem[] = [
      {
        kind: 'begin',
        keyspace: schema.keyspace,
        shard: schema.shard,
        timestamp: options.timestamp ?? 1_700_000_000,
      },
    ];
    if (options.withSchema) items.push({ kind: 'schema', schema });
    const chunk = options.chunk ?? 1000;
    for (let i = 0; i < changes.length; i += chunk) {
      const part = changes.slice(i, i + chunk);
      items.push({
        kind: 'rows',
        schema,
        changes: part,
        copy: options.copy ?? false,
        bytes: part.length * 100,
      });
    }
    items.push({
      kind: 'commit',
      keyspace: schema.keyspace,
      shard: schema.shard,
      timestamp: options.timestamp ?? 1_700_000_000,
      vgtid: vgtidAt(++this.n, this.shards),
    });
    return items;
  }

  ddl(keyspace: string, shard: string, statement: string): StreamItem {
    return {
      kind: 'ddl',
      keyspace,
      shard,
      timestamp: 1_700_000_000,
      statement,
      vgtid: vgtidAt(++this.n, this.shards),
    };
  }

  positionItem(keyspace = 'ks', shard = '-'): StreamItem {
    return {
      kind: 'position',
      keyspace,
      shard,
      timestamp: 1_700_000_000,
      vgtid: vgtidAt(++this.n, this.shards),
    };
  }
}
