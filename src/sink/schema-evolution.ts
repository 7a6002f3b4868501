import type { TableSchema } from '../vstream/events.js';
import { SchemaIncompatibleError } from './errors.js';
import { pgColumnName, pgName } from './identifiers.js';
import { renderPgType, samePgType, widenPgType } from './pg-types.js';
import type { PgType } from './pg-types.js';
import { cloneMapping, tableLabel } from './table-mapping.js';
import type { KeyKind, MappedColumn, MirrorTarget, TableMapping } from './table-mapping.js';
import { isNotNullUniqueColumn, mapColumnType } from './type-mapping.js';
import type { ColumnMapping } from './type-mapping.js';

/**
 * Schema evolution as pure planning: given the current mapping and a FIELD (or a rename from DDL text), compute
 * the new mapping and the actions that bring Postgres there. The registry runs the actions and saves the
 * mapping in the same transaction. Every plan is idempotent and independent of the order in which shards report,
 * because FIELD events come per shard and shards switch schema at different times during a rolling DDL:
 * - a column new to the table is added (nullable);
 * - a column whose type changed is widened to the narrowest type holding both (never narrowed);
 * - a column missing from one shard is only marked dropped once no shard's latest FIELD has it (it is kept);
 * - a changed key, an unmappable type or a conversion that could lose data is refused with a clear error.
 */
export type SchemaAction =
  | { kind: 'create_table'; target: MirrorTarget; columns: { name: string; type: PgType }[]; key: string[] }
  | { kind: 'add_column'; column: string; type: PgType; mysqlType: string }
  | { kind: 'alter_column_type'; column: string; from: PgType; to: PgType; mysqlType: string }
  | { kind: 'drop_column'; column: string }
  | { kind: 'restore_column'; column: string }
  | { kind: 'rename_table'; from: MirrorTarget; to: MirrorTarget; sourceFrom: string; sourceTo: string }
  | { kind: 'rename_column'; from: string; to: string; sourceFrom: string; sourceTo: string };

export interface EvolutionPlan {
  mapping: TableMapping;
  actions: SchemaAction[];
  /** The mapping differs from the stored one (save it even when there are no actions). */
  changed: boolean;
}

export interface EvolutionContext {
  /** Schema for a new mirror table. */
  targetSchema: string;
  /** The stream's mode writes mirror tables. */
  mirror: boolean;
  tablesWithoutKey: 'fail' | 'changelog';
}

/** The Postgres type of each FIELD column, or an error naming the column. */
export function mapSchemaColumns(schema: TableSchema): ColumnMapping[] {
  return schema.columns.map((column) => {
    const mapped = mapColumnType(column);
    if ('unsupported' in mapped) {
      throw new SchemaIncompatibleError(
        tableLabel(schema.keyspace, schema.table),
        `column ${column.name}: ${mapped.unsupported}`,
      );
    }
    return mapped;
  });
}

/** Key columns (indexes into `schema.columns`): the primary key, else the first NOT NULL unique column. */
export function sourceKey(schema: TableSchema): { kind: KeyKind; indexes: number[] } {
  if (schema.primaryKey.length > 0) return { kind: 'primary', indexes: schema.primaryKey };
  const unique = schema.columns.findIndex(isNotNullUniqueColumn);
  return unique >= 0 ? { kind: 'unique', indexes: [unique] } : { kind: 'none', indexes: [] };
}

/**
 * The mapped column a shard's source column name stands for: a column this shard still knows under a name
 * that was renamed on other shards, else the column with that name (exact, then ignoring case as MySQL does).
 */
export function findColumn(
  mapping: TableMapping,
  sourceName: string,
  shard: string,
): MappedColumn | undefined {
  const viaOldName = mapping.columns.find((c) =>
    c.renamedFrom.some((r) => r.name === sourceName && !r.shards.includes(shard)),
  );
  if (viaOldName !== undefined) return viaOldName;
  const exact = mapping.columns.find((c) => c.source === sourceName);
  if (exact !== undefined) return exact;
  const folded = sourceName.toLowerCase();
  return mapping.columns.find((c) => c.source.toLowerCase() === folded);
}

/** Plans the mapping for a FIELD event of one shard. */
export function planForSchema(
  existing: TableMapping | undefined,
  schema: TableSchema,
  context: EvolutionContext,
): EvolutionPlan {
  const mapped = mapSchemaColumns(schema);
  if (existing === undefined) return planNewTable(schema, mapped, context);
  if (existing.target === null) return planChangelogOnly(existing, schema, mapped);
  return planEvolution(existing, schema, mapped);
}

