import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine } from './copy-text.js';
import type { SourceTransaction } from './source-transaction.js';

export type ChangelogOp = 'insert' | 'update' | 'delete' | 'truncate';

export interface ChangelogRow {
  /** Per-stream sequence number, gapless from the checkpoint's changelog_seq. */
  seq: number;
  txn: SourceTransaction;
  table: string;
  op: ChangelogOp;
  copy: boolean;
  /** JSON texts (see value-json.ts); null is SQL NULL. */
  primaryKey: string | null;
  before: string | null;
  after: string | null;
}

/**
 * Changelog rows waiting for the next flush, streamed into the table with COPY (append-only, no conflicts to
 * resolve: measured ~1.6x faster than an unnest INSERT for 5,000-row chunks, and no slower for 100). Exactly
 * once: rows are numbered from the checkpoint and written in the same transaction that advances it, so a replay
 * after a crash writes the same numbers again, never twice; (stream_id, seq) is the primary key as a last guard.
 */
export class ChangelogBuffer {
  private rows: ChangelogRow[] = [];

  get size(): number {
    return this.rows.length;
  }

  push(row: ChangelogRow): void {
    this.rows.push(row);
  }

  clear(): void {
    this.rows = [];
  }

  async flush(client: pg.ClientBase, table: string, streamId: string): Promise<number> {
    const rows = this.rows;
    if (rows.length === 0) return 0;
    this.rows = [];
    // Rows of transactions not committed yet are written without a position, even if the commit arrives while
    // the COPY is still streaming (it may run in the background): fillChangelogPosition sets it later.
    const unpositioned = new Set<SourceTransaction>();
    for (const row of rows) {
      if (row.txn.committed) continue;
      unpositioned.add(row.txn);
      const range = row.txn.unpositionedChangelog;
      row.txn.unpositionedChangelog = { first: range?.first ?? row.seq, last: row.seq };
    }
    const copy = client.query(
      copyFrom(
        `COPY ${table} (stream_id, seq, txn_seq, keyspace, shard, table_name, op, is_copy, primary_key, before, ` +
          'after, commit_ts, source_gtid) FROM STDIN',
      ),
    );
    await pipeline(Readable.from(copyLines(rows, streamId, unpositioned)), copy);
    return rows.length;
  }
}

/** The COPY data in pieces of a few hundred rows, so no single huge string is built. */
function* copyLines(
  rows: readonly ChangelogRow[],
  streamId: string,
  unpositioned: ReadonlySet<SourceTransaction>,
): Generator<string> {
  let piece = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    piece += copyLine([
      streamId,
      String(row.seq),
      String(row.txn.seq),
      row.txn.keyspace,
      row.txn.shard,
      row.table,
      row.op,
      row.copy ? 't' : 'f',
      row.primaryKey,
      row.before,
      row.after,
      row.txn.commitTs?.toISOString() ?? null,
      unpositioned.has(row.txn) ? null : row.txn.gtid,
    ]);
    if (i % 256 === 255) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}

/** Sets the position of a transaction's changelog rows written before its commit was seen. */
export async function fillChangelogPosition(
  client: pg.ClientBase,
  table: string,
  streamId: string,
  txn: SourceTransaction,
): Promise<void> {
  const range = txn.unpositionedChangelog;
  if (range === null) return;
  await client.query(
    `UPDATE ${table} SET source_gtid = $4 WHERE stream_id = $1 AND seq BETWEEN $2 AND $3 AND txn_seq = $5`,
    [streamId, range.first, range.last, txn.gtid, txn.seq],
  );
  txn.unpositionedChangelog = null;
}
