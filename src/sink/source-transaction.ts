import type { Vgtid } from '../vstream/vgtid.js';

/**
 * One source transaction as the sink sees it between `begin` and `commit`. Changelog and quarantine rows point
 * at it; its position is known only at `commit`, so rows written before that (a large transaction flushed in
 * chunks) get their position filled in by one UPDATE once it is known.
 */
export class SourceTransaction {
  /** Shard GTID set right after this transaction (from the commit's VGTID). */
  gtid: string | null = null;
  vgtid: Vgtid | null = null;
  /** Changelog seq range already written without a position. */
  unpositionedChangelog: { first: number; last: number } | null = null;
  /** Quarantine rows already written without a position. */
  unpositionedQuarantine = false;

  constructor(
    /** Per-stream source-transaction number. */
    readonly seq: number,
    readonly keyspace: string,
    readonly shard: string,
    /** Source commit time; null when unknown (copy phase sends 0). */
    readonly commitTs: Date | null,
  ) {}

  get committed(): boolean {
    return this.vgtid !== null;
  }
}

export function commitTimeOf(seconds: number): Date | null {
  return seconds > 0 ? new Date(seconds * 1000) : null;
}