function planNewTable(
  schema: TableSchema,
  mapped: ColumnMapping[],
  context: EvolutionContext,
): EvolutionPlan {
  const label = tableLabel(schema.keyspace, schema.table);
  const key = sourceKey(schema);
  const columns: MappedColumn[] = schema.columns.map((column, i) => ({
    name: pgColumnName(column.name),
    source: column.name,
    type: mapped[i]!.pgType,
    mysqlType: column.columnType,
    dropped: false,
    renamedFrom: [],
  }));
  const names = new Set<string>();
  for (const column of columns) {
    if (names.has(column.name)) {
      throw new SchemaIncompatibleError(label, `two columns map to the same Postgres name ${column.name}`);
    }
    names.add(column.name);
  }
  if (context.mirror && key.kind === 'none' && context.tablesWithoutKey === 'fail') {
    throw new SchemaIncompatibleError(
      label,
      'the table has no primary key and no NOT NULL unique column, so it cannot be mirrored idempotently ' +
        '(add a key, or set tablesWithoutKey to "changelog" to send its changes to the changelog only)',
    );
  }
  const target: MirrorTarget | null =
    context.mirror && key.kind !== 'none'
      ? { schema: context.targetSchema, table: pgName(schema.table) }
      : null;
  const keyColumns = key.indexes.map((i) => columns[i]!.name);
  const mapping: TableMapping = {
    keyspace: schema.keyspace,
    sourceTable: schema.table,
    target,
    keyKind: key.kind,
    keyColumns,
    columns,
    shardColumns: { [schema.shard]: columns.map((c) => c.name) },
    retiredNames: [],
  };
  const actions: SchemaAction[] =
    target === null
      ? []
      : [
          {
            kind: 'create_table',
            target,
            columns: columns.map((c) => ({ name: c.name, type: c.type })),
            key: keyColumns,
          },
        ];
  return { mapping, actions, changed: true };
}

/** A changelog-only table has no Postgres columns to evolve: the mapping just follows the source. */
function planChangelogOnly(
  existing: TableMapping,
  schema: TableSchema,
  mapped: ColumnMapping[],
): EvolutionPlan {
  const mapping = cloneMapping(existing);
  const columns = schema.columns.map((column, i) => ({
    name: pgColumnName(column.name),
    source: column.name,
    type: mapped[i]!.pgType,
    mysqlType: column.columnType,
    dropped: false,
    renamedFrom: [],
  }));
  const changed = JSON.stringify(columns) !== JSON.stringify(existing.columns);
  if (changed) mapping.columns = columns;
  return { mapping, actions: [], changed };
}

function planEvolution(existing: TableMapping, schema: TableSchema, mapped: ColumnMapping[]): EvolutionPlan {
  const label = tableLabel(schema.keyspace, schema.table);
  const mapping = cloneMapping(existing);
  const actions: SchemaAction[] = [];
  let changed = false;

  const resolved: MappedColumn[] = schema.columns.map((field, i) => {
    const incoming = mapped[i]!;
    let column = findColumn(mapping, field.name, schema.shard);
    if (column === undefined) {
      const name = pgColumnName(field.name);
      if (mapping.columns.some((c) => c.name === name)) {
        throw new SchemaIncompatibleError(
          label,
          `new column ${field.name} maps to Postgres column ${name}, which another column already uses`,
        );
      }
      column = {
        name,
        source: field.name,
        type: incoming.pgType,
        mysqlType: field.columnType,
        dropped: false,
        renamedFrom: [],
      };
      mapping.columns.push(column);
      actions.push({ kind: 'add_column', column: name, type: incoming.pgType, mysqlType: field.columnType });
      changed = true;
      return column;
    }
    // This shard reports the column under its new name: it has applied the rename.
    for (const rename of column.renamedFrom) {
      if (
        rename.name !== field.name &&
        column.source === field.name &&
        !rename.shards.includes(schema.shard)
      ) {
        rename.shards.push(schema.shard);
        changed = true;
      }
    }
    if (column.dropped) {
      column.dropped = false;
      actions.push({ kind: 'restore_column', column: column.name });
      changed = true;
    }
    const widened = widenPgType(column.type, incoming.pgType);
    if (widened === undefined) {
      throw new SchemaIncompatibleError(
        label,
        `column ${field.name} changed from ${column.mysqlType} (Postgres ${renderPgType(column.type)}) to ` +
          `${field.columnType} (Postgres ${renderPgType(incoming.pgType)}), which Postgres cannot convert ` +
          'without loss',
      );
    }
    if (!samePgType(widened, column.type)) {
      actions.push({
        kind: 'alter_column_type',
        column: column.name,
        from: column.type,
        to: widened,
        mysqlType: field.columnType,
      });
      column.type = widened;
      changed = true;
    }
    if (column.mysqlType !== field.columnType && samePgType(widened, incoming.pgType)) {
      column.mysqlType = field.columnType;
      changed = true;
    }
    return column;
  });

  checkKey(label, mapping, schema, resolved);

  const names = resolved.map((c) => c.name);
  if (JSON.stringify(mapping.shardColumns[schema.shard]) !== JSON.stringify(names)) {
    mapping.shardColumns[schema.shard] = names;
    changed = true;
  }
  const present = new Set(Object.values(mapping.shardColumns).flat());
  for (const column of mapping.columns) {
    if (!column.dropped && !present.has(column.name)) {
      column.dropped = true;
      actions.push({ kind: 'drop_column', column: column.name });
      changed = true;
    }
  }
  for (const retired of mapping.retiredNames) {
    // A FIELD under the new table name: this shard has applied the table rename.
    if (!retired.shards.includes(schema.shard) && retired.name !== schema.table) {
      retired.shards.push(schema.shard);
      changed = true;
    }
  }
  return { mapping, actions, changed };
}

