import type pg from 'pg';
import { Vgtid } from '../vstream/vgtid.js';
import { FencedError } from './errors.js';
import { qualify } from './identifiers.js';

/** The committed state of a stream, as stored in the checkpoint row. */
export interface Checkpoint {
  streamId: string;
  /** The fencing epoch of the writer that holds the stream now. */
  epoch: number;
  /** Number of batches committed so far (0 before the first). */
  batchSeq: number;
  /** Where to resume the VStream; null before the first commit. */
  vgtid: Vgtid | null;
  /** Last changelog sequence number used (changelog rows are numbered 1, 2, … per stream). */
  changelogSeq: number;
  /** Last source-transaction number used (numbers changelog and quarantine rows' transactions). */
  txnSeq: number;
  /** Source commit time of the last committed source transaction that had one. */
  lastCommitTs: Date | null;
  /** When the sink committed the end of the copy phase (every shard), if it has. */
  copyCompletedAt: Date | null;
  /** How many resnapshots the stream has done (0 = only its first snapshot, if any). */
  snapshotGeneration: number;
  /** Tables being re-copied into a staging table while the stream runs. */
  resyncs: TableResync[];
  updatedAt: Date;
}

/** A per-table resync under way: the mirror's rows go to `staging` until the table's copy completes. */
export interface TableResync {
  keyspace: string;
  /** Source table name (bare). */
  table: string;
  live: { schema: string; table: string };
  staging: { schema: string; table: string };
  startedAt: string;
}

interface CheckpointRow {
  stream_id: string;
  epoch: string;
  batch_seq: string;
  vgtid: unknown;
  changelog_seq: string;
  txn_seq: string;
  last_commit_ts: Date | null;
  copy_completed_at: Date | null;
  snapshot_generation: number;
  resyncs: TableResync[];
  updated_at: Date;
}

const COLUMNS =
  'stream_id, epoch, batch_seq, vgtid, changelog_seq, txn_seq, last_commit_ts, copy_completed_at, ' +
  'snapshot_generation, resyncs, updated_at';

function fromRow(row: CheckpointRow): Checkpoint {
  return {
    streamId: row.stream_id,
    epoch: Number(row.epoch),
    batchSeq: Number(row.batch_seq),
    vgtid: row.vgtid === null ? null : Vgtid.fromJSON(row.vgtid),
    changelogSeq: Number(row.changelog_seq),
    txnSeq: Number(row.txn_seq),
    lastCommitTs: row.last_commit_ts,
    copyCompletedAt: row.copy_completed_at,
    snapshotGeneration: row.snapshot_generation,
    resyncs: row.resyncs,
    updatedAt: row.updated_at,
  };
}

/**
 * Takes the stream over: a new epoch (1 on first use) in one atomic statement, committed at once, so every
 * earlier writer is fenced from now on. Waits at most `lockTimeoutMs` for a writer still inside a transaction
 * (it holds the checkpoint row); a timeout is a retryable lock error.
 */
export async function claimStream(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
  lockTimeoutMs: number,
): Promise<Checkpoint> {
  const table = qualify(schema, 'checkpoints');
  await client.query('BEGIN');
  try {
    await client.query("SELECT set_config('lock_timeout', $1, true)", [`${lockTimeoutMs}ms`]);
    const { rows } = await client.query<CheckpointRow>(
      `INSERT INTO ${table} AS c (stream_id, epoch) VALUES ($1, 1)
       ON CONFLICT (stream_id) DO UPDATE SET epoch = c.epoch + 1, claimed_at = now()
       RETURNING ${COLUMNS}`,
      [streamId],
    );
    await client.query('COMMIT');
    return fromRow(rows[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Reads the committed checkpoint without claiming anything. */
export async function readCheckpoint(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
): Promise<Checkpoint | null> {
  const { rows } = await client.query<CheckpointRow>(
    `SELECT ${COLUMNS} FROM ${qualify(schema, 'checkpoints')} WHERE stream_id = $1`,
    [streamId],
  );
  return rows[0] === undefined ? null : fromRow(rows[0]);
}

/**
 * First statement of every sink transaction: locks the checkpoint row and checks the epoch. Holding the row lock
 * until COMMIT means a new writer's claim waits for this transaction, so two writers never apply at once; a
 * fenced writer learns it before writing anything.
 */
export async function lockCheckpoint(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
  epoch: number,
): Promise<void> {
  const { rows } = await client.query<{ epoch: string }>(
    `SELECT epoch FROM ${qualify(schema, 'checkpoints')} WHERE stream_id = $1 FOR UPDATE`,
    [streamId],
  );
  if (rows[0] === undefined || Number(rows[0].epoch) !== epoch) throw new FencedError(streamId, epoch);
}

export interface CheckpointAdvance {
  vgtid: Vgtid;
  changelogSeq: number;
  txnSeq: number;
  lastCommitTs: Date | null;
  copyCompleted: boolean;
  resyncs: TableResync[];
}

/**
 * Moves the checkpoint forward inside the batch's transaction, guarded by the epoch: a stale writer updates no
 * row and gets a FencedError (the caller rolls back). Returns the new batch number and update time.
 */
export async function advanceCheckpoint(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
  epoch: number,
  advance: CheckpointAdvance,
): Promise<{ batchSeq: number; updatedAt: Date }> {
  const { rows } = await client.query<{ batch_seq: string; updated_at: Date }>(
    `UPDATE ${qualify(schema, 'checkpoints')}
     SET batch_seq = batch_seq + 1,
         vgtid = $3::jsonb,
         changelog_seq = $4,
         txn_seq = $5,
         last_commit_ts = COALESCE($6, last_commit_ts),
         copy_completed_at = CASE WHEN $7 THEN COALESCE(copy_completed_at, now()) ELSE copy_completed_at END,
         resyncs = $8::jsonb,
         updated_at = now()
     WHERE stream_id = $1 AND epoch = $2
     RETURNING batch_seq, updated_at`,
    [
      streamId,
      epoch,
      advance.vgtid.serialize(),
      advance.changelogSeq,
      advance.txnSeq,
      advance.lastCommitTs,
      advance.copyCompleted,
      JSON.stringify(advance.resyncs),
    ],
  );
  if (rows[0] === undefined) throw new FencedError(streamId, epoch);
  return { batchSeq: Number(rows[0].batch_seq), updatedAt: rows[0].updated_at };
}

/**
 * Rewrites the position part of the checkpoint outside a batch (a resnapshot or a resync starting), inside the
 * caller's transaction and epoch-guarded. The batch number does not move: nothing was applied.
 */
export async function restartCheckpoint(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
  epoch: number,
  restart: {
    vgtid: Vgtid | null;
    snapshotGeneration: number;
    resyncs: TableResync[];
    copyCompleted: boolean;
  },
): Promise<Date> {
  const { rows } = await client.query<{ updated_at: Date }>(
    `UPDATE ${qualify(schema, 'checkpoints')}
     SET vgtid = $3::jsonb,
         snapshot_generation = $4,
         resyncs = $5::jsonb,
         copy_completed_at = CASE WHEN $6 THEN copy_completed_at ELSE NULL END,
         updated_at = now()
     WHERE stream_id = $1 AND epoch = $2
     RETURNING updated_at`,
    [
      streamId,
      epoch,
      restart.vgtid === null ? null : restart.vgtid.serialize(),
      restart.snapshotGeneration,
      JSON.stringify(restart.resyncs),
      restart.copyCompleted,
    ],
  );
  if (rows[0] === undefined) throw new FencedError(streamId, epoch);
  return rows[0].updated_at;
}
