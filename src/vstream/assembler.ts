import { RowDecodeError, compileRowDecoder, type RowDecoder } from './decode/index.js';
import type { InvalidTextPolicy, ZeroDatePolicy } from './decode/types.js';
import type { RawRowImage, RowChange, RowOp, StreamItem, TableSchema, UndecodableRowItem } from './events.js';
import {
  MySqlFlag,
  VEventType,
  int64ToNumber,
  vEventTypeName,
  type FieldEvent,
  type Row,
  type RowEvent,
  type VEvent,
} from './proto.js';
import { isInternalTable } from './request.js';
import { Vgtid } from './vgtid.js';

export interface AssemblerOptions {
  zeroDate?: ZeroDatePolicy;
  invalidText?: InvalidTextPolicy;
  /** `fail`: an undecodable row stops the stream (typed error); `quarantine`: it is handed on as an item. */
  undecodableRows?: 'fail' | 'quarantine';
}

export type AssemblyErrorCode = 'row_without_field' | 'decode' | 'protocol';

/** A VStream event sequence we cannot turn into changes. Never retryable by reconnecting alone. */
export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
  readonly retryable = false;
  constructor(
    readonly code: AssemblyErrorCode,
    message: string,
    readonly keyspace: string,
    readonly shard: string,
    readonly table?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface CachedTable {
  schema: TableSchema;
  decoder: RowDecoder;
}

/**
 * Turns VStream events into StreamItems, one event at a time (a plain state machine, so it is easy to test and
 * fuzz). It keeps the FIELD cache per keyspace/shard/table, decodes rows as they come (a large transaction flows
 * through as many `rows` items, never buffered whole), and emits a position only where one is safe to
 * checkpoint: at COMMIT, DDL or a position-only OTHER — never inside BEGIN…COMMIT, whatever arrives there.
 *
 * One assembler serves one VStream call: a new call starts with an empty FIELD cache, as vttablet resends FIELDs.
 */
export class EventAssembler {
  private readonly tables = new Map<string, CachedTable>();
  private readonly versions = new Map<string, number>();
  /** Tables a FIELD event flagged as internal (sidecar heartbeat etc.): their ROWs are skipped too. */
  private readonly internal = new Set<string>();
  private inTransaction = false;
  /** `begin` has been emitted for the open transaction (it is emitted lazily, at its first content). */
  private begun = false;
  private txnKeyspace = '';
  private txnShard = '';
  private txnTimestamp = 0;
  private pendingVgtid: Vgtid | undefined;
  private lastVgtid: Vgtid | undefined;

  constructor(private readonly options: AssemblerOptions = {}) {}

  /** The newest VGTID seen on the wire (not necessarily checkpointable). */
  get latestVgtid(): Vgtid | undefined {
    return this.lastVgtid;
  }

  /** True between BEGIN and COMMIT: no position may be checkpointed now. */
  get insideTransaction(): boolean {
    return this.inTransaction;
  }

  /** Feeds one event; appends what it produces to `out`. */
  push(event: VEvent, out: StreamItem[]): void {
    switch (event.type) {
      case VEventType.BEGIN:
        // A second BEGIN before COMMIT (seen in the copy phase) continues the same unit.
        if (!this.inTransaction) this.open(event);
        return;
      case VEventType.FIELD:
        this.onField(event, out);
        return;
      case VEventType.ROW:
        this.onRow(event, out);
        return;
      case VEventType.VGTID:
        if (!event.vgtid) throw this.protocol(event, 'VGTID event without a vgtid');
        this.pendingVgtid = Vgtid.fromProto(event.vgtid);
        this.lastVgtid = this.pendingVgtid;
        return;
      case VEventType.COMMIT:
        this.onCommit(event, out);
        return;
      case VEventType.DDL:
        this.onDdl(event, out);
        return;
      case VEventType.OTHER:
        if (this.inTransaction) return;
        this.emitPosition(event, out);
        return;
      case VEventType.HEARTBEAT:
        out.push({
          kind: 'heartbeat',
          timestamp: int64ToNumber(event.timestamp),
          currentTimeMs: Math.floor(int64ToNumber(event.currentTime) / 1e6),
        });
        return;
      case VEventType.JOURNAL:
        this.onJournal(event, out);
        return;
      case VEventType.COPY_COMPLETED:
        out.push({
          kind: 'copyCompleted',
          keyspace: event.keyspace || null,
          shard: event.shard || null,
        });
        return;
      case VEventType.ROLLBACK:
        if (this.begun) throw this.protocol(event, 'ROLLBACK after rows of the transaction were delivered');
        this.close();
        return;
      default:
        // GTID and LASTPK never reach vtgate clients; VERSION, SAVEPOINT, ROWS_QUERY, PREVIOUS_GTIDS and types
        // added later carry nothing to apply.
        return;
    }
  }

  private open(event: VEvent): void {
    this.inTransaction = true;
    this.begun = false;
    this.txnKeyspace = event.keyspace;
    this.txnShard = event.shard;
    this.txnTimestamp = int64ToNumber(event.timestamp);
  }

  private close(): void {
    this.inTransaction = false;
    this.begun = false;
  }

  private ensureBegun(event: VEvent, out: StreamItem[]): void {
    if (!this.inTransaction) this.open(event); // copy batches may come without a BEGIN
    if (this.begun) return;
    this.begun = true;
    out.push({
      kind: 'begin',
      keyspace: this.txnKeyspace || event.keyspace,
      shard: this.txnShard || event.shard,
      timestamp: this.txnTimestamp || int64ToNumber(event.timestamp),
    });
  }

  private onField(event: VEvent, out: StreamItem[]): void {
    const field = event.fieldEvent;
    if (!field) throw this.protocol(event, 'FIELD event without a field_event');
    const keyspace = field.keyspace || event.keyspace;
    const shard = field.shard || event.shard;
    const table = bareTableName(field.tableName, keyspace);
    const key = cacheKey(keyspace, shard, table);
    if (field.isInternalTable || isInternalTable(table)) {
      this.internal.add(key);
      return;
    }
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    const schema: TableSchema = {
      keyspace,
      shard,
      table,
      columns: field.fields,
      primaryKey: primaryKeyColumns(field),
      version,
    };
    const decoder = compileRowDecoder(field.fields, {
      table: `${keyspace}.${table}`,
      enumSetAsText: field.enumSetStringValues,
      zeroDate: this.options.zeroDate,
      invalidText: this.options.invalidText,
    });
    this.tables.set(key, { schema, decoder });
    this.ensureBegun(event, out);
    out.push({ kind: 'schema', schema });
  }

  private onRow(event: VEvent, out: StreamItem[]): void {
    const rowEvent = event.rowEvent;
    if (!rowEvent) throw this.protocol(event, 'ROW event without a row_event');
    const keyspace = rowEvent.keyspace || event.keyspace;
    const shard = rowEvent.shard || event.shard;
    const table = bareTableName(rowEvent.tableName, keyspace);
    const key = cacheKey(keyspace, shard, table);
    if (rowEvent.isInternalTable || this.internal.has(key) || isInternalTable(table)) return;
    const cached = this.tables.get(key);
    if (!cached) {
      throw new AssemblyError(
        'row_without_field',
        `ROW for ${keyspace}.${table} on shard ${shard} arrived before any FIELD event describing it`,
        keyspace,
        shard,
        table,
      );
    }
    this.ensureBegun(event, out);
    const copy = int64ToNumber(event.timestamp) === 0;
    const decoder = cached.decoder;
    const changes: RowChange[] = [];
    let bytes = 0;
    for (const change of rowEvent.rowChanges) {
      const { before, after } = change;
      const op: RowOp = before && after ? 'update' : after ? 'insert' : 'delete';
      if (before) bytes += rowBytes(before);
      if (after) bytes += rowBytes(after);
      try {
        decoder.assertCompleteImage(change);
        changes.push({
          op,
          before: before ? decoder.decode(before) : null,
          after: after ? decoder.decode(after) : null,
        });
      } catch (err) {
        if (!(err instanceof RowDecodeError)) throw err;
        if (this.options.undecodableRows !== 'quarantine' || err.code === 'column_count_mismatch') {
          throw new AssemblyError(
            'decode',
            `${err.message} (keyspace ${keyspace}, shard ${shard})`,
            keyspace,
            shard,
            table,
            { cause: err },
          );
        }
        out.push(undecodable(cached.schema, op, err, before, after));
      }
    }
    if (changes.length > 0 || rowEvent.rowChanges.length === 0) {
      out.push({ kind: 'rows', schema: cached.schema, changes, copy: copy && isAfterOnly(rowEvent), bytes });
    }
  }

  private onCommit(event: VEvent, out: StreamItem[]): void {
    const vgtid = this.pendingVgtid;
    this.pendingVgtid = undefined;
    const begun = this.begun;
    const keyspace = this.txnKeyspace || event.keyspace;
    const shard = this.txnShard || event.shard;
    const timestamp = this.txnTimestamp || int64ToNumber(event.timestamp);
    this.close();
    if (begun) {
      if (!vgtid) throw this.protocol(event, 'COMMIT of a transaction with rows but no VGTID before it');
      out.push({ kind: 'commit', keyspace, shard, timestamp, vgtid });
    } else if (vgtid) {
      // Everything in it was filtered out (or it was a copy bookkeeping unit): only the position moves.
      out.push({ kind: 'position', keyspace, shard, timestamp, vgtid });
    }
  }

  private onDdl(event: VEvent, out: StreamItem[]): void {
    if (this.begun) throw this.protocol(event, 'DDL inside a transaction that already delivered rows');
    this.close();
    const vgtid = this.pendingVgtid;
    this.pendingVgtid = undefined;
    if (!vgtid) throw this.protocol(event, 'DDL without a VGTID before it');
    out.push({
      kind: 'ddl',
      keyspace: event.keyspace,
      shard: event.shard,
      timestamp: int64ToNumber(event.timestamp),
      statement: event.statement,
      vgtid,
    });
  }

  private emitPosition(event: VEvent, out: StreamItem[]): void {
    const vgtid = this.pendingVgtid;
    this.pendingVgtid = undefined;
    if (!vgtid) return;
    out.push({
      kind: 'position',
      keyspace: event.keyspace,
      shard: event.shard,
      timestamp: int64ToNumber(event.timestamp),
      vgtid,
    });
  }

  private onJournal(event: VEvent, out: StreamItem[]): void {
    const journal = event.journal;
    if (!journal) throw this.protocol(event, 'JOURNAL event without a journal');
    out.push({
      kind: 'journal',
      id: journal.id.toString(),
      participants: journal.participants.map((p) => ({ keyspace: p.keyspace, shard: p.shard })),
      newShards: journal.shardGtids.map((s) => ({ keyspace: s.keyspace, shard: s.shard, gtid: s.gtid })),
    });
  }

  private protocol(event: VEvent, message: string): AssemblyError {
    return new AssemblyError(
      'protocol',
      `unexpected VStream event sequence at ${vEventTypeName(event.type)} (keyspace ${event.keyspace || '?'}, ` +
        `shard ${event.shard || '?'}): ${message}`,
      event.keyspace,
      event.shard,
    );
  }
}

function cacheKey(keyspace: string, shard: string, table: string): string {
  return `${keyspace}\u0000${shard}\u0000${table}`;
}

/** ROW/FIELD names are `keyspace.table` unless exclude_keyspace_from_table_name is set. */
export function bareTableName(name: string, keyspace: string): string {
  return keyspace && name.startsWith(`${keyspace}.`) ? name.slice(keyspace.length + 1) : name;
}

function primaryKeyColumns(field: FieldEvent): number[] {
  const key: number[] = [];
  field.fields.forEach((f, i) => {
    if (f.flags & MySqlFlag.PRI_KEY_FLAG) key.push(i);
  });
  return key;
}

function rowBytes(row: Row): number {
  return row.values.length + row.lengths.length;
}

function isAfterOnly(rowEvent: RowEvent): boolean {
  return rowEvent.rowChanges.every((c) => c.before == null && c.after != null);
}

function rawImage(row: Row | null): RawRowImage | null {
  return row ? { lengths: [...row.lengths], values: Buffer.from(row.values).toString('base64') } : null;
}

function undecodable(
  schema: TableSchema,
  op: RowOp,
  err: RowDecodeError,
  before: Row | null,
  after: Row | null,
): UndecodableRowItem {
  return {
    kind: 'undecodable',
    schema,
    op,
    reason: err.message,
    code: err.code,
    column: err.column ?? null,
    before: rawImage(before),
    after: rawImage(after),
  };
}
