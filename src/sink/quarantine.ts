import type pg from 'pg';
import { qualify } from './identifiers.js';
import type { SourceTransaction } from './source-transaction.js';

export interface QuarantineRow {
  txn: SourceTransaction;
  table: string;
  op: string;
  copy: boolean;
  /** `unapplicable_value`, or the decoder's code for rows it could not decode. */
  code: string;
  reason: string;
  column: string | null;
  /** `decoded`: values as JSON (see value-json.ts); `raw`: the undecoded cells ({lengths, values: base64}). */
  format: 'decoded' | 'raw';
  /** JSON texts for the `json` columns (which, unlike jsonb, keep \u0000). */
  before: string | null;
  after: string | null;
}

/**
 * Changes that could not be applied, kept with their values, reason and position so an operator can repair
 * them; written in the batch's transaction, like everything else.
 */
export class QuarantineBuffer {
  private rows: QuarantineRow[] = [];

  get size(): number {
    return this.rows.length;
  }

  push(row: QuarantineRow): void {
    this.rows.push(row);
  }

  clear(): void {
    this.rows = [];
  }

  async flush(client: pg.ClientBase, schema: string, streamId: string, batchSeq: number): Promise<number> {
    const rows = this.rows;
    if (rows.length === 0) return 0;
    this.rows = [];
    const columnsOf = <T>(pick: (row: QuarantineRow) => T): T[] => rows.map(pick);
    for (const row of rows) if (!row.txn.committed) row.txn.unpositionedQuarantine = true;
    await client.query(
      `INSERT INTO ${qualify(schema, 'quarantine')} (stream_id, batch_seq, txn_seq, keyspace, shard, source_table, ` +
        `op, is_copy, code, reason, column_name, value_format, before, after, commit_ts, position) ` +
        `SELECT $1, $2, u.txn, u.ks, u.shard, u.tbl, u.op, u.copy, u.code, u.reason, u.col, u.fmt, u.b::json, ` +
        `u.a::json, u.ts::timestamptz, u.pos::jsonb ` +
        `FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[], ` +
        `$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) ` +
        `AS u(txn, ks, shard, tbl, op, copy, code, reason, col, fmt, b, a, ts, pos)`,
      [
        streamId,
        batchSeq,
        columnsOf((r) => String(r.txn.seq)),
        columnsOf((r) => r.txn.keyspace),
        columnsOf((r) => r.txn.shard),
        columnsOf((r) => r.table),
        columnsOf((r) => r.op),
        columnsOf((r) => r.copy),
        columnsOf((r) => r.code),
        columnsOf((r) => r.reason),
        columnsOf((r) => r.column),
        columnsOf((r) => r.format),
        columnsOf((r) => r.before),
        columnsOf((r) => r.after),
        columnsOf((r) => r.txn.commitTs?.toISOString() ?? null),
        columnsOf((r) => r.txn.vgtid?.serialize() ?? null),
      ],
    );
    return rows.length;
  }
}

/** Sets the position of a transaction's quarantine rows written before its commit was seen. */
export async function fillQuarantinePosition(
  client: pg.ClientBase,
  schema: string,
  streamId: string,
  txn: SourceTransaction,
): Promise<void> {
  if (!txn.unpositionedQuarantine) return;
  await client.query(
    `UPDATE ${qualify(schema, 'quarantine')} SET position = $3::jsonb WHERE stream_id = $1 AND txn_seq = $2`,
    [streamId, txn.seq, txn.vgtid?.serialize() ?? null],
  );
  txn.unpositionedQuarantine = false;
}
