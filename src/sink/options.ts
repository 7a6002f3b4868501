import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PgConnectionOptions } from './connection.js';
import { SinkOptionsError } from './errors.js';

const MiB = 1024 * 1024;

const nonEmpty = z.string().min(1);

/** The plain-data part of the sink's options (what a stream configuration holds). */
export const sinkSettingsSchema = z.object({
  /** One checkpoint row, one fencing epoch and one changelog sequence per stream id. */
  streamId: nonEmpty,
  /** Schema of the sink's own tables (checkpoints, DDL history, quarantine, table mappings). */
  controlSchema: nonEmpty.default('vstream_relay'),
  /** `mirror`: a table per source table; `changelog`: one append-only change table; `both`. */
  mode: z.enum(['mirror', 'changelog', 'both']).default('mirror'),
  /** Schema of mirror tables; `{keyspace}` stands for the source keyspace. */
  targetSchema: nonEmpty.default('{keyspace}'),
  /** Per-keyspace exceptions to `targetSchema`. */
  targetSchemas: z.record(z.string(), nonEmpty).default({}),
  /** Where changelog rows go; the schema defaults to the control schema. */
  changelogTable: z
    .object({ schema: nonEmpty.optional(), table: nonEmpty.default('changelog') })
    .prefault({}),
  /**
   * A source table with neither a primary key nor a NOT NULL unique column cannot be mirrored idempotently:
   * `fail` stops the stream naming it; `changelog` writes its changes to the changelog only.
   */
  tablesWithoutKey: z.enum(['fail', 'changelog']).default('fail'),
  /**
   * A value Postgres cannot store unaltered (NUL in text, a zero date, invalid JSON…): `fail` stops the stream
   * (position kept); `quarantine` stores the change in the quarantine table instead and goes on.
   */
  unapplicableValues: z.enum(['fail', 'quarantine']).default('fail'),
  /** When shouldCommit() says yes: any threshold passed, at a source-transaction boundary. */
  commit: z
    .object({
      maxRows: z.number().int().positive().default(20_000),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(32 * MiB),
      maxDelayMs: z.number().int().nonnegative().default(1_000),
    })
    .prefault({}),
  /**
   * Buffered changes are written to the open Postgres transaction once they pass these (even inside a source
   * transaction), which bounds memory however large a source transaction is.
   */
  chunk: z
    .object({
      maxRows: z.number().int().positive().default(5_000),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(8 * MiB),
    })
    .prefault({}),
  /** How long open() waits for a previous writer that still holds the checkpoint row. */
  claimTimeoutMs: z.number().int().positive().default(30_000),
});

export type SinkSettings = z.output<typeof sinkSettingsSchema>;

export interface PostgresSinkOptions extends z.input<typeof sinkSettingsSchema> {
  /** A pool to take one dedicated connection from (released on close). Give this or `connection`. */
  pool?: pg.Pool;
  /** Connection settings for a connection the sink opens itself. */
  connection?: PgConnectionOptions;
  logger?: Logger;
}

export function parseSinkSettings(options: PostgresSinkOptions): SinkSettings {
  const { pool: _pool, connection: _connection, logger: _logger, ...settings } = options;
  const parsed = sinkSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new SinkOptionsError(`invalid sink options: ${z.prettifyError(parsed.error)}`);
  }
  if ((options.pool === undefined) === (options.connection === undefined)) {
    throw new SinkOptionsError('give exactly one of `pool` and `connection`');
  }
  return parsed.data;
}
