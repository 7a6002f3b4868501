import type { StreamItem } from '../vstream/events.js';
import type { ProgressReport, StreamStatus, TableCounters } from '../workflows/definitions.js';
import type { VgtidJsonValue } from '../workflows/definitions.js';

export interface CommittedBatch {
  batchSeq: number;
  vgtid: VgtidJsonValue;
  /** Rows applied in the batch per `keyspace.table` and op. */
  rows: Record<string, TableCounters>;
  /** Source commit time (seconds) of the newest transaction in the batch; 0 when unknown (copy rows). */
  sourceTimestamp: number;
  /** Tables whose resync finished in this batch. */
  resyncsCompleted?: string[];
  /** The copy phase ended in this batch (also when a resumed copy never gets the final COPY_COMPLETED). */
  copyCompleted?: boolean;
  /** Tables still resyncing after this batch. */
  resyncing?: string[];
}

/**
 * Accumulates what the activity committed and decides when to tell the workflow: at most once per progress
 * interval (each report is a history event), and always at the end of a run.
 */
export class ProgressTracker {
  private latest: CommittedBatch | undefined;
  private lastCommitAt: string | undefined;
  private lastSourceCommitAt: string | null = null;
  private lag: number | null = null;
  private unreported: Record<string, TableCounters> = {};
  private lastReportAt = 0;
  private dirty = false;
  /** Totals of this run, for heartbeats. */
  readonly totals: Record<string, TableCounters> = {};
  copy: StreamStatus['copy'] = null;
  /** Copy rows written since the last commit. */
  private pendingCopy: Record<string, number> = {};
  private copyEnded = false;
  private resyncing: string[];
  private resyncsCompleted: string[] = [];
  private readonly generation: number;

  constructor(
    private readonly intervalMs: number,
    private readonly attempt: number,
    initial: { vgtid: VgtidJsonValue; batchSeq: number; committedAt: string } | null,
    snapshot: { generation: number; resyncing: string[] } = { generation: 0, resyncing: [] },
    private readonly now: () => number = Date.now,
  ) {
    this.generation = snapshot.generation;
    this.resyncing = snapshot.resyncing;
    if (initial) {
      this.latest = { vgtid: initial.vgtid, batchSeq: initial.batchSeq, rows: {}, sourceTimestamp: 0 };
      // A run that has not committed yet reports the checkpoint's own commit time, never "now".
      this.lastCommitAt = initial.committedAt;
    }
  }

  /** Replication lag at the last commit (0 once caught up), or null before the first timed commit. */
  get lagSeconds(): number | null {
    return this.lag;
  }

  get position(): { vgtid: VgtidJsonValue; batchSeq: number } | null {
    return this.latest ? { vgtid: this.latest.vgtid, batchSeq: this.latest.batchSeq } : null;
  }

  committed(batch: CommittedBatch): void {
    this.latest = batch;
    if (this.copy !== null) {
      for (const [table, rows] of Object.entries(this.pendingCopy)) {
        this.copy.rowsCopied[table] = (this.copy.rowsCopied[table] ?? 0) + rows;
      }
      if (this.copyEnded || batch.copyCompleted === true) {
        this.copy.inProgress = false;
        this.copy.tablesDone = Object.keys(this.copy.rowsCopied).sort();
      }
    }
    this.pendingCopy = {};
    this.copyEnded = false;
    if (batch.resyncing !== undefined) this.resyncing = batch.resyncing;
    this.resyncsCompleted.push(...(batch.resyncsCompleted ?? []));
    this.lastCommitAt = new Date(this.now()).toISOString();
    if (batch.sourceTimestamp > 0) {
      this.lastSourceCommitAt = new Date(batch.sourceTimestamp * 1000).toISOString();
      this.lag = Math.max(0, this.now() / 1000 - batch.sourceTimestamp);
    }
    for (const [table, c] of Object.entries(batch.rows)) {
      for (const target of [this.unreported, this.totals]) {
        const t = (target[table] ??= { insert: 0, update: 0, delete: 0 });
        t.insert += c.insert;
        t.update += c.update;
        t.delete += c.delete;
      }
    }
    this.dirty = true;
  }

  /**
   * Follows the copy phase for `status`: rows copied per table (counted once committed, so a rolled-back batch is
   * never counted), tables done once no shard's position lists them as in progress, and the end at the final
   * COPY_COMPLETED.
   */
  observe(item: StreamItem): void {
    if (item.kind === 'rows' && item.copy) {
      const table = `${item.schema.keyspace}.${item.schema.table}`;
      this.copy ??= { inProgress: true, tablesDone: [], rowsCopied: {} };
      this.copy.inProgress = true;
      this.pendingCopy[table] = (this.pendingCopy[table] ?? 0) + item.changes.length;
    } else if (item.kind === 'commit' && this.copy?.inProgress) {
      const copying = new Set(
        item.vgtid.shards().flatMap((s) => s.tablePKs.map((t) => `${s.keyspace}.${t.tableName}`)),
      );
      this.copy.tablesDone = [
        ...new Set([...Object.keys(this.copy.rowsCopied), ...Object.keys(this.pendingCopy)]),
      ]
        .filter((t) => !copying.has(t))
        .sort();
    } else if (item.kind === 'copyCompleted' && item.keyspace === null && this.copy) {
      this.copyEnded = true;
    }
  }

  /** The sink dropped everything since its last commit: so do the copy counts. */
  rolledBack(): void {
    this.pendingCopy = {};
    this.copyEnded = false;
  }

  private warning: string | null | undefined;

  warnedWith(): string | null {
    return this.warning ?? null;
  }

  /** Sets or clears the liveness warning shown in `status`. */
  warn(message: string | null): void {
    if (this.warning === message) return;
    this.warning = message;
    this.dirty = true;
  }

  /** Nothing is pending and the source is quiet (a heartbeat arrived): we are caught up. */
  caughtUp(): void {
    if (this.lag !== 0) this.dirty = true;
    this.lag = 0;
  }

  /** A report if one is due (or `force`), resetting the per-report counters. */
  take(force = false): ProgressReport | null {
    if (!this.latest || !this.dirty) return null;
    if (!force && this.now() - this.lastReportAt < this.intervalMs) return null;
    this.lastReportAt = this.now();
    this.dirty = false;
    const rowsApplied = this.unreported;
    this.unreported = {};
    const resyncsCompleted = this.resyncsCompleted;
    this.resyncsCompleted = [];
    return {
      snapshotGeneration: this.generation,
      resyncing: [...this.resyncing],
      resyncsCompleted,
      vgtid: this.latest.vgtid,
      batchSeq: this.latest.batchSeq,
      lastCommitAt: this.lastCommitAt ?? new Date(this.now()).toISOString(),
      lastSourceCommitAt: this.lastSourceCommitAt,
      lagSeconds: this.lag,
      rowsApplied,
      copy: this.copy,
      attempt: this.attempt,
      ...(this.warning !== undefined ? { warning: this.warning } : {}),
    };
  }

  /** Heartbeat details: small, and enough to see where a run is from the Temporal UI. */
  heartbeatDetails(): {
    vgtid: VgtidJsonValue | null;
    batchSeq: number;
    rows: Record<string, TableCounters>;
  } {
    return { vgtid: this.latest?.vgtid ?? null, batchSeq: this.latest?.batchSeq ?? 0, rows: this.totals };
  }
}
