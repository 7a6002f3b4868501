// What one vttablet sends vtgate for one shard of a VStream, as a sequence of packets (one gRPC
// message each), following uvstreamer/vstreamer/rowstreamer:
// - start: position "current" → [GTID, OTHER]; a concrete position is checked against the shard's
//   history ("GTIDSet Mismatch" if it was never executed here).
// - copy (position "" or table_p_ks): tables in alphabetical order; before each, a catch-up from the
//   last position (events for tables not started yet are dropped); then [BEGIN, FIELD], [GTID] if the
//   snapshot moved, batches [ROW…, LASTPK, COMMIT] cut at the packet size, and [BEGIN, LASTPK done,
//   COMMIT]; after the last table [COPY_COMPLETED].
// - running: binlog entries rendered through the filter; packets cut like vstreamer's
//   bufferAndTransmit (rows past the packet size start a new packet; COMMIT/DDL/OTHER flush).
// Every phase switch starts a fresh vstreamer, so FIELD events are sent again afterwards.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { VEventType } from '../../vstream/proto.js';
import type { BinlogEntry, RowChangeRecord } from './binlog.js';
import { comparePk, type KeyspaceState, type ShardState } from './model.js';
import { invalidArgument, unknownError, type VtgateError } from './errors.js';
import {
  buildTablePlan,
  copyPhaseRule,
  findRule,
  ruleMatchesTable,
  type FilterLike,
  type RuleLike,
  type TablePlan,
} from './filter.js';
import type { FieldInit, QueryResultInit, TableLastPKInit, VEventInit } from './proto-types.js';
import type { TableSchema } from './schema.js';
import { buildRow, encodeCopyCell, parseCopyText, type Cell, type EncodeOptions } from './values.js';

export type Packet = VEventInit[];

export interface CopyBatchInfo {
  keyspace: string;
  shard: string;
  table: string;
  /** 0-based batch number within this table copy. */
  batch: number;
  rows: number;
}

export interface TabletStreamOptions {
  /** vstream_packet_size: bytes of row values per packet before a new packet starts. */
  readonly packetSize: number;
  /** binlog_row_event_max_size: MySQL splits one statement's rows into events of about this size. */
  readonly rowEventMaxBytes: number;
  readonly encode: EncodeOptions;
  readonly clock: () => number;
  /** Cut a table copy into cycles of this many batches with a catch-up between them (0 = never). */
  readonly copyCatchupEveryBatches: number;
  readonly beforeCopyBatch?: (info: CopyBatchInfo) => void | Promise<void>;
}

export interface TabletStreamRequest {
  readonly keyspace: KeyspaceState;
  readonly shard: ShardState;
  /** "" (copy), "current", or a GTID position. */
  readonly position: string;
  readonly tablePKs: readonly TableLastPKInit[];
  readonly filter: FilterLike;
  readonly tablesToCopy: readonly string[];
  readonly signal: AbortSignal;
}

const STMT_END_F = 1;

interface CopyPlan {
  readonly table: string;
  readonly rule: RuleLike;
  /** Last copied primary key (cells in the table's PK column order), null before the first batch. */
  lastpk: Cell[] | null;
}

function nowNs(clock: () => number): string {
  return (BigInt(Math.round(clock() * 1000)) * 1000n).toString();
}

function purgedError(shard: ShardState, fromSeq: number): VtgateError {
  const requested = shard.gtids.position(fromSeq);
  return unknownError(
    `stream (at source tablet) error @ ${requested}: Cannot replicate because the source purged required binary logs. ` +
      'Replicate the missing transactions from elsewhere, or provision a new replica from backup. ' +
      `Consider increasing the source's binary log expiration period. The GTID set sent by the replica is '${requested}', ` +
      `and the missing transactions are '${shard.gtids.uuid}:${fromSeq + 1}-${shard.gtids.purgedThrough}' (errno 1236) (sqlstate HY000)`,
  );
}

export class TabletStream {
  private pos = 0;
  private plans = new Map<string, CopyPlan>();
  private readonly stamp: { keyspace: string; shard: string };

  constructor(
    private readonly req: TabletStreamRequest,
    private readonly options: TabletStreamOptions,
  ) {
    this.stamp = { keyspace: req.shard.keyspace, shard: req.shard.name };
  }

