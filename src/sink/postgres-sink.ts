import type pg from 'pg';
import type { Logger } from 'pino';
import type {
  CommitItem,
  DdlItem,
  JournalItem,
  RowChange,
  RowsItem,
  StreamItem,
  TableSchema,
  UndecodableRowItem,
} from '../vstream/events.js';
import { isInternalTable } from '../vstream/request.js';
import { parseShardKeyRange } from '../vstream/vgtid.js';
import type { Vgtid } from '../vstream/vgtid.js';
import { encodeChange, quarantineImages } from './change-encoding.js';
import type { EncodedChange } from './change-encoding.js';
import type { ChangelogOp } from './changelog.js';
import { advanceCheckpoint, claimStream, lockCheckpoint, restartCheckpoint } from './checkpoint.js';
import type { Checkpoint, TableResync } from './checkpoint.js';
import { acquireClient } from './connection.js';
import { ensureChangelogTable, migrateControlSchema } from './control-schema.js';
import { parseDdlEffects } from './ddl-statements.js';
import { CopyProgressKeeper } from './copy-progress-keeper.js';
import { JournalTracker } from './journal-tracker.js';
import type { DdlEffect } from './ddl-statements.js';
import {
  SchemaIncompatibleError,
  SinkDatabaseError,
  SinkStateError,
  UnapplicableValueError,
  asSinkError,
} from './errors.js';
import type { SinkError } from './errors.js';
import { pgSchemaName, qualify } from './identifiers.js';
import type { MirrorTableBatch } from './mirror-batch.js';
import { parseSinkSettings } from './options.js';
import type { PostgresSinkOptions, SinkSettings } from './options.js';
import { planColumnRename, planForSchema, planTableRename } from './schema-evolution.js';
import type { EvolutionContext, EvolutionPlan } from './schema-evolution.js';
import {
  createStagingTable,
  dropStagingTable,
  positionWithTableCopy,
  resyncCopied,
  stagingTarget,
  swapStagingTable,
} from './resync.js';
import { SourceTransaction, commitTimeOf } from './source-transaction.js';
import { tableLabel } from './table-mapping.js';
import type { TableMapping } from './table-mapping.js';
import { TableRegistry } from './table-registry.js';
import { ColumnValueProblem, buildTableShape } from './table-shape.js';
import type { TableShape } from './table-shape.js';
import { WriteBuffer } from './write-buffer.js';

/** Source row changes of one table in a committed batch. */
export interface TableCounts {
  insert: number;
  update: number;
  delete: number;
  quarantined: number;
}

export interface CommitResult {
  batchSeq: number;
  epoch: number;
  /** The position now committed: resume the VStream from here. */
  vgtid: Vgtid;
  committedAt: Date;
  /** Source commit time of the newest source transaction in the checkpoint. */
  lastCommitTs: Date | null;
  /** Source transactions (and DDLs) in the batch. */
  transactions: number;
  /** Source row changes in the batch, quarantined ones included. */
  rows: number;
  /** Wire bytes of those rows. */
  bytes: number;
  /** Per source table (`keyspace.table`). */
  tables: Record<string, TableCounts>;
  changelogRows: number;
  quarantined: number;
  /** Writes to Postgres inside the batch's transaction (more than one for large batches). */
  flushes: number;
  /** The copy phase ended (every shard) in this batch. */
  copyCompleted: boolean;
  /** Tables (`keyspace.table`) whose resync finished in this batch: their staging table is now the mirror. */
  resyncsCompleted: string[];
}

export interface OpenedSink {
  sink: PostgresSink;
  /** The committed checkpoint, with the epoch this sink now holds. */
  checkpoint: Checkpoint;
}

interface BatchStats {
  rows: number;
  bytes: number;
  transactions: number;
  tables: Record<string, TableCounts>;
  changelogRows: number;
  quarantined: number;
  flushes: number;
  /** When the first item needing a commit arrived (for the max-delay threshold). */
  firstItemAt: number | undefined;
}

function emptyStats(): BatchStats {
  return {
    rows: 0,
    bytes: 0,
    transactions: 0,
    tables: {},
    changelogRows: 0,
    quarantined: 0,
    flushes: 0,
    firstItemAt: undefined,
  };
}

/**
 * Applies assembled VStream items to PostgreSQL with the stream position committed in the same transaction.
 *
 * Usage: `open()` claims the stream (a new fencing epoch) and returns the committed checkpoint to resume from;
 * `write()` every item in stream order; `commit()` at a source-transaction boundary when `shouldCommit()` says
 * so (or on a timer); `close()` at the end. After any error the open Postgres transaction is rolled back and the
 * sink refuses further writes: recreate it (retryable errors) or pause the stream (the others).
 *
 * Buffered changes are written into the open Postgres transaction once they pass the chunk thresholds, even in
 * the middle of a source transaction, so memory stays bounded; nothing becomes visible before `commit()`.
 */
export class PostgresSink {
  private readonly registry: TableRegistry;
  private readonly shapes = new Map<string, { schema: TableSchema; shape: TableShape }>();
  private readonly writes: WriteBuffer;

