import type { ColumnField, DecodedValue } from './decode/types.js';
import type { Vgtid } from './vgtid.js';

/**
 * What the event assembler yields and the sink consumes: VStream events regrouped into source transactions,
 * with rows already decoded. A source transaction arrives as `begin`, then any `schema` and `rows` items (a
 * large transaction as many `rows` chunks), then `commit` carrying the VGTID that includes it. Only `commit`,
 * `ddl` and `position` carry a position, and each is safe to checkpoint once everything before it is applied.
 */
export type StreamItem =
  | BeginItem
  | SchemaItem
  | RowsItem
  | UndecodableRowItem
  | CommitItem
  | DdlItem
  | PositionItem
  | HeartbeatItem
  | CopyCompletedItem
  | JournalItem;

/** A table's definition as the latest FIELD event for one keyspace/shard/table described it. */
export interface TableSchema {
  keyspace: string;
  shard: string;
  /** Bare table name (never keyspace-prefixed). */
  table: string;
  columns: ColumnField[];
  /** Indexes into `columns` of the primary key columns (PRI_KEY_FLAG), in column order; empty when none. */
  primaryKey: number[];
  /** Increases on every FIELD for this keyspace/shard/table within one assembler, so a change is cheap to see. */
  version: number;
}

export type RowOp = 'insert' | 'update' | 'delete';

export interface RowChange {
  op: RowOp;
  /** Column values in `schema.columns` order; null for an insert. */
  before: DecodedValue[] | null;
  /** Column values in `schema.columns` order; null for a delete. */
  after: DecodedValue[] | null;
}

export interface BeginItem {
  kind: 'begin';
  keyspace: string;
  shard: string;
  /** Source commit time in seconds since the epoch (0 when unknown, e.g. copy phase). */
  timestamp: number;
}

/** A FIELD event: the table's (new) definition, delivered before the first rows that use it. */
export interface SchemaItem {
  kind: 'schema';
  schema: TableSchema;
}

export interface RowsItem {
  kind: 'rows';
  schema: TableSchema;
  changes: RowChange[];
  /** True for rows of the copy phase (snapshot rows: after images only, idempotent upserts). */
  copy: boolean;
  /** Encoded size of the changes on the wire, for batching and memory bounds. */
  bytes: number;
}

/** The raw cells of a row image, kept for the quarantine table: lengths (-1 = NULL) and the bytes, base64. */
export interface RawRowImage {
  lengths: number[];
  values: string;
}

/**
 * A row change that could not be decoded, delivered (instead of failing the stream) only when the stream's
 * policy is `quarantine`; the sink stores it with the reason and position, and the stream goes on.
 */
export interface UndecodableRowItem {
  kind: 'undecodable';
  schema: TableSchema;
  op: RowOp;
  /** Why, naming the column where known (RowDecodeError message). */
  reason: string;
  /** Stable error code, e.g. `zero_date`, `invalid_text`. */
  code: string;
  column: string | null;
  before: RawRowImage | null;
  after: RawRowImage | null;
}

export interface CommitItem {
  kind: 'commit';
  keyspace: string;
  shard: string;
  timestamp: number;
  /** The full stream position (every shard) including this transaction. */
  vgtid: Vgtid;
}

export interface DdlItem {
  kind: 'ddl';
  keyspace: string;
  shard: string;
  timestamp: number;
  statement: string;
  vgtid: Vgtid;
}

/** A position-only event (OTHER, or a transaction with nothing for us): checkpointable, nothing to apply. */
export interface PositionItem {
  kind: 'position';
  keyspace: string;
  shard: string;
  timestamp: number;
  vgtid: Vgtid;
}

export interface HeartbeatItem {
  kind: 'heartbeat';
  timestamp: number;
  /** vtgate's wall clock when sent, in milliseconds since the epoch. */
  currentTimeMs: number;
}

/** One shard finished its copy phase, or (keyspace and shard null) every shard did: the copy is over. */
export interface CopyCompletedItem {
  kind: 'copyCompleted';
  keyspace: string | null;
  shard: string | null;
}

/** A reshard journal: the listed participant shards are replaced by new shards starting at given positions. */
export interface JournalItem {
  kind: 'journal';
  id: string;
  participants: { keyspace: string; shard: string }[];
  newShards: { keyspace: string; shard: string; gtid: string }[];
}
