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
import { pgTextArrayParam } from './value-text.js';

/** A flush whose statements Postgres may still be running. */
interface InFlight {
  /** Settles (never rejects) when every statement of the flush has ended. */
  done: Promise<void> | undefined;
  ended: boolean;
  failed: boolean;
  /** The first failure. */
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
   * Writes everything into the open Postgres transaction, in the background: every statement is handed to the
   * client at once, in order (node-postgres runs them one after the other, and anything the caller sends later
   * runs after them), and the caller goes on encoding the next chunk while Postgres applies this one. At most one
   * flush is in flight (the next one waits for it first), and `drain()` must be awaited before the transaction
   * commits.
   */
  async flush(batchSeq: number): Promise<void> {
    await this.drain();
    const work: Promise<unknown>[] = [];
    for (const batch of this.mirror.values()) work.push(this.applyMirrorBatch(batch));
    this.mirror = new Map();
    if (this.changelogTable !== null && this.changelog.size > 0) {
      work.push(this.changelog.flush(this.client, this.changelogTable, this.streamId));
    }
    work.push(this.quarantine.flush(this.client, this.controlSchema, this.streamId, batchSeq));
    // Positions of rows written by earlier flushes; rows of this flush belong to other transactions.
    for (const txn of this.positionFills) {
      if (this.changelogTable !== null) {
        work.push(fillChangelogPosition(this.client, this.changelogTable, this.streamId, txn));
      }
      work.push(fillQuarantinePosition(this.client, this.controlSchema, this.streamId, txn));
    }
    this.positionFills = [];
    const inFlight: InFlight = { done: undefined, ended: false, failed: false, error: undefined };
    inFlight.done = inOrder(work).then(
      () => {
        inFlight.ended = true;
      },
      (err: unknown) => {
        inFlight.ended = true;
        inFlight.failed = true;
        inFlight.error = err;
      },
    );
    this.inFlight = inFlight;
    this.rows = 0;
    this.bytes = 0;
    this.txnRows = 0;
    this.txnBytes = 0;
  }

  /** True while a flush runs in the background. */
  get busy(): boolean {
    return this.inFlight !== undefined && !this.inFlight.ended;
  }

  /** Waits for the flush still in flight, if any; throws its (first) error. */
  async drain(): Promise<void> {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return;
    await inFlight.done;
    this.inFlight = undefined;
    if (inFlight.failed) throw inFlight.error;
  }

  /**
   * Waits for the flush still in flight, if any, before the transaction is abandoned; returns its error
   * (the first failure in the transaction, which later statements only echo), or undefined.
   */
  async settle(): Promise<unknown> {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return undefined;
    await inFlight.done;
    this.inFlight = undefined;
    return inFlight.failed ? (inFlight.error ?? new Error('flush failed')) : undefined;
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

  /** Hands the DELETE and the upsert of one table to the client at once (see flush). */
  private applyMirrorBatch(batch: MirrorTableBatch): Promise<void> {
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
    const queries: Promise<unknown>[] = [];
    // Each column goes as one text[] parameter built here (see pgTextArrayParam), not as a JS array for the driver.
    if ((deletes[0]?.length ?? 0) > 0) {
      queries.push(
        this.client.query({
          name: statements.delete.name,
          text: statements.delete.text,
          values: deletes.map(pgTextArrayParam),
        }),
      );
    }
    if ((upserts[0]?.length ?? 0) > 0) {
      queries.push(
        this.client.query({
          name: statements.upsert.name,
          text: statements.upsert.text,
          values: upserts.map(pgTextArrayParam),
        }),
      );
    }
    return inOrder(queries).catch((err: unknown) => {
      const { upserts: u, deletes: d } = batch.counts();
      const target = qualify(shape.target.schema, shape.target.table);
      throw new SinkDatabaseError(`applying ${u} upserts and ${d} deletes to ${target}`, err);
    });
  }
}

/** Waits for promises in order and rejects with the first failure; later failures are only its echoes. */
async function inOrder(promises: readonly Promise<unknown>[]): Promise<void> {
  for (const p of promises) p.catch(() => undefined);
  for (const p of promises) await p;
}
