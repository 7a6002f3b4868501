import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyField } from './copy-text.js';
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
  private rows: BufferedRow[] = [];
  // Text of the last transaction's and table's fields, reused by the rows that follow (usually many).
  private lastTxn: SourceTransaction | undefined;
  private lastTxnFields = '';
  private lastCommitTs = '';
  private lastTable: string | undefined;
  private lastTableField = '';

  get size(): number {
    return this.rows.length;
  }

  /**
   * Buffers a row as its COPY text at once (all but stream_id and source_gtid): one flat string per row is
   * cheaper to keep until the flush than the row's pieces.
   */
  push(row: ChangelogRow): void {
    const txn = row.txn;
    if (txn !== this.lastTxn) {
      this.lastTxn = txn;
      this.lastTxnFields = `${txn.seq}\t${copyField(txn.keyspace)}\t${copyField(txn.shard)}`;
      this.lastCommitTs = copyField(txn.commitTs?.toISOString() ?? null);
    }
    if (row.table !== this.lastTable) {
      this.lastTable = row.table;
      this.lastTableField = copyField(row.table);
    }
    const line = [
      row.seq,
      this.lastTxnFields,
      this.lastTableField,
      copyField(row.op),
      row.copy ? 't' : 'f',
      copyField(row.primaryKey),
      copyField(row.before),
      copyField(row.after),
      this.lastCommitTs,
      '',
    ].join('\t');
    this.rows.push({ seq: row.seq, txn, line });
  }

  clear(): void {
    this.rows = [];
    this.lastTxn = undefined;
    this.lastTable = undefined;
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

interface BufferedRow {
  seq: number;
  txn: SourceTransaction;
  /** COPY text of the fields from seq to commit_ts, each followed by a tab. */
  line: string;
}

/** The COPY data in pieces of a few hundred rows, so no single huge string is built. */
function* copyLines(
  rows: readonly BufferedRow[],
  streamId: string,
  unpositioned: ReadonlySet<SourceTransaction>,
): Generator<string> {
  const stream = `${copyField(streamId)}\t`;
  let gtidTxn: SourceTransaction | undefined;
  let gtid = '';
  let parts: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.txn !== gtidTxn) {
      gtidTxn = row.txn;
      gtid = copyField(unpositioned.has(row.txn) ? null : row.txn.gtid);
    }
    parts.push(stream, row.line, gtid, '\n');
    if (i % 256 === 255) {
      yield parts.join('');
      parts = [];
    }
  }
  if (parts.length > 0) yield parts.join('');
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
