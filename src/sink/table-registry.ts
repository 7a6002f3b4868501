import type pg from 'pg';
import type { Vgtid } from '../vstream/vgtid.js';
import { SchemaIncompatibleError } from './errors.js';
import { qualify, quoteIdent } from './identifiers.js';
import {
  addColumnStatement,
  alterColumnTypeStatement,
  createTableStatement,
  renameColumnStatement,
  renameTableStatement,
} from './mirror-sql.js';
import { renderPgType } from './pg-types.js';
import type { EvolutionPlan, SchemaAction } from './schema-evolution.js';
import { mappingFromRow, mappingRowValues, tableLabel } from './table-mapping.js';
import type { MirrorTarget, TableMapping, TableMappingRow } from './table-mapping.js';

/** One row of the DDL history table. */
export interface HistoryEntry {
  keyspace: string | null;
  shard: string | null;
  sourceTable: string | null;
  target: MirrorTarget | null;
  /** `source_ddl`, `create_table`, `add_column`, `alter_column_type`, `drop_column`, `restore_column`, … */
  action: string;
  /** The source DDL text, or the SQL the sink ran. */
  statement: string | null;
  details?: Record<string, unknown>;
  position?: Vgtid | null;
}

/**
 * The table mappings of one stream: loaded once, looked up per FIELD and ROW, and changed only through plans
 * that this class runs against Postgres (DDL, the mapping row, and the history) inside the caller's
 * transaction. After a rollback the caller must `reset()` so the next lookup reloads the committed state.
 */
