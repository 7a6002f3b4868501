// Table definitions: the caller's description (objects or one-line column DDL such as
// "id bigint unsigned not null auto_increment"), and the immutable per-version schema the model and
// the streams work from. Every DDL produces a new TableSchema object; binlog rows keep a reference to
// the version they were written with.
import { MySqlFlag } from '../../vstream/proto.js';
import type { FieldInit } from './proto-types.js';
import { parseColumnType, type ColumnType } from './column-types.js';
import { DataError } from './errors.js';
import { normalizeCell, type Cell } from './values.js';

export interface ColumnDef {
  name: string;
  /** MySQL type text, e.g. "bigint unsigned", "decimal(10,2)", "enum('a','b')", "varchar(64)". */
  type: string;
  /** Default: true, except for primary-key columns. */
  nullable?: boolean;
  primaryKey?: boolean;
  autoIncrement?: boolean;
  unique?: boolean;
  /** Used when an insert omits the column, and to fill existing rows on ADD COLUMN. */
  default?: unknown;
  charset?: string;
  collation?: string;
}

export interface TableDef {
  name: string;
  /** Column objects, or one-line column definitions ("email varchar(255) not null unique"). */
  columns: (ColumnDef | string)[];
  /** Primary key columns, when not marked on the columns themselves. */
  primaryKey?: string[];
  /**
   * Columns whose values decide the shard (the primary vindex). Default: the primary key. Used to
   * co-locate rows, e.g. orders sharded by customer_id.
   */
  shardKey?: string[];
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly autoIncrement: boolean;
  readonly unique: boolean;
  /** Normalised default; undefined = no DEFAULT clause. */
  readonly defaultCell: Cell | undefined;
  readonly def: ColumnDef;
}

export interface TableSchema {
  readonly keyspace: string;
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  readonly pk: readonly number[];
  readonly shardKey: readonly number[];
  /** Unique across the whole test vtgate; a new version per DDL (a new MySQL table-map id). */
  readonly version: number;
  /** query.Field of every column, in column order, as MySQL describes them. */
  readonly fields: readonly FieldInit[];
  readonly def: TableDef;
}

let nextVersion = 1;

// ---------------------------------------------------------------------------------------------
// One-line column definitions

// An attribute keyword right after the type (tested at one position with the sticky flag).
const ATTRIBUTE = /\s+(?:not\s+null|null|primary\s+key|auto_increment|unique|default)\b/iy;

/** Parses "name type [not null|null] [primary key] [auto_increment] [unique] [default <literal>]". */
export function parseColumnDef(text: string): ColumnDef {
  const m = /^\s*`?([A-Za-z_][A-Za-z0-9_$]*)`?\s+(.+)$/s.exec(text);
  if (!m) throw new DataError(`cannot parse column definition '${text}'`);
  const name = m[1]!;
  let rest = m[2]!;
  // The type runs until the first attribute keyword outside quotes/parentheses.
  let depth = 0;
  let quote = '';
  let cut = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (quote) {
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) {
      ATTRIBUTE.lastIndex = i;
      if (ATTRIBUTE.test(rest)) {
        cut = i;
        break;
      }
    }
  }
  const def: ColumnDef = { name, type: rest.slice(0, cut).trim() };
  rest = rest.slice(cut);
  for (;;) {
    rest = rest.trimStart();
    if (!rest) break;
    let mm: RegExpExecArray | null;
    if ((mm = /^not\s+null/i.exec(rest))) def.nullable = false;
    else if ((mm = /^null/i.exec(rest))) def.nullable = true;
    else if ((mm = /^primary\s+key/i.exec(rest))) def.primaryKey = true;
    else if ((mm = /^auto_increment/i.exec(rest))) def.autoIncrement = true;
    else if ((mm = /^unique(?:\s+key)?/i.exec(rest))) def.unique = true;
    else if ((mm = /^default\s+('(?:[^']|'')*'|"(?:[^"]|"")*"|[^\s]+)/i.exec(rest))) {
      const lit = mm[1]!;
      def.default = /^null$/i.test(lit)
        ? null
        : /^['"]/.test(lit)
          ? lit.slice(1, -1).replace(/''/g, "'").replace(/""/g, '"')
          : lit;
    } else throw new DataError(`cannot parse column attribute '${rest}' in '${text}'`);
    rest = rest.slice(mm[0].length);
  }
  return def;
}

// ---------------------------------------------------------------------------------------------
// Building schemas

function columnFlags(col: ColumnSchema, inPk: boolean): number {
  let flags = col.type.typeFlags;
  if (!col.nullable) flags |= MySqlFlag.NOT_NULL_FLAG;
  if (inPk) flags |= MySqlFlag.PRI_KEY_FLAG | MySqlFlag.PART_KEY_FLAG;
  if (col.unique && !inPk) flags |= MySqlFlag.UNIQUE_KEY_FLAG | MySqlFlag.PART_KEY_FLAG;
  if (col.autoIncrement) flags |= MySqlFlag.AUTO_INCREMENT_FLAG;
  if (!col.nullable && col.defaultCell === undefined && !col.autoIncrement)
    flags |= MySqlFlag.NO_DEFAULT_VALUE_FLAG;
  return flags;
}

