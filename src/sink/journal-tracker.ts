// Reshard journals and the position the sink stores.
//
// With `stopOnReshard` or `includeReshardJournalEvents`, vtgate forwards each old (participant) shard's
// journal as `BEGIN, JOURNAL, VGTID, COMMIT`. The VGTID after a journal already puts that participant *past*
// its journal. Stored as is, such a position is a trap: resumed, the retired shard streams on from after its
// journal and never says anything again, and every later write (now on the new shards) is silently missed.
// With stop_on_reshard vtgate also ends the call without swapping the shards itself, so the last VGTID of the
// call still names the old shards.
//
// The tracker rewrites the positions the sink commits:
// - while some participants of a journal have not delivered it yet, each participant that has is held at its
//   position from *before* its journal, so a resumed stream replays that journal and vtgate can wait for every
//   participant again;
// - once every participant has delivered it, the participants are replaced by the journal's new shards
//   (`Vgtid.applyJournal`), with the copy progress of the old shards carried over while a copy is under way;
// - a position that no longer names the participants (vtgate swapped them itself, include-journal mode) is left
//   as it is.
// State lives for one run (one VStream call): a restart resumes before the journals and replays them.
import type { JournalItem } from '../vstream/events.js';
import type { JournalLike, ShardPosition, TableLastPk, Vgtid } from '../vstream/vgtid.js';

/** Where a boundary item (commit, ddl, position) comes from and the VGTID it carries. */
export interface BoundaryLike {
  readonly kind: 'commit' | 'ddl' | 'position';
  readonly keyspace: string;
  readonly shard: string;
  readonly vgtid: Vgtid;
}

interface TrackedJournal {
  readonly item: JournalItem;
  /** Participants (`keyspace/shard`) that delivered the journal, with their position before it. */
  readonly delivered: Map<string, ShardPosition | null>;
  /** Journal items whose participant could not be told (no commit followed them). */
  unattributed: number;
}

const key = (keyspace: string, shard: string): string => `${keyspace}/${shard}`;

/** The journal's shape as `Vgtid.applyJournal` reads it (protobufjs-like shard_gtids). */
export function journalLike(item: JournalItem): JournalLike {
  return {
    participants: item.participants,
    shardGtids: item.newShards.map((s) => ({ keyspace: s.keyspace, shard: s.shard, gtid: s.gtid })),
  };
}

export class JournalTracker {
  private readonly journals = new Map<string, TrackedJournal>();
  /** The last journal item, until the boundary of its own transaction tells which participant sent it. */
  private pending: { journal: TrackedJournal; before: Vgtid | undefined } | undefined;

  /** True when no journal has been seen in this run (boundaries pass through unchanged). */
  get idle(): boolean {
    return this.journals.size === 0;
  }

  /**
   * A journal item arrived. `before` is the newest position known before it (the last boundary, or the
   * committed checkpoint): it holds the sending participant's position before its journal.
   */
  journal(item: JournalItem, before: Vgtid | undefined): void {
    if (item.participants.length === 0 || item.newShards.length === 0) return; // not a shard migration
    this.settlePending(undefined);
    let journal = this.journals.get(item.id);
    if (journal === undefined) {
      journal = { item, delivered: new Map(), unattributed: 0 };
      this.journals.set(item.id, journal);
    }
    this.pending = { journal, before };
  }

  /** The position to store for a boundary item (commit, ddl or position), given in stream order. */
  boundary(item: BoundaryLike): Vgtid {
    this.settlePending(item);
    let vgtid = item.vgtid;
    for (const journal of this.journals.values()) vgtid = this.rewrite(journal, vgtid);
    return vgtid;
  }

  /** True once every participant of the journal has delivered it in this run. */
  complete(id: string): boolean {
    const journal = this.journals.get(id);
    return journal !== undefined && isComplete(journal);
  }

  /**
   * Works out which participant sent the pending journal. vtgate forwards it as `BEGIN, JOURNAL, VGTID, COMMIT`,
   * which reaches the sink as the journal and then a position item of the sending shard. Failing that, the
   * participant (other than the boundary's own shard) whose position moved sent it; when none did (the journal
   * came without its commit), it still counts towards the journal, just without a position to hold.
   */
  private settlePending(item: BoundaryLike | undefined): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    const { journal, before } = pending;
    const waiting = journal.item.participants.filter((p) => !journal.delivered.has(key(p.keyspace, p.shard)));
    const own = (p: { keyspace: string; shard: string }) =>
      item !== undefined && p.keyspace === item.keyspace && p.shard === item.shard;
    let sender = item?.kind === 'position' ? waiting.find(own) : undefined;
    if (sender === undefined && item !== undefined && before !== undefined) {
      const moved = waiting.filter(
        (p) => !own(p) && item.vgtid.get(p.keyspace, p.shard)?.gtid !== before.get(p.keyspace, p.shard)?.gtid,
      );
      if (moved.length === 1) sender = moved[0];
    }
    if (sender === undefined) {
      journal.unattributed++;
      return;
    }
    journal.delivered.set(
      key(sender.keyspace, sender.shard),
      before?.get(sender.keyspace, sender.shard) ?? null,
    );
  }

  private rewrite(journal: TrackedJournal, vgtid: Vgtid): Vgtid {
    const { participants } = journal.item;
    const present = participants.filter((p) => vgtid.get(p.keyspace, p.shard) !== undefined);
    if (present.length === 0) return vgtid; // vtgate has moved the stream to the new shards already
    if (isComplete(journal)) {
      if (present.length < participants.length) return vgtid; // not ours to fix; vtgate refuses such a stream
      return applyWithCopyProgress(vgtid, journal.item);
    }
    let held = vgtid;
    for (const p of present) {
      const before = journal.delivered.get(key(p.keyspace, p.shard));
      if (before === undefined || before === null) continue;
      held = held.withShard({ ...before, tablePKs: before.tablePKs });
    }
    return held;
  }
}

function isComplete(journal: TrackedJournal): boolean {
  return journal.delivered.size + journal.unattributed >= journal.item.participants.length;
}

/**
 * `vgtid.applyJournal(journal)`, and while the old shards were still copying, the new shards continue their copy:
 * a table the participants were copying continues after its last primary key on every new shard when every
 * copying participant was at that same key, and from the start otherwise (copy rows are upserts, so copying a
 * row twice is harmless; skipping one is not).
 */
export function applyWithCopyProgress(vgtid: Vgtid, item: JournalItem): Vgtid {
  let moved = vgtid.applyJournal(journalLike(item));
  const copying = item.participants
    .map((p) => vgtid.get(p.keyspace, p.shard)?.tablePKs ?? [])
    .filter((list) => list.length > 0);
  if (copying.length === 0) return moved;
  const names = [...new Set(copying.flatMap((list) => list.map((t) => t.tableName)))];
  const tablePKs: TableLastPk[] = names.map((tableName) => {
    const found = copying.map((list) => list.find((t) => t.tableName === tableName));
    const first = found[0];
    const same =
      first !== undefined &&
      found.every((t) => t !== undefined && JSON.stringify(t.lastpk) === JSON.stringify(first.lastpk));
    return { tableName, lastpk: same ? first.lastpk : null };
  });
  for (const s of item.newShards) {
    const position = moved.get(s.keyspace, s.shard);
    if (position !== undefined) moved = moved.withShard({ ...position, tablePKs });
  }
  return moved;
}
