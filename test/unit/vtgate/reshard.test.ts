// Pins resharding (-  →  -80, 80-): by default streams move to the new shards on their own; the
// JOURNAL reaches clients only with include_reshard_journal_events or stop_on_reshard, and the latter
// ends the stream cleanly after it.
import { describe, expect, it } from 'vitest';
import { MigrationType, VEventType, VtrpcCode } from '../../../src/vstream/proto.js';
import { CUSTOMER, positions, request, rowImages, stream, vtgate } from './helpers.js';

async function unsharded() {
  const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }], stopOnReshardDelayMs: 20 });
  v.insert(
    'customer',
    Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `n${i}` })),
  );
  return v;
}

describe('resharding', () => {
  it('continues transparently on the new shards, with VGTIDs listing them', async () => {
    const v = await unsharded();
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    const result = v.reshard({ keyspace: 'ks', to: ['-80', '80-'] });
    expect(result.newShards.map((n) => n.shard)).toEqual(['-80', '80-']);
    v.insert(
      'customer',
      Array.from({ length: 10 }, (_, i) => ({ id: 100 + i, name: `m${i}` })),
    );
    await s.until((evs) => rowImages(evs).length === 10);
    expect(s.types()).not.toContain('JOURNAL');
    const last = s.events.filter((e) => e.vgtid).at(-1)!;
    expect(Object.keys(positions(last)).sort()).toEqual(['ks/-80', 'ks/80-']);
    // the journal transaction itself is swallowed; new shards start with a fresh FIELD
    expect(
      s.events
        .filter((e) => e.fieldEvent)
        .map((e) => e.shard)
        .sort(),
    ).toEqual(['-80', '80-']);
    expect(v.rows('customer')).toHaveLength(20);
    // new writes are routed by keyspace id
    expect(v.currentVgtid().shardGtids!.map((g) => g.shard)).toEqual(['-80', '80-']);
  });

  it('forwards the JOURNAL with include_reshard_journal_events and keeps streaming', async () => {
    const v = await unsharded();
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], {
        flags: { includeReshardJournalEvents: true },
      }),
    );
    await s.count(VEventType.OTHER, 1);
    v.reshard({ keyspace: 'ks', to: ['-80', '80-'] });
    await s.count(VEventType.JOURNAL, 1);
    expect(s.types().slice(2, 6)).toEqual(['BEGIN', 'JOURNAL', 'VGTID', 'COMMIT']);
    const journal = s.events.find((e) => e.journal)!.journal!;
    expect(journal.migrationType).toBe(MigrationType.SHARDS);
    expect(journal.participants).toEqual([{ keyspace: 'ks', shard: '-' }]);
    expect(journal.shardGtids.map((g) => g.shard)).toEqual(['-80', '80-']);
    expect(journal.localPosition).toMatch(/^MySQL56\//);
    v.insert('customer', { id: 200, name: 'after' });
    await s.until((evs) => rowImages(evs).length === 1);
    expect(s.ended).toBe(false);
  });

  it('ends the stream cleanly after the JOURNAL with stop_on_reshard', async () => {
    const v = await unsharded();
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], { flags: { stopOnReshard: true } }),
    );
    await s.count(VEventType.OTHER, 1);
    v.reshard({ keyspace: 'ks', to: ['-80', '80-'] });
    await s.end();
    expect(s.error).toBeUndefined();
    expect(s.types().slice(-4)).toEqual(['BEGIN', 'JOURNAL', 'VGTID', 'COMMIT']);
    // the client resumes from journal.shard_gtids on the new shards
    const journal = s.events.find((e) => e.journal)!.journal!;
    v.insert('customer', { id: 300, name: 'x' });
    const next = stream(v, request(journal.shardGtids));
    await next.until((evs) => rowImages(evs).length === 1);
  });

  it('lets an old-shard position catch up on the non-serving shard and then move over', async () => {
    const v = await unsharded();
    const before = v.currentVgtid();
    v.insert('customer', { id: 50, name: 'before reshard' });
    v.reshard({ keyspace: 'ks', to: ['-80', '80-'] });
    v.insert('customer', { id: 51, name: 'after reshard' });
    const s = stream(v, request(before.shardGtids as never));
    await s.until((evs) => rowImages(evs).length === 2);
    expect(rowImages(s.events).map((r) => r[0])).toEqual(['50', '51']);
  });

  it('waits for every participant before moving a multi-shard stream to the new shards', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', shards: ['-80', '80-'], tables: [CUSTOMER] }] });
    const s = stream(
      v,
      request([{ keyspace: 'ks', gtid: 'current' }], { flags: { includeReshardJournalEvents: true } }),
    );
    await s.count(VEventType.OTHER, 2);
    v.reshard({ keyspace: 'ks', to: ['-40', '40-80', '80-c0', 'c0-'] });
    v.insert(
      'customer',
      Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `n${i}` })),
    );
    await s.until((evs) => rowImages(evs).length === 40);
    expect(
      s.events
        .filter((e) => e.journal)
        .map((e) => e.shard)
        .sort(),
    ).toEqual(['-80', '80-']);
    const shards = new Set(s.events.filter((e) => e.rowEvent).map((e) => e.shard));
    expect([...shards].sort()).toEqual(['-40', '40-80', '80-c0', 'c0-']);
    const last = s.events.filter((e) => e.vgtid).at(-1)!;
    expect(Object.keys(positions(last)).sort()).toEqual(['ks/-40', 'ks/40-80', 'ks/80-c0', 'ks/c0-']);
  });

  it('fails with INTERNAL when only some journal participants are in the stream', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', shards: ['-80', '80-'], tables: [CUSTOMER] }] });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-80', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.reshard({ keyspace: 'ks', to: ['-40', '40-80', '80-c0', 'c0-'] });
    await s.end();
    expect(s.error?.code).toBe(VtrpcCode.INTERNAL);
    expect(s.error?.details).toMatch(/not all journaling participants are in the stream/);
  });
});
