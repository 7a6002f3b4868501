// The in-memory "cluster": keyspaces of shards, each shard a primary with its tables' rows, its GTID
// history and its binlog. Writes are routed by keyspace id and committed per shard (a multi-shard
// transaction becomes one binlog transaction per shard, like Vitess's default MULTI mode). DDL runs on
// every serving shard; a reshard copies rows to new shards and writes a journal on the old ones.
import { MigrationType } from '../../vstream/proto.js';
import type { BinlogEntry, RowChangeRecord, StatementRecord } from './binlog.js';
import { applyDdl, type DdlOp } from './ddl.js';
import { DataError } from './errors.js';
import { serverUuid, ShardGtids, type GtidFlavor } from './gtid.js';
import { keyRangeContains, parseKeyRange, sameCoverage } from './keyspace-id.js';
import { KeyspaceState, PK_SEPARATOR, ShardState, comparePk, pkKey, shardKeyspaceId } from './model.js';
import type { ShardGtidInit } from './proto-types.js';
import { buildTableSchema, findColumn, type TableDef, type TableSchema } from './schema.js';
import { cellsEqual, encodeCopyCell, normalizeCell, type Cell } from './values.js';

export type { DdlOp } from './ddl.js';
export { KeyspaceState, ShardState } from './model.js';

export interface KeyspaceDef {
  name: string;
  /** Shard names, e.g. ['-80', '80-']; default ['-'] (one shard owning the whole range). */
  shards?: string[];
  tables: TableDef[];
}

export interface ClusterOptions {
  readonly gtidFlavor: GtidFlavor;
  readonly seed: number;
  /** Wall clock in milliseconds (commit timestamps). */
  readonly clock: () => number;
  /** Keep at most this many binlog entries per shard; older ones are purged. */
  readonly binlogRetention: number;
  readonly cell: string;
}

/** Column values by column name. */
export type RowInput = Record<string, unknown>;

export type TxnOp =
  | { op: 'insert'; table: string; keyspace?: string; rows: RowInput | RowInput[] }
  /** Updates the rows whose primary key equals `where` (all key columns given). */
  | { op: 'update'; table: string; keyspace?: string; where: RowInput | RowInput[]; set: RowInput }
  | { op: 'delete'; table: string; keyspace?: string; where: RowInput | RowInput[] };

export interface ShardPosition {
  keyspace: string;
  shard: string;
  gtid: string;
}

export interface TxnResult {
  /** The binlog transaction each touched shard committed, with the position after it. */
  positions: ShardPosition[];
  affectedRows: number;
  /** Values generated for AUTO_INCREMENT columns, in insert order. */
  insertIds: bigint[];
}

export interface ReshardSpec {
  keyspace: string;
  /** Source shards; default: every serving shard of the keyspace. */
  from?: string[];
  to: string[];
}

export interface ReshardResult {
  journalId: number;
  /** Where streams continue on the new shards (journal.shard_gtids). */
  newShards: ShardPosition[];
}

interface PendingStatement {
  schema: TableSchema;
  changes: RowChangeRecord[];
  opIndex: number;
}

export class Cluster {
  readonly keyspaces = new Map<string, KeyspaceState>();
  private generation = 0;
  private journalCount = 0;

  constructor(
    defs: readonly KeyspaceDef[],
    readonly options: ClusterOptions,
  ) {
    if (defs.length === 0) throw new DataError('at least one keyspace is needed');
    for (const def of defs) {
      if (this.keyspaces.has(def.name)) throw new DataError(`duplicate keyspace '${def.name}'`);
      const ks = new KeyspaceState(def.name);
      for (const t of def.tables) {
        if (ks.tables.has(t.name)) throw new DataError(`Table '${t.name}' already exists`);
        ks.tables.set(t.name, buildTableSchema(def.name, t));
      }
      this.keyspaces.set(def.name, ks);
      const shards = def.shards ?? ['-'];
      const ranges = shards.map(parseKeyRange);
      if (!sameCoverage(ranges, [parseKeyRange('-')])) {
        throw new DataError(`shards of keyspace '${def.name}' must cover the whole key range exactly once`);
      }
      for (const name of shards) this.addShard(ks, name).serving = true;
    }
  }

