import type pg from 'pg';
import { SinkStateError } from './errors.js';
import { qualify, quoteIdent } from './identifiers.js';

/**
 * The sink's own tables, created and upgraded by the sink through numbered migrations. Each migration runs once,
 * inside one transaction holding an advisory lock, so workers starting together neither race nor half-apply.
 */
interface Migration {
  version: number;
  description: string;
  statements(schema: string): string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'checkpoints, DDL history, quarantine, table mappings',
    statements: (schema) => {
      const t = (name: string) => qualify(schema, name);
      return [
        `CREATE TABLE ${t('checkpoints')} (
          stream_id text PRIMARY KEY,
          epoch bigint NOT NULL,
          batch_seq bigint NOT NULL DEFAULT 0,
          vgtid jsonb,
          changelog_seq bigint NOT NULL DEFAULT 0,
          txn_seq bigint NOT NULL DEFAULT 0,
          last_commit_ts timestamptz,
          copy_completed_at timestamptz,
          claimed_at timestamptz NOT NULL DEFAULT now(),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`,
        `CREATE TABLE ${t('ddl_history')} (
          id bigserial PRIMARY KEY,
          stream_id text NOT NULL,
          batch_seq bigint NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          keyspace text,
          shard text,
          source_table text,
          target_schema text,
          target_table text,
          action text NOT NULL,
          statement text,
          details jsonb,
          position jsonb
        )`,
        `CREATE INDEX ON ${t('ddl_history')} (stream_id, id)`,
        `CREATE TABLE ${t('quarantine')} (
          id bigserial PRIMARY KEY,
          stream_id text NOT NULL,
          batch_seq bigint NOT NULL,
          txn_seq bigint NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          keyspace text NOT NULL,
          shard text NOT NULL,
          source_table text NOT NULL,
          op text NOT NULL,
          is_copy boolean NOT NULL,
          code text NOT NULL,
          reason text NOT NULL,
          column_name text,
          value_format text NOT NULL,
          before json,
          after json,
          commit_ts timestamptz,
          position jsonb
        )`,
        `CREATE INDEX ON ${t('quarantine')} (stream_id, txn_seq)`,
        `CREATE TABLE ${t('table_mappings')} (
          stream_id text NOT NULL,
          keyspace text NOT NULL,
          source_table text NOT NULL,
          target_schema text,
          target_table text,
          key_kind text NOT NULL,
          key_columns text[] NOT NULL,
          columns jsonb NOT NULL,
          shard_columns jsonb NOT NULL DEFAULT '{}',
          retired_names jsonb NOT NULL DEFAULT '[]',
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (stream_id, keyspace, source_table),
          UNIQUE (target_schema, target_table)
        )`,
      ];
    },
  },
  {
    version: 2,
    description: 'resnapshot generation and per-table resyncs in the checkpoint',
    statements: (schema) => [
      `ALTER TABLE ${qualify(schema, 'checkpoints')}
         ADD COLUMN snapshot_generation integer NOT NULL DEFAULT 0,
         ADD COLUMN resyncs jsonb NOT NULL DEFAULT '[]'`,
    ],
  },
];

export const CONTROL_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Serializes schema changes made by the sink in one database (control schema, changelog table). */
async function lockForSchemaChanges(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `vstream-relay:ddl:${schema}`,
  ]);
}

/** Creates the schema when missing; checks first so a role without CREATE on the database can use one. */
async function ensureSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
}

/** Brings the control schema up to date. Safe to run from several workers at once. */
export async function migrateControlSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await lockForSchemaChanges(client, schema);
    await ensureSchema(client, schema);
    const migrations = qualify(schema, 'schema_migrations');
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${migrations} (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${migrations}`);
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > CONTROL_SCHEMA_VERSION) {
      throw new SinkStateError(
        `control schema ${schema} is at version ${newest}, newer than this sink understands ` +
          `(${CONTROL_SCHEMA_VERSION}); upgrade the worker`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements(schema)) await client.query(statement);
      await client.query(`INSERT INTO ${migrations} (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The changelog table (its place is per stream configuration, so it is not part of the migrations). */
export async function ensureChangelogTable(
  client: pg.ClientBase,
  schema: string,
  table: string,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await lockForSchemaChanges(client, schema);
    await ensureSchema(client, schema);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${qualify(schema, table)} (
        stream_id text NOT NULL,
        seq bigint NOT NULL,
        txn_seq bigint NOT NULL,
        keyspace text NOT NULL,
        shard text NOT NULL,
        table_name text NOT NULL,
        op text NOT NULL,
        is_copy boolean NOT NULL,
        primary_key jsonb,
        before jsonb,
        after jsonb,
        commit_ts timestamptz,
        source_gtid text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, seq)
      )`,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
