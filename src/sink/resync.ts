import type pg from 'pg';
import type { Vgtid } from '../vstream/vgtid.js';
import type { TableResync } from './checkpoint.js';
import { SchemaIncompatibleError } from './errors.js';
import { qualify, quoteIdent } from './identifiers.js';
import type { MirrorTarget } from './table-mapping.js';

/**
 * Per-table resync: the table is copied again through VStream's copy phase (a `table_p_ks` entry with no lastpk,
 * limited by `tables_to_copy`) into a staging table while every other table keeps streaming; once the copy
 * of every shard is done the staging table replaces the mirror in the batch's own transaction.
 */

const STAGING_SUFFIX = '__vsr_resync';

/** Staging table name next to the mirror, kept within Postgres's 63-byte identifier limit. */
export function stagingTarget(live: MirrorTarget): MirrorTarget {
  let base = live.table;
  while (Buffer.byteLength(base + STAGING_SUFFIX) > 63) base = base.slice(0, -1);
  return { schema: live.schema, table: base + STAGING_SUFFIX };
}

/** The position to resume from so that VStream copies `table` again on every shard of its keyspace. */
export function positionWithTableCopy(vgtid: Vgtid, keyspace: string, table: string): Vgtid {
  let next = vgtid;
  for (const shard of vgtid.shards()) {
    if (shard.keyspace !== keyspace) continue;
    if (shard.tablePKs.some((t) => t.tableName === table)) continue;
    next = next.withShard({ ...shard, tablePKs: [...shard.tablePKs, { tableName: table, lastpk: null }] });
  }
  return next;
}

/** True once no shard of the resync's keyspace still lists the table as being copied. */
export function resyncCopied(vgtid: Vgtid, resync: TableResync): boolean {
  return vgtid
    .shards()
    .every((s) => s.keyspace !== resync.keyspace || !s.tablePKs.some((t) => t.tableName === resync.table));
}

/**
 * Creates an empty staging table shaped like the mirror (columns, defaults, keys and indexes), replacing a
 * leftover of an earlier attempt. Tables that views depend on are refused: the swap drops the old table.
 */
export async function createStagingTable(
  client: pg.ClientBase,
  label: string,
  live: MirrorTarget,
  staging: MirrorTarget,
): Promise<void> {
  const { rows } = await client.query<{ view: string }>(
    `SELECT DISTINCT v.oid::regclass::text AS view
       FROM pg_depend d
       JOIN pg_rewrite r ON r.oid = d.objid
       JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.refobjid = to_regclass($1) AND v.oid <> d.refobjid`,
    [qualify(live.schema, live.table)],
  );
  if (rows.length > 0) {
    throw new SchemaIncompatibleError(
      label,
      `cannot resync: views depend on the mirror table (${rows.map((r) => r.view).join(', ')}); the resync ` +
        'replaces the table, so drop them first and recreate them afterwards',
    );
  }
  await client.query(`DROP TABLE IF EXISTS ${qualify(staging.schema, staging.table)}`);
  await client.query(
    `CREATE TABLE ${qualify(staging.schema, staging.table)} (LIKE ${qualify(live.schema, live.table)} INCLUDING ALL)`,
  );
}

/** Replaces the mirror by its staging table (same name afterwards, indexes renamed back). */
export async function swapStagingTable(client: pg.ClientBase, resync: TableResync): Promise<void> {
  const { live, staging } = resync;
  await client.query(`DROP TABLE IF EXISTS ${qualify(live.schema, live.table)}`);
  await client.query(
    `ALTER TABLE ${qualify(staging.schema, staging.table)} RENAME TO ${quoteIdent(live.table)}`,
  );
  // LIKE … INCLUDING ALL named the indexes after the staging table; give them the mirror's names back.
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1) AND starts_with(c.relname, $2)`,
    [qualify(live.schema, live.table), staging.table],
  );
  for (const { name } of rows) {
    const renamed = live.table + name.slice(staging.table.length);
    if (Buffer.byteLength(renamed) > 63) continue;
    await client.query(`ALTER INDEX ${qualify(live.schema, name)} RENAME TO ${quoteIdent(renamed)}`);
  }
}

/** Drops the staging table of an abandoned resync (a resnapshot replaces it). */
export async function dropStagingTable(client: pg.ClientBase, resync: TableResync): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${qualify(resync.staging.schema, resync.staging.table)}`);
}
