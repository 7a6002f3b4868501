import { describe, expect, it } from 'vitest';
import { MirrorTableBatch } from '../../../src/sink/mirror-batch.js';
import type { MirrorShape } from '../../../src/sink/table-shape.js';

const shape: MirrorShape = {
  target: { schema: 's', table: 't' },
  columns: [
    { name: 'id', type: { kind: 'bigint' } },
    { name: 'v', type: { kind: 'text' } },
  ],
  keyColumns: [{ name: 'id', type: { kind: 'bigint' } }],
  text: [],
  signature: 'x',
};

describe('MirrorTableBatch', () => {
  it('keeps the final state per key in source order', () => {
    const batch = new MirrorTableBatch(shape, [0]);
    batch.upsert(['1', 'a']);
    batch.update(['1'], ['1', 'b']);
    batch.upsert(['2', 'x']);
    batch.delete(['2']);
    batch.delete(['3']);
    batch.upsert(['3', 'back']);
    expect(batch.upsertColumns()).toEqual([
      ['1', '3'],
      ['b', 'back'],
    ]);
    expect(batch.deleteColumns()).toEqual([['2']]);
  });

  it('turns a key-changing update into delete old + upsert new', () => {
    const batch = new MirrorTableBatch(shape, [0]);
    batch.upsert(['1', 'a']);
    batch.update(['1'], ['5', 'a']);
    expect(batch.deleteColumns()).toEqual([['1']]);
    expect(batch.upsertColumns()).toEqual([['5'], ['a']]);
    // …and back again: the old key is live, the new one gone.
    batch.update(['5'], ['1', 'c']);
    expect(batch.deleteColumns()).toEqual([['5']]);
    expect(batch.upsertColumns()).toEqual([['1'], ['c']]);
    expect(batch.counts()).toEqual({ upserts: 1, deletes: 1 });
  });
});