  private addShard(ks: KeyspaceState, name: string): ShardState {
    if (ks.shards.has(name)) throw new DataError(`shard ${ks.name}/${name} already exists`);
    const n = ++this.generation;
    const gtids = new ShardGtids(
      this.options.gtidFlavor,
      serverUuid(this.options.seed, ks.name, name, n),
      100 + n,
    );
    const alias = `${this.options.cell}-${String(100 * n).padStart(10, '0')}`;
    const shard = new ShardState(ks.name, name, parseKeyRange(name), gtids, alias);
    for (const t of ks.tables.keys()) shard.rows.set(t, new Map());
    ks.shards.set(name, shard);
    return shard;
  }

  keyspace(name: string): KeyspaceState {
    const ks = this.keyspaces.get(name);
    if (!ks) throw new DataError(`unknown keyspace '${name}'`);
    return ks;
  }

  /** The keyspace holding `table`: the given one, or the only keyspace that has such a table. */
  private keyspaceOf(table: string, keyspace?: string): KeyspaceState {
    if (keyspace !== undefined) return this.keyspace(keyspace);
    const matches = [...this.keyspaces.values()].filter((ks) => ks.tables.has(table));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw new DataError(`table '${table}' exists in several keyspaces; name the keyspace`);
    if (this.keyspaces.size === 1) return [...this.keyspaces.values()][0]!;
    throw new DataError(`Table '${table}' doesn't exist`);
  }

  private table(ks: KeyspaceState, name: string): TableSchema {
    const t = ks.tables.get(name);
    if (!t) throw new DataError(`Table '${ks.name}.${name}' doesn't exist`);
    return t;
  }

  private route(ks: KeyspaceState, schema: TableSchema, cells: readonly Cell[]): ShardState {
    const id = shardKeyspaceId(schema, cells);
    const shard = ks.servingShards().find((s) => keyRangeContains(s.range, id));
    if (!shard) throw new DataError(`no serving shard for keyspace id ${id.toString(16)} in ${ks.name}`);
    return shard;
  }

  private now(): number {
    return Math.floor(this.options.clock() / 1000);
  }

  private append(shard: ShardState, make: (seq: number, timestamp: number) => BinlogEntry): ShardPosition {
    const seq = shard.gtids.next();
    shard.binlog.append(make(seq, this.now()));
    const retention = this.options.binlogRetention;
    if (Number.isFinite(retention) && shard.binlog.size > retention) this.purgeShard(shard, seq - retention);
    return { keyspace: shard.keyspace, shard: shard.name, gtid: shard.gtids.position(seq) };
  }

  private purgeShard(shard: ShardState, through: number): void {
    const upTo = Math.min(through, shard.gtids.seq);
    if (upTo <= shard.gtids.purgedThrough) return;
    shard.gtids.purgedThrough = upTo;
    shard.binlog.dropThrough(upTo);
  }

  // -------------------------------------------------------------------------------------------
  // Transactions

  private fullRow(ks: KeyspaceState, schema: TableSchema, input: RowInput, insertIds: bigint[]): Cell[] {
    for (const name of Object.keys(input)) {
      if (findColumn(schema, name) < 0) throw new DataError(`Unknown column '${name}' in 'field list'`);
    }
    const given = new Map(Object.entries(input).map(([k, v]) => [k.toLowerCase(), v]));
    return schema.columns.map((col) => {
      const key = col.name.toLowerCase();
      let value = given.has(key) ? given.get(key) : undefined;
      if (col.autoIncrement) {
        const counterKey = schema.name;
        const last = ks.autoIncrement.get(counterKey) ?? 0n;
        if (value === undefined || value === null || value === 0 || value === 0n) {
          const id = last + 1n;
          ks.autoIncrement.set(counterKey, id);
          insertIds.push(id);
          return normalizeCell(col.type, id, col.name);
        }
        const cell = normalizeCell(col.type, value, col.name);
        if (typeof cell === 'bigint' && cell > last) ks.autoIncrement.set(counterKey, cell);
        return cell;
      }
      if (!given.has(key)) {
        if (col.defaultCell !== undefined) return col.defaultCell;
        if (col.nullable) return null;
        throw new DataError(`Field '${col.name}' doesn't have a default value`);
      }
      if (value === undefined) value = null;
      if (value === null && !col.nullable) throw new DataError(`Column '${col.name}' cannot be null`);
      return normalizeCell(col.type, value, col.name);
    });
  }