  private committed: Checkpoint;
  private inPgTransaction = false;
  private failure: SinkError | undefined;
  private connectionError: Error | undefined;
  private closed = false;

  // Source-side state since the last commit.
  private openTxn: SourceTransaction | undefined;
  private boundary: Vgtid | undefined;
  private changelogSeq: number;
  private txnSeq: number;
  private lastCommitTs: Date | null;
  private copyCompleted = false;
  private stats: BatchStats = emptyStats();
  /** Reshard journals of this run: they decide which shards (and positions) a boundary stores. */
  private journals = new JournalTracker();
  /** Keeps each copying shard's progress in the positions stored, until that shard's copy is complete. */
  private copies: CopyProgressKeeper;

  private constructor(
    private readonly client: pg.ClientBase,
    private readonly releaseClient: (destroy: boolean) => Promise<void>,
    private readonly settings: SinkSettings,
    checkpoint: Checkpoint,
    private readonly logger: Logger | undefined,
  ) {
    this.committed = checkpoint;
    this.copies = new CopyProgressKeeper(checkpoint.vgtid);
    this.changelogSeq = checkpoint.changelogSeq;
    this.txnSeq = checkpoint.txnSeq;
    this.lastCommitTs = checkpoint.lastCommitTs;
    this.registry = new TableRegistry(client, settings.controlSchema, settings.streamId);
    const changelogTable = changelogNeeded(settings)
      ? qualify(settings.changelogTable.schema ?? settings.controlSchema, settings.changelogTable.table)
      : null;
    this.writes = new WriteBuffer(client, settings.controlSchema, settings.streamId, changelogTable);
    client.on('error', this.onConnectionError);
  }

  private readonly onConnectionError = (err: Error): void => {
    this.connectionError = err;
  };

  /**
   * Connects, migrates the control schema, claims the stream with a new epoch (fencing every earlier writer)
   * and returns the sink with the committed checkpoint.
   */
  static async open(options: PostgresSinkOptions): Promise<OpenedSink> {
    const settings = parseSinkSettings(options);
    const { client, release } = await acquireClient(options);
    try {
      // Values are sent as text and read by Postgres: pin the settings that text input depends on.
      await client.query("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'");
      await migrateControlSchema(client, settings.controlSchema);
      if (changelogNeeded(settings)) {
        await ensureChangelogTable(
          client,
          settings.changelogTable.schema ?? settings.controlSchema,
          settings.changelogTable.table,
        );
      }
      const checkpoint = await claimStream(
        client,
        settings.controlSchema,
        settings.streamId,
        settings.claimTimeoutMs,
      );
      const sink = new PostgresSink(client, release, settings, checkpoint, options.logger);
      options.logger?.info(
        { streamId: settings.streamId, epoch: checkpoint.epoch, batchSeq: checkpoint.batchSeq },
        'postgres sink opened',
      );
      return { sink, checkpoint };
    } catch (err) {
      await release(true).catch(() => undefined);
      throw asSinkError(err, `opening the Postgres sink for stream ${JSON.stringify(settings.streamId)}`);
    }
  }

  get streamId(): string {
    return this.settings.streamId;
  }

  get epoch(): number {
    return this.committed.epoch;
  }

  /** The last committed checkpoint. */
  get checkpoint(): Checkpoint {
    return this.committed;
  }

  /** Uncommitted work: row changes and bytes since the last commit, and changes buffered in memory. */
  get pending(): { rows: number; bytes: number; bufferedRows: number; bufferedBytes: number; ageMs: number } {
    return {
      rows: this.stats.rows,
      bytes: this.stats.bytes,
      bufferedRows: this.writes.rows,
      bufferedBytes: this.writes.bytes,
      ageMs: this.stats.firstItemAt === undefined ? 0 : Date.now() - this.stats.firstItemAt,
    };
  }

  /** Accepts the next item of the stream. */
  async write(item: StreamItem): Promise<void> {
    this.assertUsable();
    try {
      switch (item.kind) {
        case 'begin':
          if (this.openTxn !== undefined) throw new SinkStateError('begin inside an open source transaction');
          this.touch();
          this.openTxn = new SourceTransaction(
            ++this.txnSeq,
            item.keyspace,
            item.shard,
            commitTimeOf(item.timestamp),
          );
          this.writes.beginTransaction();
          return;
        case 'schema':
          await this.shapeFor(item.schema);
          return;
        case 'rows':
          await this.onRows(item);
          return;
        case 'undecodable':
          this.onUndecodable(item);
          return;
        case 'commit':
          await this.onCommit(item);
          return;
        case 'ddl':
          await this.onDdl(item);
          return;
        case 'position':
          if (this.openTxn !== undefined)
            throw new SinkStateError('position item inside a source transaction');
          this.touch();
          this.noteCommitTime(item.timestamp);
          this.boundary = this.copies.boundary(this.journals.boundary(item));
          return;
        case 'heartbeat':
          return;
        case 'copyCompleted':
          this.onCopyCompleted(item.keyspace, item.shard);
          return;
        case 'journal':
          await this.onJournal(item);
          return;
      }
    } catch (err) {
      throw await this.fail(err, `writing a ${item.kind} item`);
    }
  }

