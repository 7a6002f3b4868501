import { describe, expect, it } from 'vitest';
import { CopyProgressKeeper } from '../../../src/sink/copy-progress-keeper.js';
import { Vgtid, type TableLastPk } from '../../../src/vstream/vgtid.js';

const pk = (tableName: string): TableLastPk => ({
  tableName,
  lastpk: {
    fields: [{ name: 'id', type: 265, charset: 63, flags: 0 }],
    rows: [{ lengths: [1], values: 'OQ==' }],
  },
});
const at = (shards: { shard: string; gtid: string; tablePKs?: TableLastPk[] }[]) =>
  Vgtid.of(shards.map((s) => ({ keyspace: 'ks', ...s })));

describe('CopyProgressKeeper', () => {
  it("keeps a shard's table_p_ks between two tables, until that shard's COPY_COMPLETED", () => {
    const keeper = new CopyProgressKeeper(null);
    keeper.boundary(
      at([
        { shard: '-80', gtid: '' },
        { shard: '80-', gtid: '' },
      ]),
    );
    const copying = at([
      { shard: '-80', gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-5', tablePKs: [pk('a')] },
      { shard: '80-', gtid: 'MySQL56/22222222-2222-2222-2222-222222222222:1-5', tablePKs: [pk('a')] },
    ]);
    expect(keeper.boundary(copying)).toBe(copying);
    // Shard -80 finished table a: vtgate's VGTID has no table_p_ks for it, the stored one keeps a's last key.
    const between = at([
      { shard: '-80', gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-6' },
      { shard: '80-', gtid: 'MySQL56/22222222-2222-2222-2222-222222222222:1-5', tablePKs: [pk('a')] },
    ]);
    const stored = keeper.boundary(between);
    expect(stored.get('ks', '-80')).toEqual({
      keyspace: 'ks',
      shard: '-80',
      gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-6',
      tablePKs: [pk('a')],
    });
    expect(keeper.done).toBe(false);
    // Its COPY_COMPLETED releases it: the position to store now has no progress left for -80.
    const released = keeper.shardCompleted('ks', '-80', stored);
    expect(released?.get('ks', '-80')?.tablePKs).toEqual([]);
    expect(released?.get('ks', '80-')?.tablePKs).toEqual([pk('a')]);
    expect(keeper.shardCompleted('ks', '-80', released)).toBeUndefined();
    expect(keeper.done).toBe(false);
    keeper.shardCompleted('ks', '80-', released);
    expect(keeper.done).toBe(true);
  });

  it('resumes from a committed position, and forgets shards that a reshard retired', () => {
    const keeper = new CopyProgressKeeper(
      at([{ shard: '-', gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-9', tablePKs: [pk('b')] }]),
    );
    const afterSplit = at([
      { shard: '-80', gtid: 'MySQL56/22222222-2222-2222-2222-222222222222:1-3', tablePKs: [pk('b')] },
      { shard: '80-', gtid: 'MySQL56/33333333-3333-3333-3333-333333333333:1-3', tablePKs: [pk('b')] },
    ]);
    keeper.boundary(afterSplit);
    keeper.shardCompleted('ks', '-80', afterSplit);
    keeper.shardCompleted('ks', '80-', afterSplit);
    expect(keeper.done).toBe(true);
  });

  it('has nothing to do for a stream that never copies', () => {
    const keeper = new CopyProgressKeeper(
      at([{ shard: '-', gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-9' }]),
    );
    const next = at([{ shard: '-', gtid: 'MySQL56/11111111-1111-1111-1111-111111111111:1-10' }]);
    expect(keeper.boundary(next)).toBe(next);
    expect(keeper.done).toBe(false);
  });
});