  private pkCells(schema: TableSchema, where: RowInput): Cell[] {
    const cells: Cell[] = new Array(schema.columns.length).fill(null);
    for (const i of schema.pk) {
      const col = schema.columns[i]!;
      const entry = Object.entries(where).find(([k]) => k.toLowerCase() === col.name.toLowerCase());
      if (!entry)
        throw new DataError(`'where' must give the primary key column '${col.name}' of ${schema.name}`);
      cells[i] = normalizeCell(col.type, entry[1], col.name);
    }
    return cells;
  }

  /** Finds a row by primary key on any serving shard (the shard key may not be part of the key). */
  private locate(
    ks: KeyspaceState,
    schema: TableSchema,
    key: string,
  ): { shard: ShardState; cells: Cell[] } | null {
    for (const shard of ks.servingShards()) {
      const cells = shard.rows.get(schema.name)?.get(key);
      if (cells) return { shard, cells };
    }
    return null;
  }

  /** Commits the ops as one transaction per touched shard; nothing is applied if any op fails. */
  execute(ops: readonly TxnOp[]): TxnResult {
    const undo: (() => void)[] = [];
    const statements = new Map<ShardState, PendingStatement[]>();
    const insertIds: bigint[] = [];
    let affectedRows = 0;

    const record = (shard: ShardState, schema: TableSchema, opIndex: number, change: RowChangeRecord) => {
      let list = statements.get(shard);
      if (!list) statements.set(shard, (list = []));
      const last = list[list.length - 1];
      if (last && last.schema === schema && last.opIndex === opIndex) last.changes.push(change);
      else list.push({ schema, changes: [change], opIndex });
    };
    const put = (shard: ShardState, schema: TableSchema, key: string, cells: Cell[] | undefined) => {
      const rows = shard.rows.get(schema.name)!;
      const previous = rows.get(key);
      if (cells) rows.set(key, cells);
      else rows.delete(key);
      undo.push(() => {
        if (previous) rows.set(key, previous);
        else rows.delete(key);
      });
    };
    const insertRow = (ks: KeyspaceState, schema: TableSchema, cells: Cell[], opIndex: number) => {
      const key = pkKey(schema, cells);
      if (this.locate(ks, schema, key)) {
        throw new DataError(
          `Duplicate entry '${key.split(PK_SEPARATOR).join('-')}' for key '${schema.name}.PRIMARY'`,
        );
      }
      const shard = this.route(ks, schema, cells);
      put(shard, schema, key, cells);
      record(shard, schema, opIndex, { before: null, after: cells });
    };

    try {
      ops.forEach((op, opIndex) => {
        const ks = this.keyspaceOf(op.table, op.keyspace);
        const schema = this.table(ks, op.table);
        if (op.op === 'insert') {
          for (const input of Array.isArray(op.rows) ? op.rows : [op.rows]) {
            insertRow(ks, schema, this.fullRow(ks, schema, input, insertIds), opIndex);
            affectedRows++;
          }
          return;
        }
        for (const where of Array.isArray(op.where) ? op.where : [op.where]) {
          const key = pkKey(schema, this.pkCells(schema, where));
          const found = this.locate(ks, schema, key);
          if (!found) continue; // 0 rows affected, nothing binlogged
          if (op.op === 'delete') {
            put(found.shard, schema, key, undefined);
            record(found.shard, schema, opIndex, { before: found.cells, after: null });
            affectedRows++;
            continue;
          }
          const after = [...found.cells];
          for (const [name, value] of Object.entries(op.set)) {
            const i = findColumn(schema, name);
            if (i < 0) throw new DataError(`Unknown column '${name}' in 'field list'`);
            const col = schema.columns[i]!;
            if ((value === null || value === undefined) && !col.nullable) {
              throw new DataError(`Column '${col.name}' cannot be null`);
            }
            after[i] = normalizeCell(col.type, value, col.name);
          }
          if (after.every((c, i) => cellsEqual(c, found.cells[i]!))) continue; // matched, not changed
          affectedRows++;
          const newKey = pkKey(schema, after);
          if (newKey !== key && this.locate(ks, schema, newKey)) {
            throw new DataError(
              `Duplicate entry '${newKey.split(PK_SEPARATOR).join('-')}' for key '${schema.name}.PRIMARY'`,
            );
          }
          const target = this.route(ks, schema, after);
          put(found.shard, schema, key, undefined);
          if (target === found.shard) {
            put(target, schema, newKey, after);
            record(target, schema, opIndex, { before: found.cells, after });
          } else {
            // A changed shard key moves the row: a delete on one shard, an insert on the other.
            record(found.shard, schema, opIndex, { before: found.cells, after: null });
            put(target, schema, newKey, after);
            record(target, schema, opIndex, { before: null, after });
          }
        }
      });
    } catch (err) {
      for (const u of undo.reverse()) u();
      throw err;
    }

    const positions: ShardPosition[] = [];
    for (const [shard, list] of statements) {
      const clean: StatementRecord[] = list.map(({ schema, changes }) => ({ schema, changes }));
      positions.push(
        this.append(shard, (seq, timestamp) => ({ kind: 'txn', seq, timestamp, statements: clean })),
      );
    }
    return { positions, affectedRows, insertIds };
  }