function checkKey(label: string, mapping: TableMapping, schema: TableSchema, resolved: MappedColumn[]): void {
  const key = sourceKey(schema);
  const incoming = key.indexes.map((i) => resolved[i]!.name);
  if (JSON.stringify(incoming) === JSON.stringify(mapping.keyColumns)) return;
  const describe = (names: string[]) => (names.length === 0 ? 'no key' : `(${names.join(', ')})`);
  throw new SchemaIncompatibleError(
    label,
    `the key changed from ${describe(mapping.keyColumns)} to ${describe(incoming)} (shard ${schema.shard}); ` +
      'the mirror table must be rebuilt',
  );
}

/** Plans `RENAME COLUMN old TO new` reported by one shard's DDL. Undefined when there is nothing to do. */
export function planColumnRename(
  existing: TableMapping,
  oldName: string,
  newName: string,
  shard: string,
): EvolutionPlan | undefined {
  const label = tableLabel(existing.keyspace, existing.sourceTable);
  const mapping = cloneMapping(existing);
  const already = mapping.columns.find(
    (c) => c.source === newName && c.renamedFrom.some((r) => r.name === oldName),
  );
  if (already !== undefined) {
    // Another shard got there first; remember that this one has switched too.
    const record = already.renamedFrom.find((r) => r.name === oldName)!;
    if (record.shards.includes(shard)) return undefined;
    record.shards.push(shard);
    return { mapping, actions: [], changed: true };
  }
  const column = mapping.columns.find((c) => c.source === oldName);
  if (column === undefined) return undefined;
  const to = pgColumnName(newName);
  if (to !== column.name && mapping.columns.some((c) => c.name === to)) {
    throw new SchemaIncompatibleError(
      label,
      `column ${oldName} renamed to ${newName}, but Postgres column ${to} already exists (kept from an earlier ` +
        'column)',
    );
  }
  const from = column.name;
  column.source = newName;
  column.name = to;
  column.renamedFrom.push({ name: oldName, shards: [shard] });
  mapping.keyColumns = mapping.keyColumns.map((k) => (k === from ? to : k));
  for (const list of Object.values(mapping.shardColumns)) {
    const i = list.indexOf(from);
    if (i >= 0) list[i] = to;
  }
  const actions: SchemaAction[] =
    from === to || mapping.target === null
      ? []
      : [{ kind: 'rename_column', from, to, sourceFrom: oldName, sourceTo: newName }];
  return { mapping, actions, changed: true };
}

/**
 * Plans `RENAME TABLE old TO new` reported by one shard. Returns the renamed mapping; the old source name stays
 * as an alias for shards that have not renamed yet.
 */
export function planTableRename(existing: TableMapping, newName: string, shard: string): EvolutionPlan {
  const mapping = cloneMapping(existing);
  const oldName = mapping.sourceTable;
  mapping.sourceTable = newName;
  mapping.retiredNames = mapping.retiredNames.filter((r) => r.name !== newName);
  mapping.retiredNames.push({ name: oldName, shards: [shard] });
  const actions: SchemaAction[] = [];
  if (existing.target !== null) {
    const to = { schema: existing.target.schema, table: pgName(newName) };
    if (to.table !== existing.target.table) {
      actions.push({
        kind: 'rename_table',
        from: existing.target,
        to,
        sourceFrom: oldName,
        sourceTo: newName,
      });
      mapping.target = to;
    }
  }
  return { mapping, actions, changed: true };
}
