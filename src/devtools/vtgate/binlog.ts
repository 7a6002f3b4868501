// One shard's binlog: an append-only list of committed units, one per GTID, that streams read from.
// Entries hold the logical change (rows with the schema version they were written under); each stream
// renders them into VEvents through its own filter.
import type { JournalInit } from './proto-types.js';
import type { TableSchema } from './schema.js';
import type { Cell } from './values.js';

export interface RowChangeRecord {
  readonly before: readonly Cell[] | null;
  readonly after: readonly Cell[] | null;
}

/** The rows one statement changed in one table on this shard. */
export interface StatementRecord {
  readonly schema: TableSchema;
  readonly changes: readonly RowChangeRecord[];
}

interface EntryBase {
  readonly seq: number;
  /** Commit time, seconds since the epoch (VEvent.timestamp). */
  readonly timestamp: number;
}

export interface TxnEntry extends EntryBase {
  readonly kind: 'txn';
  readonly statements: readonly StatementRecord[];
}

export interface DdlEntry extends EntryBase {
  readonly kind: 'ddl';
  readonly statement: string;
  /** Tables the statement names (both sides of a rename), for the DDL-vs-filter check. */
  readonly tables: readonly string[];
}

export interface OtherEntry extends EntryBase {
  readonly kind: 'other';
  readonly statement: string;
}

export interface JournalEntry extends EntryBase {
  readonly kind: 'journal';
  readonly journal: JournalInit;
}

export type BinlogEntry = TxnEntry | DdlEntry | OtherEntry | JournalEntry;

export class Binlog {
  private entries: BinlogEntry[] = [];
  /** seq of entries[0] when the array is not empty. */
  private base = 0;
  private waiters = new Set<() => void>();

  append(entry: BinlogEntry): void {
    if (this.entries.length === 0) this.base = entry.seq;
    else if (entry.seq !== this.base + this.entries.length) throw new Error('binlog sequence gap');
    this.entries.push(entry);
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  /** The entry for transaction `seq`, if still held. */
  at(seq: number): BinlogEntry | undefined {
    return this.entries[seq - this.base];
  }

  /** Drops entries up to and including `seq`. */
  dropThrough(seq: number): void {
    const n = Math.min(this.entries.length, seq - this.base + 1);
    if (n > 0) {
      this.entries.splice(0, n);
      this.base += n;
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Resolves on the next append, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