  /** A position-only binlog event (a statement vstreamer forwards as OTHER) on the given shards. */
  other(keyspace: string, shards?: readonly string[], statement = 'flush tables'): ShardPosition[] {
    const ks = this.keyspace(keyspace);
    const targets = shards ? shards.map((s) => this.shardOf(ks, s)) : ks.servingShards();
    return targets.map((shard) =>
      this.append(shard, (seq, timestamp) => ({ kind: 'other', seq, timestamp, statement })),
    );
  }

  private keyspaceForNewTable(keyspace?: string): KeyspaceState {
    if (keyspace !== undefined) return this.keyspace(keyspace);
    if (this.keyspaces.size === 1) return [...this.keyspaces.values()][0]!;
    throw new DataError('several keyspaces exist; name the keyspace of the new table');
  }

  private shardOf(ks: KeyspaceState, name: string): ShardState {
    const shard = ks.shards.get(name);
    if (!shard) throw new DataError(`unknown shard ${ks.name}/${name}`);
    return shard;
  }

  // -------------------------------------------------------------------------------------------
  // DDL

  ddl(op: DdlOp): ShardPosition[] {
    const ks =
      op.op === 'createTable'
        ? this.keyspaceForNewTable(op.keyspace)
        : this.keyspaceOf(op.table, op.keyspace);
    const shards = ks.servingShards();
    const { statement, tables } = applyDdl(ks, shards, op);
    return shards.map((shard) =>
      this.append(shard, (seq, timestamp) => ({ kind: 'ddl', seq, timestamp, statement, tables })),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Resharding and purging

  reshard(spec: ReshardSpec): ReshardResult {
    const ks = this.keyspace(spec.keyspace);
    const from = (spec.from ?? ks.servingShards().map((s) => s.name)).map((name) => {
      const shard = this.shardOf(ks, name);
      if (!shard.serving) throw new DataError(`shard ${ks.name}/${name} is not serving`);
      return shard;
    });
    if (spec.to.length === 0) throw new DataError('reshard needs target shards');
    const toRanges = spec.to.map(parseKeyRange);
    if (
      !sameCoverage(
        from.map((s) => s.range),
        toRanges,
      )
    ) {
      throw new DataError(
        `target shards ${spec.to.join(',')} must cover exactly the source shards' key range`,
      );
    }
    const targets = spec.to.map((name) => this.addShard(ks, name));
    for (const t of targets) t.serving = false;
    // VReplication's copy into the new shards: their binlogs hold it, but it is not streamable.
    for (const schema of ks.tables.values()) {
      for (const source of from) {
        for (const [key, cells] of source.rows.get(schema.name) ?? []) {
          const id = shardKeyspaceId(schema, cells);
          const target = targets.find((t) => keyRangeContains(t.range, id))!;
          target.rows.get(schema.name)!.set(key, cells);
        }
      }
    }
    for (const t of targets) {
      t.gtids.next();
      t.gtids.purgedThrough = t.gtids.seq;
    }
    const newShards = targets.map((t) => ({ keyspace: ks.name, shard: t.name, gtid: t.gtids.position() }));
    const journalId = 7_000_000 + ++this.journalCount;
    for (const source of from) {
      const localPosition = source.gtids.position();
      this.append(source, (seq, timestamp) => ({
        kind: 'journal',
        seq,
        timestamp,
        journal: {
          id: journalId,
          migrationType: MigrationType.SHARDS,
          tables: [],
          localPosition,
          shardGtids: newShards.map((s) => ({ keyspace: s.keyspace, shard: s.shard, gtid: s.gtid })),
          participants: from.map((s) => ({ keyspace: ks.name, shard: s.name })),
          sourceWorkflows: [`${ks.name}.reshard`],
        },
      }));
      source.serving = false;
    }
    for (const t of targets) t.serving = true;
    return { journalId, newShards };
  }

  /** Purges binlogs: every matching shard keeps only its last `keep` transactions (default none). */
  purge(target: { keyspace?: string; shard?: string; keep?: number } = {}): void {
    for (const ks of this.keyspaces.values()) {
      if (target.keyspace !== undefined && ks.name !== target.keyspace) continue;
      for (const shard of ks.shards.values()) {
        if (target.shard !== undefined && shard.name !== target.shard) continue;
        this.purgeShard(shard, shard.gtids.seq - Math.max(0, target.keep ?? 0));
      }
    }
  }

  /** Purges each listed shard's binlog up to its position in `shardGtids`; resuming there still works. */
  purgeBefore(shardGtids: readonly ShardGtidInit[]): void {
    for (const sg of shardGtids) {
      const shard = this.keyspaces.get(sg.keyspace ?? '')?.shards.get(sg.shard ?? '');
      if (!shard || !sg.gtid) continue;
      const check = shard.gtids.check(sg.gtid);
      if (check.kind === 'ok') this.purgeShard(shard, check.seq);
    }
  }

  /** Current positions of the serving shards (of the given keyspaces, default all). */
  currentPositions(keyspaces?: readonly string[]): ShardPosition[] {
    const names = keyspaces ?? [...this.keyspaces.keys()];
    return names.flatMap((name) =>
      this.keyspace(name)
        .servingShards()
        .map((s) => ({ keyspace: name, shard: s.name, gtid: s.gtids.position() })),
    );
  }

  /**
   * A table's current rows across serving shards, in primary-key order: character columns as strings,
   * byte columns as Buffers, everything else as MySQL text; NULL as null.
   */
  rows(table: string, keyspace?: string): Record<string, string | Buffer | null>[] {
    const ks = this.keyspaceOf(table, keyspace);
    const schema = this.table(ks, table);
    const all = ks.servingShards().flatMap((s) => [...(s.rows.get(schema.name)?.values() ?? [])]);
    all.sort((a, b) => comparePk(schema, a, b));
    return all.map((cells) =>
      Object.fromEntries(
        schema.columns.map((col, i) => {
          const bytes = encodeCopyCell(col.type, cells[i]!);
          if (bytes === null) return [col.name, null];
          const asBytes = ['binary', 'varbinary', 'blob', 'bit', 'geometry'].includes(col.type.kind);
          return [col.name, asBytes ? bytes : bytes.toString('utf8')];
        }),
      ),
    );
  }
}
