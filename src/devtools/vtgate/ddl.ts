// DDL on the model: the new schema version, the rows rewritten for it on every serving shard, and
// the statement text the binlog (and so the DDL event) carries. Everything is staged first, so a
// failing conversion leaves the keyspace untouched.
import { isCharacterKind } from './column-types.js';
import { DataError } from './errors.js';
import { pkKey, type KeyspaceState, type ShardState } from './model.js';
import {
  buildColumn,
  buildTableSchema,
  columnSql,
  createTableSql,
  findColumn,
  sqlIdent,
  type ColumnDef,
  type TableDef,
  type TableSchema,
} from './schema.js';
import { encodeCopyCell, implicitDefault, normalizeCell, type Cell } from './values.js';

export type DdlOp =
  | { op: 'createTable'; keyspace?: string; table: TableDef }
  | { op: 'dropTable'; keyspace?: string; table: string }
  | { op: 'renameTable'; keyspace?: string; table: string; to: string }
  | {
      op: 'addColumn';
      keyspace?: string;
      table: string;
      column: ColumnDef | string;
      after?: string;
      first?: boolean;
    }
  | { op: 'dropColumn'; keyspace?: string; table: string; column: string }
  | { op: 'modifyColumn'; keyspace?: string; table: string; column: ColumnDef | string }
  | { op: 'renameColumn'; keyspace?: string; table: string; column: string; to: string };

function tableOf(ks: KeyspaceState, name: string): TableSchema {
  const t = ks.tables.get(name);
  if (!t) throw new DataError(`Table '${ks.name}.${name}' doesn't exist`);
  return t;
}