  async *run(): AsyncGenerator<Packet> {
    const { req } = this;
    if (req.position === '' || req.tablePKs.length > 0) this.buildCopyPlans();
    if (req.position === 'current') {
      this.pos = req.shard.gtids.seq;
      yield [this.gtidEvent(this.pos), { type: VEventType.OTHER, ...this.stamp }];
    } else if (req.position !== '') {
      this.pos = this.checkPosition(req.position);
    }
    if (this.pos === 0 && this.plans.size === 0)
      throw unknownError('stream needs a position or a table to copy');
    const copying = this.plans.size > 0;
    while (this.plans.size > 0) {
      const table = [...this.plans.keys()].sort()[0]!;
      if (this.pos !== 0) yield* this.binlog(this.pos, this.req.shard.gtids.seq, true);
      yield* this.copyTable(this.plans.get(table)!);
      if (req.signal.aborted) return;
    }
    if (copying) yield [{ type: VEventType.COPY_COMPLETED, ...this.stamp }];
    yield* this.binlog(this.pos, Infinity, false);
  }

  private checkPosition(position: string): number {
    const { gtids } = this.req.shard;
    const check = gtids.check(position);
    switch (check.kind) {
      case 'ok':
        return check.seq;
      case 'malformed':
        throw invalidArgument(`could not decode position: ${check.message}`);
      case 'unsupported':
        throw invalidArgument(check.message);
      case 'mismatch':
        throw invalidArgument(
          `GTIDSet Mismatch: requested source position:${position}, current target vrep position: ${gtids.position()}`,
        );
    }
  }

  private buildCopyPlans(): void {
    const { keyspace, filter, tablePKs, tablesToCopy } = this.req;
    for (const rule of filter.rules) {
      if (!rule.match.startsWith('/') && !keyspace.tables.has(rule.match)) {
        throw unknownError(`table ${rule.match} is not present in the database`);
      }
    }
    for (const name of keyspace.tables.keys()) {
      const rule = findRule(filter, name);
      if (!rule) continue;
      if (tablesToCopy.length > 0 && !tablesToCopy.includes(name)) continue;
      const given = tablePKs.find((t) => t.tableName === name);
      const plan: CopyPlan = { table: name, rule, lastpk: null };
      if (given?.lastpk) plan.lastpk = this.parseLastPk(keyspace.tables.get(name)!, given.lastpk);
      this.plans.set(name, plan);
    }
  }

