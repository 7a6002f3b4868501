// The model's storage: keyspaces of shards, each shard a primary with its rows (by primary key), its
// GTID history and its binlog.
import { Binlog } from './binlog.js';
import type { ShardGtids } from './gtid.js';
import { keyspaceId, type KeyRange } from './keyspace-id.js';
import type { TableSchema } from './schema.js';
import { compareCells, encodeCopyCell, type Cell } from './values.js';

export class ShardState {
  serving = true;
  readonly binlog = new Binlog();
  /** table name → primary-key text → cells in the table's current column order. */
  readonly rows = new Map<string, Map<string, Cell[]>>();

  constructor(
    readonly keyspace: string,
    readonly name: string,
    readonly range: KeyRange,
    readonly gtids: ShardGtids,
    readonly tabletAlias: string,
  ) {}

  /** Rows of a table in primary-key order, as of now (a consistent snapshot in this model). */
  snapshot(schema: TableSchema): Cell[][] {
    const rows = [...(this.rows.get(schema.name)?.values() ?? [])];
    return rows.sort((a, b) => comparePk(schema, a, b));
  }
}

export class KeyspaceState {
  readonly tables = new Map<string, TableSchema>();
  /** Every shard the keyspace ever had, serving or not. */
  readonly shards = new Map<string, ShardState>();
  readonly autoIncrement = new Map<string, bigint>();

  constructor(readonly name: string) {}

  servingShards(): ShardState[] {
    return [...this.shards.values()]
      .filter((s) => s.serving)
      .sort((a, b) => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0));
  }
}

export function comparePk(schema: TableSchema, a: readonly Cell[], b: readonly Cell[]): number {
  for (const i of schema.pk) {
    const c = compareCells(schema.columns[i]!.type, a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

export const PK_SEPARATOR = '\u0001';

export function pkKey(schema: TableSchema, cells: readonly Cell[]): string {
  return schema.pk
    .map((i) => encodeCopyCell(schema.columns[i]!.type, cells[i]!)?.toString('latin1') ?? '\u0000N')
    .join(PK_SEPARATOR);
}

export function shardKeyspaceId(schema: TableSchema, cells: readonly Cell[]): bigint {
  return keyspaceId(schema.shardKey.map((i) => encodeCopyCell(schema.columns[i]!.type, cells[i]!)));
}
