// Pins the per-shard GTID bookkeeping and the key-range / keyspace-id routing.
import { describe, expect, it } from 'vitest';
import { ShardGtids, serverUuid } from '../../../src/devtools/vtgate/gtid.js';
import {
  keyRangeContains,
  keyspaceId,
  parseKeyRange,
  sameCoverage,
} from '../../../src/devtools/vtgate/keyspace-id.js';

describe('ShardGtids', () => {
  const uuid = serverUuid(1, 'ks', '-80', 1);
  const g = new ShardGtids('MySQL56', uuid, 101);
  g.next();
  g.next(); // now 1-3

  it('formats the executed set as MySQL56/<uuid>:1-N', () => {
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(g.position()).toBe(`MySQL56/${uuid}:1-3`);
    expect(g.position(2)).toBe(`MySQL56/${uuid}:1-2`);
  });

  it('accepts positions it handed out, in any equivalent spelling', () => {
    expect(g.check(`MySQL56/${uuid}:1-2`)).toEqual({ kind: 'ok', seq: 2 });
    expect(g.check(`MySQL56/${uuid.toUpperCase()}:1-2:3`)).toEqual({ kind: 'ok', seq: 3 });
  });

  it('rejects positions it never had, and text it cannot parse', () => {
    expect(g.check(`MySQL56/${uuid}:1-4`)).toEqual({ kind: 'mismatch' });
    expect(g.check(`MySQL56/${serverUuid(2, 'x', 'y', 1)}:1-2`)).toEqual({ kind: 'mismatch' });
    expect(g.check('MariaDB/0-101-2')).toEqual({ kind: 'mismatch' });
    expect(g.check('garbage').kind).toBe('malformed');
    expect(g.check('MySQL56/nope:1-2').kind).toBe('malformed');
    expect(g.check(`MySQL56/${uuid}:1-2:4`).kind).toBe('unsupported');
  });

  it('speaks MariaDB positions too', () => {
    const m = new ShardGtids('MariaDB', uuid, 102);
    m.next();
    expect(m.position()).toBe('MariaDB/0-102-2');
    expect(m.check('MariaDB/0-102-1')).toEqual({ kind: 'ok', seq: 1 });
    expect(m.check('MariaDB/0-102-3')).toEqual({ kind: 'mismatch' });
    expect(m.check('MariaDB/0-999-1')).toEqual({ kind: 'mismatch' });
  });
});

describe('key ranges', () => {
  it('parses shard names into 64-bit ranges', () => {
    expect(parseKeyRange('-')).toEqual({ start: 0n, end: 1n << 64n });
    expect(parseKeyRange('0')).toEqual({ start: 0n, end: 1n << 64n });
    expect(parseKeyRange('-80')).toEqual({ start: 0n, end: 0x8000000000000000n });
    expect(parseKeyRange('40-c0')).toEqual({ start: 0x4000000000000000n, end: 0xc000000000000000n });
    expect(() => parseKeyRange('80-40')).toThrow();
    expect(sameCoverage([parseKeyRange('-')], [parseKeyRange('-80'), parseKeyRange('80-')])).toBe(true);
    expect(sameCoverage([parseKeyRange('-')], [parseKeyRange('-80'), parseKeyRange('90-')])).toBe(false);
  });

  it('hashes shard keys deterministically across the whole space', () => {
    const a = keyspaceId([Buffer.from('1')]);
    expect(keyspaceId([Buffer.from('1')])).toBe(a);
    expect(keyspaceId([Buffer.from('1'), null])).not.toBe(keyspaceId([Buffer.from('1'), Buffer.from('')]));
    const halves = [0, 0];
    for (let i = 0; i < 1000; i++)
      halves[keyRangeContains(parseKeyRange('-80'), keyspaceId([Buffer.from(String(i))])) ? 0 : 1]!++;
    expect(halves[0]).toBeGreaterThan(400);
    expect(halves[1]).toBeGreaterThan(400);
  });
});