  /** True between a `begin` and its `commit`: a commit now would split a source transaction. */
  insideTransaction(): boolean {
    return this.openTxn !== undefined;
  }

  /** True when something since the last commit (a position, or a source transaction under way) awaits one. */
  hasUncommitted(): boolean {
    return this.boundary !== undefined || this.openTxn !== undefined;
  }

  /** True at a source-transaction boundary with a position that can be stored. */
  canCommit(): boolean {
    return (
      this.failure === undefined &&
      !this.closed &&
      this.openTxn === undefined &&
      this.boundary !== undefined &&
      !this.boundary.hasUnresolvedCurrent()
    );
  }

  /** True when a commit is possible now and the rows, bytes or age threshold is passed. */
  shouldCommit(now: number = Date.now()): boolean {
    if (!this.canCommit()) return false;
    const limits = this.settings.commit;
    const age = this.stats.firstItemAt === undefined ? 0 : now - this.stats.firstItemAt;
    return (
      this.stats.rows >= limits.maxRows || this.stats.bytes >= limits.maxBytes || age >= limits.maxDelayMs
    );
  }

  /**
   * Writes what is buffered and commits it with the position of the last boundary (commit, ddl or position
   * item), epoch-guarded. Only allowed outside a source transaction; returns null when there is no new position
   * to commit (nothing since the last commit, or a VGTID still naming `current`).
   */
  async commit(): Promise<CommitResult | null> {
    this.assertUsable();
    if (this.openTxn !== undefined) {
      throw new SinkStateError(
        `commit() inside source transaction ${this.openTxn.seq} (${this.openTxn.keyspace}/${this.openTxn.shard}): ` +
          'a batch may only hold whole source transactions',
      );
    }
    const vgtid = this.boundary;
    if (vgtid === undefined || vgtid.hasUnresolvedCurrent()) return null;
    let advanced: { batchSeq: number; updatedAt: Date };
    let resyncsCompleted: TableResync[] = [];
    try {
      await this.flush();
      await this.writes.drain();
      await this.ensureTransaction();
      resyncsCompleted = await this.finishResyncs(vgtid);
      advanced = await advanceCheckpoint(
        this.client,
        this.settings.controlSchema,
        this.settings.streamId,
        this.committed.epoch,
        {
          vgtid,
          changelogSeq: this.changelogSeq,
          txnSeq: this.txnSeq,
          lastCommitTs: this.lastCommitTs,
          copyCompleted: this.copyCompleted,
          resyncs: this.committed.resyncs.filter((r) => !resyncsCompleted.includes(r)),
        },
      );
      await this.client.query('COMMIT');
      this.inPgTransaction = false;
    } catch (err) {
      throw await this.fail(err, 'committing a batch');
    }
    const stats = this.stats;
    const result: CommitResult = {
      batchSeq: advanced.batchSeq,
      epoch: this.committed.epoch,
      vgtid,
      committedAt: advanced.updatedAt,
      lastCommitTs: this.lastCommitTs,
      transactions: stats.transactions,
      rows: stats.rows,
      bytes: stats.bytes,
      tables: stats.tables,
      changelogRows: stats.changelogRows,
      quarantined: stats.quarantined,
      flushes: stats.flushes,
      copyCompleted: this.copyCompleted && this.committed.copyCompletedAt === null,
      resyncsCompleted: resyncsCompleted.map((r) => tableLabel(r.keyspace, r.table)),
    };
    this.committed = {
      ...this.committed,
      batchSeq: advanced.batchSeq,
      vgtid,
      changelogSeq: this.changelogSeq,
      txnSeq: this.txnSeq,
      lastCommitTs: this.lastCommitTs,
      copyCompletedAt: this.committed.copyCompletedAt ?? (this.copyCompleted ? advanced.updatedAt : null),
      resyncs: this.committed.resyncs.filter((r) => !resyncsCompleted.includes(r)),
      updatedAt: advanced.updatedAt,
    };
    for (const r of resyncsCompleted) {
      this.logger?.info(
        { streamId: this.streamId, table: tableLabel(r.keyspace, r.table) },
        'resync completed',
      );
    }
    this.boundary = undefined;
    this.stats = emptyStats();
    this.logger?.debug(
      { streamId: this.streamId, batchSeq: result.batchSeq, rows: result.rows, flushes: result.flushes },
      'batch committed',
    );
    return result;
  }

