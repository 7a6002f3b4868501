import { z } from 'zod';
import { pgTypeSchema } from './pg-types.js';

/**
 * How one source table (keyspace + table, all shards together) maps to Postgres. Stored as a row of the
 * `table_mappings` control table and updated in the same transaction as the DDL it describes.
 */

/** A previous source name and the shards known to have switched to the new one (per-shard rolling DDL). */
const renameSchema = z.object({ name: z.string(), shards: z.array(z.string()) });
export type RenameRecord = z.infer<typeof renameSchema>;

const mappedColumnSchema = z.object({
  /** Target (Postgres) column name. */
  name: z.string(),
  /** Current source (MySQL) column name. */
  source: z.string(),
  type: pgTypeSchema,
  /** Latest MySQL column type seen, for messages. */
  mysqlType: z.string(),
  /** No shard's latest FIELD has this column: kept in Postgres (nullable), no longer written. */
  dropped: z.boolean(),
  renamedFrom: z.array(renameSchema),
});
export type MappedColumn = z.infer<typeof mappedColumnSchema>;

export type KeyKind = 'primary' | 'unique' | 'none';

export interface MirrorTarget {
  schema: string;
  table: string;
}

export interface TableMapping {
  keyspace: string;
  sourceTable: string;
  /** The mirror table; null when the table only goes to the changelog. */
  target: MirrorTarget | null;
  keyKind: KeyKind;
  /** Target names of the key columns, in key order. */
  keyColumns: string[];
  columns: MappedColumn[];
  /** Target column names in each shard's latest FIELD. */
  shardColumns: Record<string, string[]>;
  /** Previous source table names still used by shards that have not renamed yet. */
  retiredNames: RenameRecord[];
}

export interface TableMappingRow {
  keyspace: string;
  source_table: string;
  target_schema: string | null;
  target_table: string | null;
  key_kind: string;
  key_columns: string[];
  columns: unknown;
  shard_columns: unknown;
  retired_names: unknown;
}

const storedSchema = z.object({
  key_kind: z.enum(['primary', 'unique', 'none']),
  columns: z.array(mappedColumnSchema),
  shard_columns: z.record(z.string(), z.array(z.string())),
  retired_names: z.array(renameSchema),
});

export function mappingFromRow(row: TableMappingRow): TableMapping {
  const stored = storedSchema.parse(row);
  return {
    keyspace: row.keyspace,
    sourceTable: row.source_table,
    target:
      row.target_schema === null || row.target_table === null
        ? null
        : { schema: row.target_schema, table: row.target_table },
    keyKind: stored.key_kind,
    keyColumns: row.key_columns,
    columns: stored.columns,
    shardColumns: stored.shard_columns,
    retiredNames: stored.retired_names,
  };
}

/** Parameters $4.. of the mapping upsert, in column order after stream_id, keyspace, source_table. */
export function mappingRowValues(mapping: TableMapping): unknown[] {
  return [
    mapping.target?.schema ?? null,
    mapping.target?.table ?? null,
    mapping.keyKind,
    mapping.keyColumns,
    JSON.stringify(mapping.columns),
    JSON.stringify(mapping.shardColumns),
    JSON.stringify(mapping.retiredNames),
  ];
}

/** A deep copy, so a plan can be computed without touching the mapping in use until it is applied. */
export function cloneMapping(mapping: TableMapping): TableMapping {
  return structuredClone(mapping);
}

export function tableLabel(keyspace: string, table: string): string {
  return `${keyspace}.${table}`;
}
