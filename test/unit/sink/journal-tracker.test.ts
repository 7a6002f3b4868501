// The positions the sink stores around reshard journals (src/sink/journal-tracker.ts): a position past a
// participant's journal must never be stored while the old shards are still named, and once every participant
// has delivered the journal the stored position names the new shards.
import { describe, expect, it } from 'vitest';
import { JournalTracker, applyWithCopyProgress } from '../../../src/sink/journal-tracker.js';
import type { JournalItem } from '../../../src/vstream/events.js';
import { Vgtid } from '../../../src/vstream/vgtid.js';
import type { ShardPositionInput } from '../../../src/vstream/vgtid.js';

const U = {
  '-': '11111111-1111-11ef-8a10-0242ac120001',
  '-80': '22222222-2222-11ef-8a10-0242ac120002',
  '80-': '33333333-3333-11ef-8a10-0242ac120003',
} as const;

const gtid = (shard: keyof typeof U, n: number) => `MySQL56/${U[shard]}:1-${n}`;
const pos = (shard: keyof typeof U, n: number): ShardPositionInput => ({
  keyspace: 'commerce',
  shard,
  gtid: gtid(shard, n),
});
const vgtid = (...positions: ShardPositionInput[]) => Vgtid.of(positions);
const positions = (v: Vgtid) => v.shards().map((p) => `${p.shard}@${p.gtid.split(':')[1]}`);

const split: JournalItem = {
  kind: 'journal',
  id: '7000001',
  participants: [{ keyspace: 'commerce', shard: '-' }],
  newShards: [
    { keyspace: 'commerce', shard: '-80', gtid: gtid('-80', 2) },
    { keyspace: 'commerce', shard: '80-', gtid: gtid('80-', 2) },
  ],
};

const merge: JournalItem = {
  kind: 'journal',
  id: '7000002',
  participants: [
    { keyspace: 'commerce', shard: '-80' },
    { keyspace: 'commerce', shard: '80-' },
  ],
  newShards: [{ keyspace: 'commerce', shard: '-', gtid: gtid('-', 9) }],
};

const LASTPK = {
  fields: [{ name: 'id', type: 778, charset: 63, flags: 49699 }],
  rows: [{ lengths: [2], values: Buffer.from('42').toString('base64') }],
};

