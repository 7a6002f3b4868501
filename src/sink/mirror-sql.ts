import { createHash } from 'node:crypto';
import { qualify, quoteIdent } from './identifiers.js';
import { renderPgType } from './pg-types.js';
import type { PgType } from './pg-types.js';
import type { MirrorTarget } from './table-mapping.js';

/**
 * Bulk statements for mirror tables. Values travel as one `text[]` parameter per column and are cast to the
 * column type inside Postgres (`unnest`), so a statement's text depends only on the table's shape: it is
 * prepared once per connection and reused, and no value is ever spliced into SQL. Measured against COPY into
 * a staging table plus INSERT … SELECT: equal at 1,000+ rows per batch, about 2.5x faster at 100 rows.
 */
export interface BulkStatement {
  /** Prepared-statement name derived from the text, so a changed shape never reuses a stale plan name. */
  name: string;
  text: string;
}

function statement(text: string): BulkStatement {
  return { name: `vsr_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

function unnestOf(types: readonly PgType[], alias: string): { from: string; cast: (i: number) => string } {
  const params = types.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = types.map((_, i) => `c${i}`).join(', ');
  return {
    from: `unnest(${params}) AS ${alias}(${names})`,
    cast: (i) => `${alias}.c${i}::${renderPgType(types[i]!)}`,
  };
}

/**
 * INSERT … ON CONFLICT (key) DO UPDATE of the given columns; other columns of the table (added by other shards,
 * or dropped at the source) keep their values on update and are NULL on insert.
 */
export function upsertStatement(
  target: MirrorTarget,
  columns: readonly { name: string; type: PgType }[],
  keyColumns: readonly string[],
): BulkStatement {
  const source = unnestOf(
    columns.map((c) => c.type),
    'u',
  );
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const values = columns.map((_, i) => source.cast(i)).join(', ');
  const keys = new Set(keyColumns);
  const updates = columns
    .filter((c) => !keys.has(c.name))
    .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
  const conflict = `ON CONFLICT (${keyColumns.map(quoteIdent).join(', ')})`;
  const action = updates.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updates.join(', ')}`;
  return statement(
    `INSERT INTO ${qualify(target.schema, target.table)} (${names}) SELECT ${values} FROM ${source.from} ` +
      `${conflict} ${action}`,
  );
}

/** DELETE of the given keys. */
export function deleteStatement(
  target: MirrorTarget,
  keyColumns: readonly { name: string; type: PgType }[],
): BulkStatement {
  const source = unnestOf(
    keyColumns.map((c) => c.type),
    'k',
  );
  const match = keyColumns.map((c, i) => `t.${quoteIdent(c.name)} = ${source.cast(i)}`).join(' AND ');
  return statement(
    `DELETE FROM ${qualify(target.schema, target.table)} AS t USING ${source.from} WHERE ${match}`,
  );
}

export function createTableStatement(
  target: MirrorTarget,
  columns: readonly { name: string; type: PgType }[],
  keyColumns: readonly string[],
): string {
  const definitions = columns.map((c) => `${quoteIdent(c.name)} ${renderPgType(c.type)}`);
  definitions.push(`PRIMARY KEY (${keyColumns.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE ${qualify(target.schema, target.table)} (${definitions.join(', ')})`;
}

export function addColumnStatement(target: MirrorTarget, column: string, type: PgType): string {
  return `ALTER TABLE ${qualify(target.schema, target.table)} ADD COLUMN ${quoteIdent(column)} ${renderPgType(type)}`;
}

/** ALTER COLUMN TYPE; BIT columns are left-padded so old values read as MySQL now shows them. */
export function alterColumnTypeStatement(
  target: MirrorTarget,
  column: string,
  from: PgType,
  to: PgType,
): string {
  const name = quoteIdent(column);
  let using = '';
  if (from.kind === 'varbit' && to.kind === 'varbit' && to.length !== null) {
    using = ` USING lpad(${name}::text, ${to.length}, '0')::${renderPgType(to)}`;
  }
  return `ALTER TABLE ${qualify(target.schema, target.table)} ALTER COLUMN ${name} TYPE ${renderPgType(to)}${using}`;
}

export function renameColumnStatement(target: MirrorTarget, from: string, to: string): string {
  return `ALTER TABLE ${qualify(target.schema, target.table)} RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)}`;
}

export function renameTableStatement(from: MirrorTarget, to: MirrorTarget): string {
  return `ALTER TABLE ${qualify(from.schema, from.table)} RENAME TO ${quoteIdent(to.table)}`;
}
