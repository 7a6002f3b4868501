import type pg from 'pg';
import { ChangelogBuffer, fillChangelogPosition } from './changelog.js';
import { SinkDatabaseError } from './errors.js';
import { qualify } from './identifiers.js';
import { MirrorTableBatch } from './mirror-batch.js';
import { deleteStatement, upsertStatement } from './mirror-sql.js';
import type { BulkStatement } from './mirror-sql.js';
import { QuarantineBuffer, fillQuarantinePosition } from './quarantine.js';
import type { SourceTransaction } from './source-transaction.js';
import type { TableShape } from './table-shape.js';

interface InFlight {
  /** Settles (never rejects) when the COPY has ended. */
  done: Promise<void> | undefined;
  failed: boolean;
  error: unknown;
}

/**
 * Everything the sink has accepted but not yet written to Postgres, and the code that writes it: one DELETE and
 * one upsert per mirror table, one COPY into the changelog, the quarantine rows, then the positions of large
 * transactions that were written before their commit was seen. The caller opens the Postgres transaction.
 */
export class WriteBuffer {
  readonly changelog = new ChangelogBuffer();
  readonly quarantine = new QuarantineBuffer();
  private mirror = new Map<string, MirrorTableBatch>();
  private positionFills: SourceTransaction[] = [];
  private readonly statements = new Map<string, { upsert: BulkStatement; delete: BulkStatement }>();
  private inFlight: InFlight | undefined;

  /** Row changes and wire bytes buffered in total, and for the open source transaction. */
  rows = 0;
  bytes = 0;
  txnRows = 0;
  txnBytes = 0;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly controlSchema: string,
    private readonly streamId: string,
    /** Qualified changelog table, or null when the stream writes none. */
    private readonly changelogTable: string | null,
  ) {}

  get isEmpty(): boolean {
    return (
      this.mirror.size === 0 &&
      this.changelog.size === 0 &&
      this.quarantine.size === 0 &&
      this.positionFills.length === 0
    );
  }

  /**
   * The batch collecting rows of this shape for its mirror table; undefined when rows of another shape (another
   * column set or type) are buffered for that table, which must be written first.
   */
  mirrorBatch(shape: TableShape): MirrorTableBatch | undefined {
    const mirror = shape.mirror!;
    const key = qualify(mirror.target.schema, mirror.target.table);
    const current = this.mirror.get(key);
    if (current !== undefined) return current.shape.signature === mirror.signature ? current : undefined;
    const batch = new MirrorTableBatch(mirror, shape.keyIndexes);
    this.mirror.set(key, batch);
    return batch;
  }

  count(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    this.txnRows += rows;
    this.txnBytes += bytes;
  }

  /** A source transaction begins: its own counters restart. */
  beginTransaction(): void {
    this.txnRows = 0;
    this.txnBytes = 0;
  }

  /** The transaction's commit is known now: give its already-written rows their position at the next flush. */
  positionLater(txn: SourceTransaction): void {
    if (txn.unpositionedChangelog !== null || txn.unpositionedQuarantine) this.positionFills.push(txn);
  }

  /**
   * Writes everything into the open Postgres transaction. The changelog COPY is started last and left running:
   * the caller goes on encoding the next chunk while Postgres ingests this one. At most one COPY is in flight
   * (the next flush waits for it first), and `drain()` must be awaited before the transaction commits.
   */
  async flush(batchSeq: number): Promise<void> {
    await this.drain();
    const batches = [...this.mirror.values()];
    this.mirror = new Map();
    for (const batch of batches) await this.applyMirrorBatch(batch);
    await this.quarantine.flush(this.client, this.controlSchema, this.streamId, batchSeq);
    // Positions of rows written by earlier flushes (already complete); this flush's rows are not among them.
    for (const txn of this.positionFills) {
      if (this.changelogTable !== null) {
        await fillChangelogPosition(this.client, this.changelogTable, this.streamId, txn);
      }
      await fillQuarantinePosition(this.client, this.controlSchema, this.streamId, txn);
    }
    this.positionFills = [];
    if (this.changelogTable !== null && this.changelog.size > 0) {
      // Node-postgres runs queries in submission order, so anything sent later runs after this COPY.
      const copy = this.changelog.flush(this.client, this.changelogTable, this.streamId);
      const inFlight: InFlight = { done: undefined, failed: false, error: undefined };
      inFlight.done = copy.then(
        () => undefined,
        (err: unknown) => {
          inFlight.failed = true;
          inFlight.error = err;
        },
      );
      this.inFlight = inFlight;
    }
    this.rows = 0;
    this.bytes = 0;
    this.txnRows = 0;
    this.txnBytes = 0;
  }

  /** Waits for the changelog COPY still in flight, if any; throws its error. */
  async drain(): Promise<void> {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return;
    await inFlight.done;
    this.inFlight = undefined;
    if (inFlight.failed) throw inFlight.error;
  }

  /**
   * Waits for the changelog COPY still in flight, if any, before the transaction is abandoned; returns its error
   * (the first failure in the transaction, which later statements only echo), or undefined.
   */
  async settle(): Promise<unknown> {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return undefined;
    await inFlight.done;
    this.inFlight = undefined;
    return inFlight.failed ? (inFlight.error ?? new Error('changelog COPY failed')) : undefined;
  }

  /** Drops everything buffered; call `settle()` first if a flush may still be in flight. */
  clear(): void {
    this.inFlight = undefined;
    this.mirror = new Map();
    this.changelog.clear();
    this.quarantine.clear();
    this.positionFills = [];
    this.rows = 0;
    this.bytes = 0;
    this.txnRows = 0;
    this.txnBytes = 0;
  }

  private async applyMirrorBatch(batch: MirrorTableBatch): Promise<void> {
    const shape = batch.shape;
    let statements = this.statements.get(shape.signature);
    if (statements === undefined) {
      statements = {
        upsert: upsertStatement(
          shape.target,
          shape.columns,
          shape.keyColumns.map((c) => c.name),
        ),
        delete: deleteStatement(shape.target, shape.keyColumns),
      };
      this.statements.set(shape.signature, statements);
    }
    const deletes = batch.deleteColumns();
    const upserts = batch.upsertColumns();
    try {
      if ((deletes[0]?.length ?? 0) > 0) {
        await this.client.query({
          name: statements.delete.name,
          text: statements.delete.text,
          values: deletes,
        });
      }
      if ((upserts[0]?.length ?? 0) > 0) {
        await this.client.query({
          name: statements.upsert.name,
          text: statements.upsert.text,
          values: upserts,
        });
      }
    } catch (err) {
      const { upserts: u, deletes: d } = batch.counts();
      const target = qualify(shape.target.schema, shape.target.table);
      throw new SinkDatabaseError(`applying ${u} upserts and ${d} deletes to ${target}`, err);
    }
  }
}