  /**
   * Starts the stream over from a fresh copy (after `generation` was requested; a generation already done is a
   * no-op): empties the mirror tables `copied` selects, abandons resyncs, forgets the position — all in one
   * transaction. The changelog keeps its history; the copy's rows follow as `copy` rows.
   */
  async resnapshot(generation: number, copied: (label: string) => boolean): Promise<boolean> {
    this.assertUsable();
    if (this.hasUncommitted()) throw new SinkStateError('resnapshot() with uncommitted work');
    if (generation <= this.committed.snapshotGeneration) return false;
    try {
      await this.ensureTransaction();
      await this.registry.load();
      for (const resync of this.committed.resyncs) await this.abandonResync(resync);
      const truncated: string[] = [];
      for (const mapping of this.registry.all()) {
        const label = tableLabel(mapping.keyspace, mapping.sourceTable);
        if (mapping.target === null || !copied(label)) continue;
        await this.client.query(`TRUNCATE ${qualify(mapping.target.schema, mapping.target.table)}`);
        truncated.push(label);
      }
      await this.registry.record({
        keyspace: null,
        shard: null,
        sourceTable: null,
        target: null,
        action: 'resnapshot',
        statement: null,
        details: { generation, truncated, previousPosition: this.committed.vgtid?.toJSON() ?? null },
        batchSeq: this.committed.batchSeq,
      });
      const updatedAt = await restartCheckpoint(
        this.client,
        this.settings.controlSchema,
        this.settings.streamId,
        this.committed.epoch,
        { vgtid: null, snapshotGeneration: generation, resyncs: [], copyCompleted: false },
      );
      await this.client.query('COMMIT');
      this.inPgTransaction = false;
      this.committed = {
        ...this.committed,
        vgtid: null,
        snapshotGeneration: generation,
        resyncs: [],
        copyCompletedAt: null,
        updatedAt,
      };
      this.registry.reset();
      this.shapes.clear();
      this.copies = new CopyProgressKeeper(null);
      this.logger?.info({ streamId: this.streamId, generation, truncated }, 'resnapshot started');
      return true;
    } catch (err) {
      throw await this.fail(err, 'starting a resnapshot');
    }
  }

  /**
   * Starts re-copying mirrored tables (`keyspace.table` labels) while the stream goes on: a staging table per
   * table receives the copy and the table's later changes, and replaces the mirror when the copy is done. The
   * returned checkpoint names the tables in `table_p_ks`, so the next VStream call copies them. Tables already
   * resyncing are left as they are.
   */
  async startResync(labels: readonly string[]): Promise<Checkpoint> {
    this.assertUsable();
    if (this.hasUncommitted()) throw new SinkStateError('startResync() with uncommitted work');
    const wanted = labels.filter(
      (label) => !this.committed.resyncs.some((r) => tableLabel(r.keyspace, r.table) === label),
    );
    if (wanted.length === 0) return this.committed;
    let vgtid = this.committed.vgtid;
    // A snapshot copy under way shows in the position (tables other than those resyncing); streams that never
    // copied may resync too.
    const resyncing = new Set(this.committed.resyncs.map((r) => `${r.keyspace}/${r.table}`));
    const snapshotCopying = vgtid
      ?.shards()
      .some((s) => s.gtid === '' || s.tablePKs.some((t) => !resyncing.has(`${s.keyspace}/${t.tableName}`)));
    if (vgtid === null || snapshotCopying) {
      throw new SinkStateError(
        `cannot resync ${wanted.join(', ')}: the stream's initial copy has not finished; resync after it has`,
      );
    }
    try {
      await this.ensureTransaction();
      await this.registry.load();
      const started: TableResync[] = [];
      for (const label of wanted) {
        const mapping = this.registry.all().find((m) => tableLabel(m.keyspace, m.sourceTable) === label);
        if (mapping === undefined || mapping.target === null) {
          throw new SchemaIncompatibleError(
            label,
            mapping === undefined
              ? 'cannot resync: this stream has not mirrored that table (check the name: keyspace.table)'
              : 'cannot resync: the table goes to the changelog only (no mirror table to rebuild)',
          );
        }
        const live = mapping.target;
        const staging = stagingTarget(live);
        await createStagingTable(this.client, label, live, staging);
        const updated = structuredClone(mapping);
        updated.target = staging;
        await this.registry.update(updated);
        vgtid = positionWithTableCopy(vgtid, mapping.keyspace, mapping.sourceTable);
        const resync: TableResync = {
          keyspace: mapping.keyspace,
          table: mapping.sourceTable,
          live,
          staging,
          startedAt: new Date().toISOString(),
        };
        started.push(resync);
        await this.registry.record({
          keyspace: mapping.keyspace,
          shard: null,
          sourceTable: mapping.sourceTable,
          target: live,
          action: 'resync_started',
          statement: null,
          details: { staging },
          batchSeq: this.committed.batchSeq,
        });
      }
      const resyncs = [...this.committed.resyncs, ...started];
      const updatedAt = await restartCheckpoint(
        this.client,
        this.settings.controlSchema,
        this.settings.streamId,
        this.committed.epoch,
        { vgtid, snapshotGeneration: this.committed.snapshotGeneration, resyncs, copyCompleted: true },
      );
      await this.client.query('COMMIT');
      this.inPgTransaction = false;
      this.committed = { ...this.committed, vgtid, resyncs, updatedAt };
      this.shapes.clear();
      this.copies = new CopyProgressKeeper(vgtid);
      this.logger?.info({ streamId: this.streamId, tables: wanted }, 'resync started');
      return this.committed;
    } catch (err) {
      throw await this.fail(err, `starting a resync of ${wanted.join(', ')}`);
    }
  }