describe('JournalTracker', () => {
  it('passes boundaries through unchanged while no journal was seen', () => {
    const tracker = new JournalTracker();
    const v = vgtid(pos('-80', 5), pos('80-', 7));
    expect(tracker.boundary({ kind: 'commit', keyspace: 'commerce', shard: '-80', vgtid: v })).toBe(v);
    expect(tracker.idle).toBe(true);
  });

  it('stores the new shards once the only participant delivered its journal (split, stop_on_reshard)', () => {
    const tracker = new JournalTracker();
    const before = vgtid(pos('-', 10));
    tracker.journal(split, before);
    // BEGIN, JOURNAL, VGTID, COMMIT: the VGTID puts '-' past its journal.
    const after = tracker.boundary({
      kind: 'position',
      keyspace: 'commerce',
      shard: '-',
      vgtid: vgtid(pos('-', 11)),
    });
    expect(tracker.complete(split.id)).toBe(true);
    expect(positions(after)).toEqual(['-80@1-2', '80-@1-2']);
  });

  it('holds a participant before its journal until every participant has delivered it (merge)', () => {
    const tracker = new JournalTracker();
    const boundary = (shard: '-80' | '80-', kind: 'commit' | 'position', v: Vgtid) =>
      tracker.boundary({ kind, keyspace: 'commerce', shard, vgtid: v });

    expect(positions(boundary('-80', 'commit', vgtid(pos('-80', 5), pos('80-', 7))))).toEqual([
      '-80@1-5',
      '80-@1-7',
    ]);
    tracker.journal(merge, vgtid(pos('-80', 5), pos('80-', 7)));
    // -80's journal transaction moved it to 6: stored as 5, so a resume replays the journal.
    expect(positions(boundary('-80', 'position', vgtid(pos('-80', 6), pos('80-', 7))))).toEqual([
      '-80@1-5',
      '80-@1-7',
    ]);
    expect(tracker.complete(merge.id)).toBe(false);
    // 80- keeps streaming real changes before its own journal: those positions advance.
    expect(positions(boundary('80-', 'commit', vgtid(pos('-80', 6), pos('80-', 8))))).toEqual([
      '-80@1-5',
      '80-@1-8',
    ]);
    tracker.journal(merge, vgtid(pos('-80', 6), pos('80-', 8)));
    expect(positions(boundary('80-', 'position', vgtid(pos('-80', 6), pos('80-', 9))))).toEqual(['-@1-9']);
    expect(tracker.complete(merge.id)).toBe(true);
  });

  it('leaves positions alone once vtgate has swapped the shards itself (include_reshard_journal_events)', () => {
    const tracker = new JournalTracker();
    tracker.journal(split, vgtid(pos('-', 10)));
    expect(
      positions(
        tracker.boundary({ kind: 'position', keyspace: 'commerce', shard: '-', vgtid: vgtid(pos('-', 11)) }),
      ),
    ).toEqual(['-80@1-2', '80-@1-2']);
    // The new shards stream on; vtgate's VGTIDs name them only.
    const next = vgtid(pos('-80', 3), pos('80-', 2));
    expect(tracker.boundary({ kind: 'commit', keyspace: 'commerce', shard: '-80', vgtid: next })).toBe(next);
  });

  it('counts a journal that came without its commit, without holding a position for it', () => {
    const tracker = new JournalTracker();
    tracker.journal(merge, vgtid(pos('-80', 5), pos('80-', 7)));
    // The next boundary is another shard's transaction and -80 did not move: not attributable.
    const v = vgtid(pos('-80', 5), pos('80-', 8));
    expect(tracker.boundary({ kind: 'commit', keyspace: 'commerce', shard: '80-', vgtid: v })).toBe(v);
    tracker.journal(merge, v);
    const last = tracker.boundary({
      kind: 'position',
      keyspace: 'commerce',
      shard: '80-',
      vgtid: vgtid(pos('-80', 5), pos('80-', 9)),
    });
    expect(positions(last)).toEqual(['-@1-9']);
  });

  it('ignores journals without new shards (table migrations)', () => {
    const tracker = new JournalTracker();
    tracker.journal({ ...split, newShards: [] }, vgtid(pos('-', 10)));
    const v = vgtid(pos('-', 11));
    expect(tracker.boundary({ kind: 'position', keyspace: 'commerce', shard: '-', vgtid: v })).toBe(v);
  });
});

describe('applyWithCopyProgress', () => {
  it('carries the copy progress of the only participant to every new shard', () => {
    const v = Vgtid.of([{ ...pos('-', 10), tablePKs: [{ tableName: 'customer', lastpk: LASTPK }] }]);
    const moved = applyWithCopyProgress(v, split);
    expect(moved.shardsOf('commerce')).toEqual(['-80', '80-']);
    for (const p of moved.shards()) expect(p.tablePKs).toEqual([{ tableName: 'customer', lastpk: LASTPK }]);
    expect(moved.isCopyInProgress()).toBe(true);
  });

  it('copies a table from the start when the participants were at different keys', () => {
    const v = Vgtid.of([
      { ...pos('-80', 5), tablePKs: [{ tableName: 'customer', lastpk: LASTPK }] },
      { ...pos('80-', 7), tablePKs: [{ tableName: 'customer', lastpk: null }] },
    ]);
    const moved = applyWithCopyProgress(v, merge);
    expect(moved.shards().map((p) => [p.shard, p.tablePKs])).toEqual([
      ['-', [{ tableName: 'customer', lastpk: null }]],
    ]);
  });

  it('adds no copy progress when the old shards had finished copying', () => {
    const moved = applyWithCopyProgress(vgtid(pos('-', 10)), split);
    expect(moved.isCopyInProgress()).toBe(false);
  });
});