  /** A client's lastpk (a QueryResult with one row of PK values) as cells in PK column order. */
  private parseLastPk(schema: TableSchema, qr: QueryResultInit): Cell[] | null {
    const row = qr.rows?.[0];
    if (!row || qr.rows!.length !== 1) return null; // vstreamer then copies the table from the start
    const lengths = (row.lengths ?? []).map(Number);
    if (lengths.length !== schema.pk.length) {
      throw unknownError(`primary key values don't match length: ${lengths.length} vs ${schema.pk.length}`);
    }
    const values = Buffer.from(row.values ?? new Uint8Array());
    let offset = 0;
    return schema.pk.map((colIndex, i) => {
      const len = lengths[i]!;
      const bytes = len < 0 ? null : values.subarray(offset, (offset += len));
      const col = schema.columns[colIndex]!;
      return parseCopyText(col.type, bytes, col.name);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Running phase

  private gtidEvent(seq: number, timing?: { timestamp: number; currentTime: string }): VEventInit {
    return { type: VEventType.GTID, gtid: this.req.shard.gtids.position(seq), ...timing, ...this.stamp };
  }

  /**
   * A vstreamer from `fromSeq` up to `untilSeq` (Infinity = forever). With `catchup`, events for
   * tables whose copy has not started are dropped, as uvstreamer does during the copy phase.
   */
  private async *binlog(fromSeq: number, untilSeq: number, catchup: boolean): AsyncGenerator<Packet> {
    const { shard, signal } = this.req;
    if (fromSeq < shard.gtids.purgedThrough) throw purgedError(shard, fromSeq);
    const planCache = new Map<TableSchema, TablePlan | null>();
    let seq = fromSeq;
    while (!signal.aborted && seq < untilSeq) {
      const entry = shard.binlog.at(seq + 1);
      if (!entry) {
        if (shard.gtids.seq > seq) throw purgedError(shard, seq);
        if (untilSeq !== Infinity) return;
        await shard.binlog.changed(signal);
        continue;
      }
      for (const packet of this.packetize(this.render(entry, planCache))) {
        const out = catchup ? this.dropUncopied(packet) : packet;
        if (out.length > 0) yield out;
        if (signal.aborted) return;
      }
      seq = entry.seq;
      this.pos = seq;
    }
  }

  private planFor(schema: TableSchema, cache: Map<TableSchema, TablePlan | null>): TablePlan | null {
    if (cache.has(schema)) return cache.get(schema)!;
    const rule = findRule(this.req.filter, schema.name);
    const plan = rule ? buildTablePlan(rule, schema) : null;
    cache.set(schema, plan);
    return plan;
  }

  private render(entry: BinlogEntry, planCache: Map<TableSchema, TablePlan | null>): VEventInit[] {
    const timing = { timestamp: entry.timestamp, currentTime: nowNs(this.options.clock) };
    const ev = (e: VEventInit): VEventInit => ({ ...e, ...timing, ...this.stamp });
    switch (entry.kind) {
      case 'ddl': {
        const send = entry.tables.some((t) => ruleMatchesTable(this.req.filter, t));
        return [
          this.gtidEvent(entry.seq, timing),
          send ? ev({ type: VEventType.DDL, statement: entry.statement }) : ev({ type: VEventType.OTHER }),
        ];
      }
      case 'other':
        return [this.gtidEvent(entry.seq, timing), ev({ type: VEventType.OTHER })];
      case 'journal':
        return [
          ev({ type: VEventType.BEGIN }),
          ev({ type: VEventType.JOURNAL, journal: entry.journal }),
          this.gtidEvent(entry.seq, timing),
          ev({ type: VEventType.COMMIT }),
        ];
      case 'txn': {
        const events: VEventInit[] = [ev({ type: VEventType.BEGIN })];
        for (const stmt of entry.statements) {
          const known = planCache.has(stmt.schema);
          const plan = this.planFor(stmt.schema, planCache);
          if (!plan) continue;
          // A FIELD goes out when vstreamer first meets this table map (this schema version).
          if (!known)
            events.push(ev(this.fieldEvent(plan, this.options.encode.enumSetAsText && plan.hasEnumOrSet)));
          const chunks = this.splitRowsEvents(stmt.changes);
          chunks.forEach((chunk, i) => {
            const rowChanges = chunk.flatMap((change) => this.renderChange(plan, change));
            if (rowChanges.length === 0) return;
            const flags = i === chunks.length - 1 ? STMT_END_F : 0;
            events.push(
              ev({
                type: VEventType.ROW,
                rowEvent: { tableName: plan.schema.name, rowChanges, flags, ...this.stamp },
              }),
            );
          });
        }
        events.push(this.gtidEvent(entry.seq, timing), ev({ type: VEventType.COMMIT }));
        return events;
      }
    }
  }

  private renderChange(plan: TablePlan, change: RowChangeRecord) {
    const image = (cells: readonly Cell[] | null) =>
      cells && plan.matches(cells)
        ? buildRow(plan.columns.map((c) => c.encode(cells, 'binlog', this.options.encode)))
        : undefined;
    const before = image(change.before);
    const after = image(change.after);
    // vstreamer keeps whichever images pass the filter; an update leaving the filter looks like a delete.
    return before || after ? [{ before, after }] : [];
  }

  /** MySQL cuts one statement's rows into rows events of about binlog_row_event_max_size bytes. */
  private splitRowsEvents(changes: readonly RowChangeRecord[]): RowChangeRecord[][] {
    const out: RowChangeRecord[][] = [];
    let current: RowChangeRecord[] = [];
    let size = 0;
    for (const change of changes) {
      const n = approxBytes(change.before) + approxBytes(change.after);
      if (current.length > 0 && size + n > this.options.rowEventMaxBytes) {
        out.push(current);
        current = [];
        size = 0;
      }
      current.push(change);
      size += n;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  /** vstreamer's bufferAndTransmit: rows fill a packet up to the packet size; COMMIT/DDL/OTHER flush. */
  private packetize(events: VEventInit[]): Packet[] {
    const packets: Packet[] = [];
    let buffer: Packet = [];
    let size = 0;
    for (const e of events) {
      switch (e.type) {
        case VEventType.COMMIT:
        case VEventType.DDL:
        case VEventType.OTHER:
          buffer.push(e);
          packets.push(buffer);
          buffer = [];
          size = 0;
          break;
        case VEventType.ROW: {
          const n = (e.rowEvent?.rowChanges ?? []).reduce(
            (sum, rc) => sum + (rc.before?.values?.length ?? 0) + (rc.after?.values?.length ?? 0),
            0,
          );
          if (size + n > this.options.packetSize) {
            if (buffer.length > 0) packets.push(buffer);
            buffer = [e];
            size = n;
          } else {
            buffer.push(e);
            size += n;
          }
          break;
        }
        default:
          buffer.push(e);
      }
    }
    if (buffer.length > 0) packets.push(buffer);
    return packets;
  }

  private dropUncopied(packet: Packet): Packet {
    return packet.filter((e) => {
      const table =
        e.type === VEventType.ROW
          ? e.rowEvent?.tableName
          : e.type === VEventType.FIELD
            ? e.fieldEvent?.tableName
            : undefined;
      if (table === undefined || table === null) return true;
      const plan = this.plans.get(table);
      return !plan || plan.lastpk !== null;
    });
  }

  private fieldEvent(plan: TablePlan, enumSetStringValues: boolean): VEventInit {
    return {
      type: VEventType.FIELD,
      fieldEvent: {
        tableName: plan.schema.name,
        fields: plan.columns.map((c) => c.field),
        enumSetStringValues,
        ...this.stamp,
      },
      ...this.stamp,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Copy phase

  private async *copyTable(copy: CopyPlan): AsyncGenerator<Packet> {
    const { keyspace, shard, signal } = this.req;
    const schema = keyspace.tables.get(copy.table);
    if (!schema) {
      // Dropped while waiting its turn: vstreamer's query would fail.
      throw unknownError(`table ${copy.table} is not present in the database`);
    }
    const plan = buildTablePlan(copyPhaseRule(copy.rule, copy.table), schema);
    const snapshotSeq = shard.gtids.seq;
    const rows = shard.snapshot(schema);
    if (this.pos !== 0 && this.pos < snapshotSeq) yield* this.binlog(this.pos, snapshotSeq, true);

    yield [
      { type: VEventType.BEGIN, ...this.stamp },
      this.fieldEvent(plan, this.options.encode.enumSetAsText),
    ];
    if (this.pos !== snapshotSeq) yield [this.gtidEvent(snapshotSeq)];
    this.pos = snapshotSeq;

    let start = 0;
    if (copy.lastpk) {
      const last = schema.columns.map((_, i) => copy.lastpk![schema.pk.indexOf(i)] ?? null);
      while (start < rows.length && comparePk(schema, rows[start]!, last) <= 0) start++;
    }
    const pkFields: FieldInit[] = schema.pk.map((i) => {
      const f = schema.fields[i]!;
      return { name: f.name, type: f.type, charset: f.charset, flags: f.flags };
    });
    let batch: VEventInit[] = [];
    let bytes = 0;
    let batchNo = 0;
    let lastRead: readonly Cell[] = [];
    const takeBatch = async (): Promise<Packet> => {
      const info = {
        keyspace: shard.keyspace,
        shard: shard.name,
        table: copy.table,
        batch: batchNo,
        rows: batch.length,
      };
      await this.options.beforeCopyBatch?.(info);
      await yieldToLoop(); // let writes land between batches, as they would on a live primary
      const pkCells = schema.pk.map((i) => lastRead[i]!);
      const lastpk: QueryResultInit = {
        fields: pkFields,
        rows: [buildRow(schema.pk.map((i, j) => encodeCopyCell(schema.columns[i]!.type, pkCells[j]!)))],
      };
      copy.lastpk = pkCells;
      const packet: Packet = [
        ...batch,
        {
          type: VEventType.LASTPK,
          lastPKEvent: { tableLastPK: { tableName: copy.table, lastpk }, completed: false },
          ...this.stamp,
        },
        { type: VEventType.COMMIT, ...this.stamp },
      ];
      batch = [];
      bytes = 0;
      batchNo++;
      return packet;
    };

    for (let r = start; r < rows.length; r++) {
      if (signal.aborted) return;
      const cells = rows[r]!;
      lastRead = cells;
      if (plan.matches(cells)) {
        const after = buildRow(plan.columns.map((c) => c.encode(cells, 'copy', this.options.encode)));
        batch.push({
          type: VEventType.ROW,
          rowEvent: { tableName: copy.table, rowChanges: [{ after }], ...this.stamp },
          ...this.stamp,
        });
        bytes += after.values.length;
      }
      if (bytes >= this.options.packetSize) {
        yield await takeBatch();
        const every = this.options.copyCatchupEveryBatches;
        if (every > 0 && batchNo % every === 0 && r < rows.length - 1) return; // next cycle: catch up, re-snapshot
      }
    }
    if (batch.length > 0) yield await takeBatch();
    yield [
      { type: VEventType.BEGIN, ...this.stamp },
      {
        type: VEventType.LASTPK,
        lastPKEvent: { tableLastPK: { tableName: copy.table }, completed: true },
        ...this.stamp,
      },
      { type: VEventType.COMMIT, ...this.stamp },
    ];
    this.plans.delete(copy.table);
  }
}

function approxBytes(cells: readonly Cell[] | null): number {
  if (!cells) return 0;
  let n = 0;
  for (const c of cells)
    n += c === null ? 0 : Buffer.isBuffer(c) ? c.length : typeof c === 'string' ? c.length : 8;
  return n;
}