  /**
   * Drops everything since the last commit (the open Postgres transaction and all buffers) and returns the
   * committed checkpoint; the caller resumes the stream from its VGTID.
   */
  async rollback(): Promise<Checkpoint> {
    if (this.closed) throw new SinkStateError('the sink is closed');
    if (this.connectionError !== undefined) {
      throw new SinkDatabaseError('the Postgres connection was lost', this.connectionError);
    }
    await this.writes.settle();
    if (this.inPgTransaction) {
      try {
        await this.client.query('ROLLBACK');
      } catch (err) {
        throw asSinkError(err, 'rolling back');
      }
      this.inPgTransaction = false;
    }
    this.resetToCommitted();
    this.failure = undefined;
    return this.committed;
  }

  /** Rolls back anything uncommitted and releases the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.settle();
    let broken = this.connectionError !== undefined;
    if (this.inPgTransaction && !broken) {
      try {
        await this.client.query('ROLLBACK');
      } catch {
        broken = true;
      }
    }
    this.inPgTransaction = false;
    this.client.removeListener('error', this.onConnectionError);
    await this.releaseClient(broken || this.failure !== undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Items

  private async onRows(item: RowsItem): Promise<void> {
    const txn = this.requireTransaction('rows');
    // While a flush runs in the background, let the event loop feed it to Postgres between items (a caller
    // writing items from memory would otherwise never yield, and Postgres would wait for the next flush).
    if (this.writes.busy) await new Promise<void>((resolve) => setImmediate(resolve));
    const shape = await this.shapeFor(item.schema);
    const batch = shape.mirror === null ? undefined : await this.mirrorBatchFor(shape);
    const toChangelog = this.changelogFor(shape.mapping);
    for (const change of item.changes) this.addChange(txn, shape, batch, toChangelog, change, item.copy);
    this.stats.bytes += item.bytes;
    this.writes.count(item.changes.length, item.bytes);
    // Inside a source transaction, write early only for a large transaction (or a very full buffer): rows of
    // transactions already committed are written with their position, which saves an UPDATE later.
    const chunk = this.settings.chunk;
    if (
      this.writes.txnRows >= chunk.maxRows ||
      this.writes.txnBytes >= chunk.maxBytes ||
      this.writes.rows >= 2 * chunk.maxRows ||
      this.writes.bytes >= 2 * chunk.maxBytes
    ) {
      await this.flush();
    }
  }

  private addChange(
    txn: SourceTransaction,
    shape: TableShape,
    batch: MirrorTableBatch | undefined,
    toChangelog: boolean,
    change: RowChange,
    copy: boolean,
  ): void {
    const counts = this.countsFor(shape.label);
    this.stats.rows++;
    let encoded: EncodedChange;
    try {
      encoded = encodeChange(shape, change, { mirror: batch !== undefined, changelog: toChangelog });
    } catch (err) {
      if (!(err instanceof ColumnValueProblem)) throw err;
      if (this.settings.unapplicableValues === 'fail') {
        throw new UnapplicableValueError(shape.label, err.column, err.reason);
      }
      this.writes.quarantine.push({
        txn,
        table: shape.label,
        op: change.op,
        copy,
        code: 'unapplicable_value',
        reason: err.reason,
        column: err.column,
        format: 'decoded',
        ...quarantineImages(shape, change),
      });
      counts.quarantined++;
      this.stats.quarantined++;
      this.logger?.warn({ table: shape.label, column: err.column, reason: err.reason }, 'change quarantined');
      return;
    }
    const { mirrorRow, mirrorOldKey, changelog } = encoded;
    if (batch !== undefined) {
      if (mirrorRow === null) batch.delete(mirrorOldKey!);
      else if (mirrorOldKey === null) batch.upsert(mirrorRow);
      else batch.update(mirrorOldKey, mirrorRow);
    }
    if (changelog !== null) {
      this.writes.changelog.push({
        seq: ++this.changelogSeq,
        txn,
        table: shape.label,
        op: change.op,
        copy,
        ...changelog,
      });
      this.stats.changelogRows++;
    }
    counts[change.op]++;
  }

  private onUndecodable(item: UndecodableRowItem): void {
    const txn = this.requireTransaction('undecodable');
    const label = tableLabel(item.schema.keyspace, item.schema.table);
    this.writes.quarantine.push({
      txn,
      table: label,
      op: item.op,
      copy: false,
      code: item.code,
      reason: item.reason,
      column: item.column,
      format: 'raw',
      before: item.before === null ? null : JSON.stringify(item.before),
      after: item.after === null ? null : JSON.stringify(item.after),
    });
    this.countsFor(label).quarantined++;
    this.stats.rows++;
    this.stats.quarantined++;
  }

  private async onCommit(item: CommitItem): Promise<void> {
    const txn = this.requireTransaction('commit');
    txn.vgtid = item.vgtid;
    txn.gtid = item.vgtid.get(item.keyspace, item.shard)?.gtid ?? null;
    this.writes.positionLater(txn);
    this.openTxn = undefined;
    this.stats.transactions++;
    this.lastCommitTs = txn.commitTs ?? this.lastCommitTs;
    this.noteCommitTime(item.timestamp);
    this.boundary = this.copies.boundary(this.journals.boundary(item));
    const chunk = this.settings.chunk;
    if (this.writes.rows >= chunk.maxRows || this.writes.bytes >= chunk.maxBytes) await this.flush();
  }

  private async onDdl(item: DdlItem): Promise<void> {
    if (this.openTxn !== undefined) throw new SinkStateError('ddl item inside a source transaction');
    this.touch();
    // Everything before the DDL is applied first, so DDL effects act on the state the source had.
    await this.flush();
    await this.ensureTransaction();
    await this.registry.load();
    await this.registry.record({
      keyspace: item.keyspace,
      shard: item.shard,
      sourceTable: null,
      target: null,
      action: 'source_ddl',
      statement: item.statement,
      position: item.vgtid,
      batchSeq: this.batchInProgress,
    });
    const txn = new SourceTransaction(++this.txnSeq, item.keyspace, item.shard, commitTimeOf(item.timestamp));
    txn.vgtid = item.vgtid;
    txn.gtid = item.vgtid.get(item.keyspace, item.shard)?.gtid ?? null;
    for (const effect of parseDdlEffects(item.statement)) await this.applyDdlEffect(item, effect, txn);
    this.stats.transactions++;
    this.noteCommitTime(item.timestamp);
    this.boundary = this.copies.boundary(this.journals.boundary(item));
  }

  private async applyDdlEffect(item: DdlItem, effect: DdlEffect, txn: SourceTransaction): Promise<void> {
    const { keyspace, shard } = item;
    const history = { keyspace, shard, statement: item.statement, batchSeq: this.batchInProgress };
    switch (effect.kind) {
      case 'rename_table': {
        // Online DDL swaps shadow tables in and out by renames; the FIELD events that follow carry the result.
        if (isInternalTable(effect.from) || isInternalTable(effect.to)) return;
        const mapping = this.registry.resolve(keyspace, effect.from, shard);
        if (mapping === undefined) return;
        if (mapping.sourceTable === effect.to) {
          // Another shard renamed it already: this shard has now switched too.
          const retired = mapping.retiredNames.find((r) => r.name === effect.from);
          if (retired !== undefined && !retired.shards.includes(shard)) {
            const updated = structuredClone(mapping);
            updated.retiredNames.find((r) => r.name === effect.from)!.shards.push(shard);
            await this.registry.update(updated);
            this.forgetShapes(mapping);
          }
          return;
        }
        await this.applyPlan(mapping, planTableRename(mapping, effect.to, shard), shard);
        return;
      }
      case 'rename_column': {
        const mapping = this.registry.resolve(keyspace, effect.table, shard);
        if (mapping === undefined) return;
        const plan = planColumnRename(mapping, effect.from, effect.to, shard);
        if (plan !== undefined) await this.applyPlan(mapping, plan, shard);
        return;
      }
      case 'drop_column': {
        // The shard no longer has the column, even before its next FIELD: once no shard has it, it is dropped
        // (kept in Postgres), so that adding it again starts it empty, as at the source.
        const mapping = this.registry.resolve(keyspace, effect.table, shard);
        const column = mapping?.columns.find((c) => c.source === effect.column && !c.dropped);
        if (mapping === undefined || column === undefined) return;
        const updated = structuredClone(mapping);
        const known = updated.shardColumns[shard];
        if (known !== undefined) updated.shardColumns[shard] = known.filter((name) => name !== column.name);
        if (!Object.values(updated.shardColumns).some((names) => names.includes(column.name))) {
          updated.columns.find((c) => c.name === column.name)!.dropped = true;
          await this.registry.record({
            ...history,
            sourceTable: mapping.sourceTable,
            target: mapping.target,
            action: 'drop_column',
            details: { column: column.name },
            position: item.vgtid,
          });
        }
        await this.registry.update(updated);
        this.forgetShapes(mapping);
        return;
      }
      case 'truncate': {
        const mapping = this.registry.resolve(keyspace, effect.table, shard);
        if (mapping === undefined) return;
        if (mapping.target !== null && this.settings.mode !== 'changelog') {
          const range = parseShardKeyRange(shard);
          if (range === undefined || range.start !== '' || range.end !== '') {
            throw new SchemaIncompatibleError(
              tableLabel(keyspace, effect.table),
              `TRUNCATE on shard ${shard} cannot be mirrored: the mirror table holds the rows of every shard ` +
                'and their shard is not recorded; resync the table',
            );
          }
          const sql = `TRUNCATE ${qualify(mapping.target.schema, mapping.target.table)}`;
          await this.client.query(sql);
          await this.registry.record({
            ...history,
            sourceTable: mapping.sourceTable,
            target: mapping.target,
            action: 'truncate',
            statement: sql,
            position: item.vgtid,
          });
        }
        if (this.changelogFor(mapping)) {
          this.writes.changelog.push({
            seq: ++this.changelogSeq,
            txn,
            table: tableLabel(keyspace, mapping.sourceTable),
            op: 'truncate' satisfies ChangelogOp,
            copy: false,
            primaryKey: null,
            before: null,
            after: null,
          });
          this.stats.changelogRows++;
        }
        return;
      }
      case 'drop_table': {
        const mapping = this.registry.resolve(keyspace, effect.table, shard);
        if (mapping === undefined) return;
        // The mirror table and its data are kept; only recorded.
        await this.registry.record({
          ...history,
          sourceTable: mapping.sourceTable,
          target: mapping.target,
          action: 'drop_table',
          position: item.vgtid,
        });
        return;
      }
    }
  }

  private async onJournal(item: JournalItem): Promise<void> {
    // The boundaries from here on store the new shards once every participant has sent this journal, and hold
    // the participants before it until then (see journal-tracker.ts).
    this.journals.journal(item, this.boundary ?? this.committed.vgtid ?? undefined);
    this.touch();
    await this.ensureTransaction();
    await this.registry.load();
    await this.registry.record({
      keyspace: item.participants[0]?.keyspace ?? null,
      shard: null,
      sourceTable: null,
      target: null,
      action: 'journal',
      statement: null,
      details: { id: item.id, participants: item.participants, newShards: item.newShards },
      batchSeq: this.batchInProgress,
    });
    // The old shards are gone: their column lists must not keep dropped columns alive.
    for (const mapping of this.registry.all()) {
      const leaving = item.participants.filter(
        (p) => p.keyspace === mapping.keyspace && mapping.shardColumns[p.shard] !== undefined,
      );
      if (leaving.length === 0) continue;
      const updated = structuredClone(mapping);
      const gone = new Set(leaving.map((p) => p.shard));
      updated.shardColumns = Object.fromEntries(
        Object.entries(updated.shardColumns).filter(([shard]) => !gone.has(shard)),
      );
      await this.registry.update(updated);
      this.forgetShapes(mapping);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Copy phase

  /**
   * A shard's COPY_COMPLETED lets its stored position drop the progress kept for it; the final one (no keyspace
   * and shard) ends the copy — as does the last shard's own, since a resumed copy never gets the final one.
   */
  private onCopyCompleted(keyspace: string | null, shard: string | null): void {
    if (keyspace === null || shard === null) {
      this.copyCompleted = true;
      return;
    }
    if (this.openTxn !== undefined)
      throw new SinkStateError('copyCompleted item inside a source transaction');
    const position = this.copies.shardCompleted(
      keyspace,
      shard,
      this.boundary ?? this.committed.vgtid ?? undefined,
    );
    if (position !== undefined) {
      this.touch();
      this.boundary = position;
    }
    if (this.copies.done) this.copyCompleted = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Resync

  /** Swaps in the staging table of every resync whose copy `vgtid` shows as done on all shards. */
  private async finishResyncs(vgtid: Vgtid): Promise<TableResync[]> {
    const done = this.committed.resyncs.filter((r) => resyncCopied(vgtid, r));
    if (done.length === 0) return done;
    await this.registry.load();
    for (const resync of done) {
      await swapStagingTable(this.client, resync);
      const mapping = this.registry.get(resync.keyspace, resync.table);
      if (mapping !== undefined) {
        const updated = structuredClone(mapping);
        updated.target = resync.live;
        await this.registry.update(updated);
        this.forgetShapes(mapping);
      }
      await this.registry.record({
        keyspace: resync.keyspace,
        shard: null,
        sourceTable: resync.table,
        target: resync.live,
        action: 'resync_completed',
        statement: null,
        details: { staging: resync.staging, startedAt: resync.startedAt },
        position: vgtid,
        batchSeq: this.batchInProgress,
      });
    }
    return done;
  }

  /** Puts the mirror table back in place of an unfinished resync's staging table. */
  private async abandonResync(resync: TableResync): Promise<void> {
    await dropStagingTable(this.client, resync);
    const mapping = this.registry.get(resync.keyspace, resync.table);
    if (mapping === undefined) return;
    const updated = structuredClone(mapping);
    updated.target = resync.live;
    await this.registry.update(updated);
    this.forgetShapes(mapping);
  }

  // ---------------------------------------------------------------------------------------------
  // Schema

  /** The shape for rows described by `schema`, evolving the mapping and the mirror table first if needed. */
  private async shapeFor(schema: TableSchema): Promise<TableShape> {
    const key = `${schema.keyspace}\0${schema.shard}\0${schema.table}`;
    const cached = this.shapes.get(key);
    if (cached !== undefined && cached.schema === schema) return cached.shape;
    await this.registry.load();
    const existing = this.registry.resolve(schema.keyspace, schema.table, schema.shard);
    const plan = planForSchema(existing, schema, this.evolutionContext(schema.keyspace));
    let mapping = existing;
    if (plan.changed || plan.actions.length > 0) {
      await this.applyPlan(existing, plan, schema.shard);
      mapping = plan.mapping;
    }
    const shape = buildTableShape(mapping!, schema, this.settings.mode !== 'changelog');
    this.shapes.set(key, { schema, shape });
    return shape;
  }

  private async applyPlan(
    existing: TableMapping | undefined,
    plan: EvolutionPlan,
    shard: string,
  ): Promise<void> {
    // Rows buffered under the old definition are written before the table changes.
    if (plan.actions.length > 0) await this.flush();
    await this.ensureTransaction();
    await this.registry.apply(existing, plan, { batchSeq: this.batchInProgress, shard });
    if (existing !== undefined) this.forgetShapes(existing);
    for (const action of plan.actions) {
      this.logger?.info(
        {
          streamId: this.streamId,
          table: tableLabel(plan.mapping.keyspace, plan.mapping.sourceTable),
          action,
        },
        'schema change applied',
      );
    }
  }

  /** Drops cached shapes built from a mapping that has changed; they are rebuilt on the next rows. */
  private forgetShapes(mapping: TableMapping): void {
    for (const [key, entry] of this.shapes) if (entry.shape.mapping === mapping) this.shapes.delete(key);
  }

  private evolutionContext(keyspace: string): EvolutionContext {
    return {
      targetSchema: pgSchemaName(
        this.settings.targetSchemas[keyspace] ??
          this.settings.targetSchema.replaceAll('{keyspace}', keyspace),
      ),
      mirror: this.settings.mode !== 'changelog',
      tablesWithoutKey: this.settings.tablesWithoutKey,
    };
  }

  private changelogFor(mapping: TableMapping): boolean {
    return this.settings.mode !== 'mirror' || mapping.target === null;
  }

  /** The buffer for a mirror table; rows of another shape for the same table are written first. */
  private async mirrorBatchFor(shape: TableShape): Promise<MirrorTableBatch> {
    const batch = this.writes.mirrorBatch(shape);
    if (batch !== undefined) return batch;
    await this.flush();
    return this.writes.mirrorBatch(shape)!;
  }

  // ---------------------------------------------------------------------------------------------
  // Postgres

  /** Batch number the open Postgres transaction will commit as. */
  private get batchInProgress(): number {
    return this.committed.batchSeq + 1;
  }

  private async ensureTransaction(): Promise<void> {
    if (this.inPgTransaction) return;
    await this.client.query('BEGIN');
    this.inPgTransaction = true;
    await lockCheckpoint(
      this.client,
      this.settings.controlSchema,
      this.settings.streamId,
      this.committed.epoch,
    );
  }

  /**
   * Writes every buffer into the open Postgres transaction (opening it if needed); the changelog COPY may still
   * be running when this returns (see WriteBuffer.flush).
   */
  private async flush(): Promise<void> {
    if (this.writes.isEmpty) return;
    await this.ensureTransaction();
    await this.writes.flush(this.batchInProgress);
    this.stats.flushes++;
  }

  // ---------------------------------------------------------------------------------------------
  // State

  private assertUsable(): void {
    if (this.closed) throw new SinkStateError('the sink is closed');
    if (this.failure !== undefined) {
      throw new SinkStateError(
        `the sink failed earlier and must be rolled back or recreated: ${this.failure.message}`,
        { cause: this.failure },
      );
    }
    if (this.connectionError !== undefined) {
      throw new SinkDatabaseError('the Postgres connection was lost', this.connectionError);
    }
  }

  private requireTransaction(kind: string): SourceTransaction {
    if (this.openTxn === undefined) throw new SinkStateError(`${kind} item outside a source transaction`);
    return this.openTxn;
  }

  private touch(): void {
    this.stats.firstItemAt ??= Date.now();
  }

  private noteCommitTime(seconds: number): void {
    const time = commitTimeOf(seconds);
    if (time !== null) this.lastCommitTs = time;
  }

  private countsFor(label: string): TableCounts {
    return (this.stats.tables[label] ??= { insert: 0, update: 0, delete: 0, quarantined: 0 });
  }

  /** Records the failure, abandons the Postgres transaction and all buffers; returns the error to throw. */
  private async fail(err: unknown, context: string): Promise<SinkError> {
    // A changelog COPY still in flight failed first if it failed: later statements only report the aborted
    // transaction.
    const first = await this.writes.settle();
    const error = asSinkError(first ?? err, context);
    this.failure = error;
    if (this.inPgTransaction && this.connectionError === undefined) {
      await this.client.query('ROLLBACK').catch(() => undefined);
    }
    this.inPgTransaction = false;
    this.resetToCommitted();
    this.logger?.warn({ streamId: this.streamId, err: error }, 'postgres sink failed');
    return error;
  }

  private resetToCommitted(): void {
    this.openTxn = undefined;
    this.boundary = undefined;
    this.changelogSeq = this.committed.changelogSeq;
    this.txnSeq = this.committed.txnSeq;
    this.lastCommitTs = this.committed.lastCommitTs;
    this.copyCompleted = false;
    this.stats = emptyStats();
    this.journals = new JournalTracker();
    this.copies = new CopyProgressKeeper(this.committed.vgtid);
    this.writes.clear();
    this.registry.reset();
    this.shapes.clear();
  }
}

function changelogNeeded(settings: SinkSettings): boolean {
  return settings.mode !== 'mirror' || settings.tablesWithoutKey === 'changelog';
}