export class TableRegistry {
  private readonly mappings = new Map<string, TableMapping>();
  private loaded = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly controlSchema: string,
    private readonly streamId: string,
  ) {}

  reset(): void {
    this.mappings.clear();
    this.loaded = false;
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    const { rows } = await this.client.query<TableMappingRow>(
      `SELECT keyspace, source_table, target_schema, target_table, key_kind, key_columns, columns, ` +
        `shard_columns, retired_names FROM ${qualify(this.controlSchema, 'table_mappings')} WHERE stream_id = $1`,
      [this.streamId],
    );
    this.mappings.clear();
    for (const row of rows) {
      const mapping = mappingFromRow(row);
      this.mappings.set(mappingKey(mapping.keyspace, mapping.sourceTable), mapping);
    }
    this.loaded = true;
  }

  /**
   * The mapping for rows of `keyspace.table` from `shard`: a table this shard still knows under a name other
   * shards have already renamed comes first, then the table of that name.
   */
  resolve(keyspace: string, table: string, shard: string): TableMapping | undefined {
    for (const mapping of this.mappings.values()) {
      if (mapping.keyspace !== keyspace) continue;
      if (mapping.retiredNames.some((r) => r.name === table && !r.shards.includes(shard))) return mapping;
    }
    return this.mappings.get(mappingKey(keyspace, table));
  }

  /** A mapping by its current source name, ignoring per-shard aliases. */
  get(keyspace: string, table: string): TableMapping | undefined {
    return this.mappings.get(mappingKey(keyspace, table));
  }

  all(): TableMapping[] {
    return [...this.mappings.values()];
  }

  /** Runs a plan: DDL first, then the mapping row and one history row per action. */
  async apply(
    previous: TableMapping | undefined,
    plan: EvolutionPlan,
    context: { batchSeq: number; shard: string },
  ): Promise<void> {
    const mapping = plan.mapping;
    const renamed = previous !== undefined && previous.sourceTable !== mapping.sourceTable;
    if (renamed) {
      const clash = this.mappings.get(mappingKey(mapping.keyspace, mapping.sourceTable));
      if (clash !== undefined) {
        throw new SchemaIncompatibleError(
          tableLabel(previous.keyspace, previous.sourceTable),
          `renamed to ${mapping.sourceTable}, but a table of that name is already mirrored (kept from an ` +
            'earlier table); drop or rename its mapping first',
        );
      }
    }
    for (const action of plan.actions) {
      const sql = await this.runAction(mapping, action);
      await this.record({
        keyspace: mapping.keyspace,
        shard: context.shard,
        sourceTable: mapping.sourceTable,
        target: mapping.target,
        action: action.kind,
        statement: sql,
        details: actionDetails(action),
        batchSeq: context.batchSeq,
      });
    }
    if (plan.changed || plan.actions.length > 0) {
      if (renamed) {
        await this.client.query(
          `DELETE FROM ${qualify(this.controlSchema, 'table_mappings')} ` +
            `WHERE stream_id = $1 AND keyspace = $2 AND source_table = $3`,
          [this.streamId, previous.keyspace, previous.sourceTable],
        );
      }
      await this.save(mapping);
    }
    if (renamed) this.mappings.delete(mappingKey(previous.keyspace, previous.sourceTable));
    this.mappings.set(mappingKey(mapping.keyspace, mapping.sourceTable), mapping);
  }

  /** Saves a mapping changed outside a plan (e.g. shards pruned after a reshard). */
  async update(mapping: TableMapping): Promise<void> {
    await this.save(mapping);
    this.mappings.set(mappingKey(mapping.keyspace, mapping.sourceTable), mapping);
  }

  async record(entry: HistoryEntry & { batchSeq: number }): Promise<void> {
    await this.client.query(
      `INSERT INTO ${qualify(this.controlSchema, 'ddl_history')} (stream_id, batch_seq, keyspace, shard, ` +
        `source_table, target_schema, target_table, action, statement, details, position) ` +
        `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb)`,
      [
        this.streamId,
        entry.batchSeq,
        entry.keyspace,
        entry.shard,
        entry.sourceTable,
        entry.target?.schema ?? null,
        entry.target?.table ?? null,
        entry.action,
        entry.statement,
        entry.details === undefined ? null : JSON.stringify(entry.details),
        entry.position?.serialize() ?? null,
      ],
    );
  }

  private async save(mapping: TableMapping): Promise<void> {
    await this.client.query(
      `INSERT INTO ${qualify(this.controlSchema, 'table_mappings')} (stream_id, keyspace, source_table, ` +
        `target_schema, target_table, key_kind, key_columns, columns, shard_columns, retired_names) ` +
        `VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb) ` +
        `ON CONFLICT (stream_id, keyspace, source_table) DO UPDATE SET target_schema = EXCLUDED.target_schema, ` +
        `target_table = EXCLUDED.target_table, key_kind = EXCLUDED.key_kind, key_columns = EXCLUDED.key_columns, ` +
        `columns = EXCLUDED.columns, shard_columns = EXCLUDED.shard_columns, ` +
        `retired_names = EXCLUDED.retired_names, updated_at = now()`,
      [this.streamId, mapping.keyspace, mapping.sourceTable, ...mappingRowValues(mapping)],
    );
  }

  /** Runs one action's DDL; returns the SQL for the history (null when the action is only recorded). */
  private async runAction(mapping: TableMapping, action: SchemaAction): Promise<string | null> {
    const label = tableLabel(mapping.keyspace, mapping.sourceTable);
    let sql: string | null = null;
    switch (action.kind) {
      case 'create_table':
        await this.ensureSchema(action.target.schema);
        await this.refuseExisting(label, action.target, 'cannot create mirror table');
        sql = createTableStatement(action.target, action.columns, action.key);
        break;
      case 'add_column':
        sql = addColumnStatement(mapping.target!, action.column, action.type);
        break;
      case 'alter_column_type':
        sql = alterColumnTypeStatement(mapping.target!, action.column, action.from, action.to);
        break;
      case 'rename_column':
        sql = renameColumnStatement(mapping.target!, action.from, action.to);
        break;
      case 'rename_table':
        await this.refuseExisting(
          label,
          action.to,
          `cannot rename mirror table to follow ${action.sourceTo}`,
        );
        sql = renameTableStatement(action.from, action.to);
        break;
      case 'restore_column':
        // Every shard had dropped the column, so its old values are gone at the source: the column comes back
        // empty (NULL), as a new column, not with the values it held before the drop.
        if (mapping.target === null) return null;
        sql =
          `UPDATE ${qualify(mapping.target.schema, mapping.target.table)} ` +
          `SET ${quoteIdent(action.column)} = NULL WHERE ${quoteIdent(action.column)} IS NOT NULL`;
        break;
      case 'drop_column':
        return null;
    }
    await this.client.query(sql);
    return sql;
  }

  private async ensureSchema(schema: string): Promise<void> {
    const { rowCount } = await this.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (rowCount === 0) await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  }

  /** A table the sink did not create (or another stream owns) is never written over. */
  private async refuseExisting(label: string, target: MirrorTarget, what: string): Promise<void> {
    const { rows } = await this.client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [
      qualify(target.schema, target.table),
    ]);
    if (rows[0]?.oid != null) {
      throw new SchemaIncompatibleError(
        label,
        `${what}: ${qualify(target.schema, target.table)} already exists and is not mapped to this table ` +
          'by this stream',
      );
    }
  }
}

function mappingKey(keyspace: string, table: string): string {
  return `${keyspace}\0${table}`;
}

function actionDetails(action: SchemaAction): Record<string, unknown> {
  switch (action.kind) {
    case 'create_table':
      return {
        columns: action.columns.map((c) => ({ name: c.name, type: renderPgType(c.type) })),
        key: action.key,
      };
    case 'add_column':
      return { column: action.column, type: renderPgType(action.type), mysqlType: action.mysqlType };
    case 'alter_column_type':
      return {
        column: action.column,
        from: renderPgType(action.from),
        to: renderPgType(action.to),
        mysqlType: action.mysqlType,
      };
    case 'drop_column':
    case 'restore_column':
      return { column: action.column };
    case 'rename_column':
      return { from: action.from, to: action.to, sourceFrom: action.sourceFrom, sourceTo: action.sourceTo };
    case 'rename_table':
      return { from: action.from, to: action.to, sourceFrom: action.sourceFrom, sourceTo: action.sourceTo };
  }
}
