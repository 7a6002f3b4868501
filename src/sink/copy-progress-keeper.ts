// Copy progress and the position the sink stores.
//
// During the copy phase vtgate puts each shard's progress in the VGTID (`table_p_ks`). When a shard finishes
// one table, the next VGTIDs of that shard carry no `table_p_ks` until the next table's first batch — and a
// VGTID without `table_p_ks` means "copy done" to vttablet: a stream resumed from it only streams changes, and
// the shard's remaining tables are never copied (silent data loss after any restart between two tables).
//
// The keeper rewrites the positions the sink commits: until a shard has sent its own COPY_COMPLETED, a position
// of that shard without `table_p_ks` keeps the last ones it had. Resumed from it, vttablet continues that table
// after its last key and copies the shard's other tables again from the start (idempotent upserts), so nothing
// is lost. It also tells when every shard's copy is done, which a resumed copy needs: vtgate sends the final
// COPY_COMPLETED only when every shard of the call copied something in it.
import type { ShardPosition, TableLastPk, Vgtid } from '../vstream/vgtid.js';

const key = (p: { keyspace: string; shard: string }): string => `${p.keyspace}/${p.shard}`;

export class CopyProgressKeeper {
  /** Shards whose copy has not finished, with their last `table_p_ks` (null before the first one). */
  private readonly copying = new Map<string, readonly TableLastPk[] | null>();
  private sawCopy = false;

  /** Starts from the committed position: shards listing `table_p_ks`, or not started (""), are copying. */
  constructor(committed: Vgtid | null) {
    for (const shard of committed?.shards() ?? []) this.observe(shard);
  }

  /** True once a copy was under way and every shard has finished it. */
  get done(): boolean {
    return this.sawCopy && this.copying.size === 0;
  }

  /** The position to store for a boundary VGTID. */
  boundary(vgtid: Vgtid): Vgtid {
    // Shards no longer in the position were resharded away; their successors carry the progress on.
    for (const k of this.copying.keys()) {
      const [keyspace, shard] = k.split('/') as [string, string];
      if (vgtid.get(keyspace, shard) === undefined) this.copying.delete(k);
    }
    let stored = vgtid;
    for (const shard of vgtid.shards()) {
      this.observe(shard);
      const kept = this.copying.get(key(shard));
      if (shard.tablePKs.length === 0 && kept) stored = stored.withShard({ ...shard, tablePKs: kept });
    }
    return stored;
  }

  /**
   * One shard sent COPY_COMPLETED: it no longer needs its kept progress. Returns the position to store now when
   * `current` (the newest boundary, or the committed position) still carries progress kept for it.
   */
  shardCompleted(keyspace: string, shard: string, current: Vgtid | undefined): Vgtid | undefined {
    const k = key({ keyspace, shard });
    if (!this.copying.has(k)) return undefined;
    this.copying.delete(k);
    const position = current?.get(keyspace, shard);
    if (current === undefined || position === undefined || position.tablePKs.length === 0) return undefined;
    return current.withShard({ ...position, tablePKs: [] });
  }

  private observe(shard: ShardPosition): void {
    const k = key(shard);
    if (shard.tablePKs.length > 0) {
      this.sawCopy = true;
      this.copying.set(k, shard.tablePKs);
    } else if (shard.gtid === '') {
      this.sawCopy = true;
      if (!this.copying.has(k)) this.copying.set(k, null);
    }
  }
}