/** Applies a DDL to the keyspace and its serving shards; returns the statement and the tables it names. */
export function applyDdl(
  ks: KeyspaceState,
  shards: readonly ShardState[],
  op: DdlOp,
): { statement: string; tables: string[] } {
  let statement: string;
  let tables: string[];
  // Per-shard row maps to install, built before anything changes so a failure leaves no trace.
  let apply: () => void;

  const transform = (old: TableSchema, next: TableSchema, convert: (cells: Cell[]) => Cell[]) => {
    const staged = shards.map((shard) => {
      const rows = new Map<string, Cell[]>();
      for (const cells of shard.rows.get(old.name)?.values() ?? []) {
        const converted = convert(cells);
        rows.set(pkKey(next, converted), converted);
      }
      return { shard, rows };
    });
    return () => {
      ks.tables.set(next.name, next);
      for (const { shard, rows } of staged) shard.rows.set(next.name, rows);
    };
  };

  switch (op.op) {
    case 'createTable': {
      if (ks.tables.has(op.table.name)) throw new DataError(`Table '${op.table.name}' already exists`);
      const schema = buildTableSchema(ks.name, op.table);
      statement = createTableSql(schema);
      tables = [schema.name];
      apply = () => {
        ks.tables.set(schema.name, schema);
        for (const shard of shards) shard.rows.set(schema.name, new Map());
      };
      break;
    }
    case 'dropTable': {
      tableOf(ks, op.table);
      statement = `drop table ${sqlIdent(op.table)}`;
      tables = [op.table];
      apply = () => {
        ks.tables.delete(op.table);
        for (const shard of shards) shard.rows.delete(op.table);
      };
      break;
    }
    case 'renameTable': {
      const old = tableOf(ks, op.table);
      if (ks.tables.has(op.to)) throw new DataError(`Table '${op.to}' already exists`);
      const next = buildTableSchema(ks.name, { ...old.def, name: op.to });
      statement = `rename table ${sqlIdent(op.table)} to ${sqlIdent(op.to)}`;
      tables = [op.table, op.to];
      const install = transform(old, next, (cells) => cells);
      apply = () => {
        install();
        ks.tables.delete(op.table);
        for (const shard of shards) shard.rows.delete(op.table);
      };
      break;
    }
    case 'addColumn': {
      const old = tableOf(ks, op.table);
      const column = buildColumn(op.column, new Set());
      if (findColumn(old, column.name) >= 0) throw new DataError(`Duplicate column name '${column.name}'`);
      let at = old.columns.length;
      if (op.first) at = 0;
      else if (op.after !== undefined) {
        const i = findColumn(old, op.after);
        if (i < 0) throw new DataError(`Unknown column '${op.after}' in '${op.table}'`);
        at = i + 1;
      }
      const defs = old.columns.map((c) => c.def);
      defs.splice(at, 0, column.def);
      const next = buildTableSchema(ks.name, { ...old.def, columns: defs });
      const fill = column.defaultCell ?? (column.nullable ? null : implicitDefault(column.type));
      statement = `alter table ${sqlIdent(op.table)} add column ${columnSql(column.def)}${
        op.first ? ' first' : op.after !== undefined ? ` after ${sqlIdent(op.after)}` : ''
      }`;
      tables = [op.table];
      apply = transform(old, next, (cells) => {
        const out = [...cells];
        out.splice(at, 0, fill);
        return out;
      });
      break;
    }
    case 'dropColumn': {
      const old = tableOf(ks, op.table);
      const i = findColumn(old, op.column);
      if (i < 0) throw new DataError(`Can't DROP '${op.column}'; check that column/key exists`);
      if (old.pk.includes(i) || old.shardKey.includes(i)) {
        throw new DataError(`dropping a primary-key or shard-key column is not modelled by the test vtgate`);
      }
      if (old.columns.length === 1) throw new DataError("You can't delete all columns with ALTER TABLE");
      const next = buildTableSchema(ks.name, {
        ...old.def,
        columns: old.def.columns.filter((_, j) => j !== i),
      });
      statement = `alter table ${sqlIdent(op.table)} drop column ${sqlIdent(op.column)}`;
      tables = [op.table];
      apply = transform(old, next, (cells) => cells.filter((_, j) => j !== i));
      break;
    }
    case 'modifyColumn':
    case 'renameColumn': {
      const old = tableOf(ks, op.table);
      const name =
        op.op === 'modifyColumn'
          ? typeof op.column === 'string'
            ? op.column.trim().split(/\s+/)[0]!
            : op.column.name
          : op.column;
      const i = findColumn(old, name);
      if (i < 0) throw new DataError(`Unknown column '${name}' in '${op.table}'`);
      const oldCol = old.columns[i]!;
      const pkNames = new Set(old.pk.map((j) => old.columns[j]!.name.toLowerCase()));
      const column =
        op.op === 'modifyColumn'
          ? buildColumn(op.column, pkNames)
          : buildColumn({ ...oldCol.def, name: op.to }, new Set());
      const defs = old.columns.map((c) => c.def);
      defs[i] = column.def;
      const rename = (list: readonly string[] | undefined) =>
        list?.map((n) => (n.toLowerCase() === oldCol.name.toLowerCase() ? column.name : n));
      const next = buildTableSchema(ks.name, {
        ...old.def,
        columns: defs,
        primaryKey: rename(old.def.primaryKey),
        shardKey: rename(old.def.shardKey),
      });
      statement =
        op.op === 'modifyColumn'
          ? `alter table ${sqlIdent(op.table)} modify column ${columnSql(column.def)}`
          : `alter table ${sqlIdent(op.table)} rename column ${sqlIdent(op.column)} to ${sqlIdent(op.to)}`;
      tables = [op.table];
      apply = transform(old, next, (cells) => {
        const out = [...cells];
        const cell = cells[i]!;
        if (cell === null) {
          if (!column.nullable) throw new DataError(`Invalid use of NULL value`);
          return out;
        }
        if (op.op === 'modifyColumn') {
          const bytes = encodeCopyCell(oldCol.type, cell)!;
          const keepBytes = !isCharacterKind(oldCol.type.kind) && Buffer.isBuffer(cell);
          out[i] = normalizeCell(column.type, keepBytes ? bytes : bytes.toString('utf8'), column.name);
        }
        return out;
      });
      break;
    }
  }
  apply();
  return { statement, tables };
}