export function buildColumn(input: ColumnDef | string, pkNames: ReadonlySet<string>): ColumnSchema {
  const def = typeof input === 'string' ? parseColumnDef(input) : { ...input };
  const type = parseColumnType(def.type, { charset: def.charset, collation: def.collation });
  const inPk = def.primaryKey === true || pkNames.has(def.name.toLowerCase());
  if (inPk && def.nullable === true) throw new DataError(`All parts of a PRIMARY KEY must be NOT NULL`);
  const nullable = inPk ? false : def.nullable !== false;
  let defaultCell: Cell | undefined;
  if (def.default !== undefined) {
    if (def.default === null && !nullable) throw new DataError(`Invalid default value for '${def.name}'`);
    defaultCell = normalizeCell(type, def.default, def.name);
  }
  return {
    name: def.name,
    type,
    nullable,
    autoIncrement: def.autoIncrement === true,
    unique: def.unique === true,
    defaultCell,
    def: { ...def, primaryKey: inPk || undefined },
  };
}

function indexesOf(columns: readonly ColumnSchema[], names: readonly string[], what: string, table: string) {
  return names.map((n) => {
    const i = columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase());
    if (i < 0) throw new DataError(`Key column '${n}' doesn't exist in table '${table}' (${what})`);
    return i;
  });
}

/** Builds a fresh schema version. Tables need a primary key (the copy phase orders by it). */
export function buildTableSchema(keyspace: string, def: TableDef): TableSchema {
  // MySQL 8 accepts any quoted name of 1–64 characters without NUL or supplementary characters that does not
  // end with a space; '.' is refused here too, because the model names tables as `keyspace.table`.
  if (
    def.name.length === 0 ||
    [...def.name].length > 64 ||
    def.name.includes('\0') ||
    /[.]|[\u{10000}-\u{10FFFF}]| $/u.test(def.name)
  ) {
    throw new DataError(`Incorrect table name '${def.name}'`);
  }
  const pkNames = new Set((def.primaryKey ?? []).map((n) => n.toLowerCase()));
  const columns = def.columns.map((c) => buildColumn(c, pkNames));
  const seen = new Set<string>();
  for (const c of columns) {
    const key = c.name.toLowerCase();
    if (seen.has(key)) throw new DataError(`Duplicate column name '${c.name}'`);
    seen.add(key);
  }
  const pkColumnNames = def.primaryKey ?? columns.filter((c) => c.def.primaryKey).map((c) => c.name);
  if (pkColumnNames.length === 0) throw new DataError(`table '${def.name}' needs a primary key`);
  const pk = indexesOf(columns, pkColumnNames, 'PRIMARY', def.name);
  const shardKey = def.shardKey ? indexesOf(columns, def.shardKey, 'shard key', def.name) : pk;
  const database = `vt_${keyspace}`;
  const fields = columns.map((c, i): FieldInit => ({
    name: c.name,
    type: c.type.queryType,
    table: def.name,
    orgTable: def.name,
    database,
    orgName: c.name,
    columnLength: c.type.columnLength,
    charset: c.type.charset.collationId,
    decimals: c.type.decimals,
    flags: columnFlags(c, pk.includes(i)),
    columnType: c.type.sql,
  }));
  const normalizedDef: TableDef = {
    name: def.name,
    columns: columns.map((c) => c.def),
    primaryKey: pk.map((i) => columns[i]!.name),
    shardKey: shardKey.map((i) => columns[i]!.name),
  };
  return {
    keyspace,
    name: def.name,
    columns,
    pk,
    shardKey,
    version: nextVersion++,
    fields,
    def: normalizedDef,
  };
}

export function findColumn(schema: TableSchema, name: string): number {
  const lower = name.toLowerCase();
  return schema.columns.findIndex((c) => c.name.toLowerCase() === lower);
}

// ---------------------------------------------------------------------------------------------
// DDL text (what the binlog, and so the DDL event, carries)

function literal(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A MySQL identifier as a client would write it: bare when plain, else in backticks (doubled inside). */
export function sqlIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

export function columnSql(def: ColumnDef): string {
  let sql = `${sqlIdent(def.name)} ${def.type}`;
  if (def.charset) sql += ` character set ${def.charset}`;
  if (def.collation) sql += ` collate ${def.collation}`;
  if (def.nullable === false || def.primaryKey) sql += ' not null';
  if (def.autoIncrement) sql += ' auto_increment';
  if (def.default !== undefined) sql += ` default ${literal(def.default)}`;
  if (def.unique) sql += ' unique';
  return sql;
}

export function createTableSql(schema: TableSchema): string {
  const cols = schema.columns.map((c) => columnSql({ ...c.def, primaryKey: false, nullable: c.nullable }));
  const pk = `primary key (${schema.pk.map((i) => sqlIdent(schema.columns[i]!.name)).join(', ')})`;
  return `create table ${sqlIdent(schema.name)} (${[...cols, pk].join(', ')})`;
}
