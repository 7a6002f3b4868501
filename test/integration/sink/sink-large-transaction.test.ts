// A source transaction far larger than the chunk size is applied in chunks inside one Postgres transaction:
// memory stays bounded, nothing is visible before the commit, and the changelog positions are filled in.
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { DecodedValue } from '../../../src/vstream/decode/types.js';
import type { RowChange, StreamItem } from '../../../src/vstream/events.js';
import { createTestDatabase } from '../../support/isolation.js';
import { col, insert, pk, tableSchema, update, vgtidAt } from '../../unit/sink/fixtures.js';
import { connect, openSink } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinklarge');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

const schema = tableSchema('big', [
  pk(col.bigint('id')),
  col.int('a'),
  col.varchar('b'),
  col.decimal('c', 12, 2),
  col.datetime('d', 3),
  col.double('e'),
  col.json('f'),
  col.varbinary('g'),
  col.bigintUnsigned('h'),
  col.text('i'),
]);

function row(id: number, version: number): DecodedValue[] {
  return [
    BigInt(id),
    id * version,
    `name-${id}-${version}`,
    `${id}.${String(version % 100).padStart(2, '0')}`,
    '2024-05-06 07:08:09.123',
    id / 7,
    `{"id": ${id}, "v": ${version}}`,
    Buffer.from(`bytes-${id}`),
    BigInt(id) * 1_000_000_000_000n,
    'x'.repeat(40),
  ];
}

test('60,000 changes in one source transaction: chunked, bounded, atomic', async () => {
  const rows = 60_000;
  const chunk = 5_000;
  const { sink } = await openSink(url, { streamId: 'large', mode: 'both', chunk: { maxRows: chunk } });
  await sink.write({ kind: 'begin', keyspace: 'ks', shard: '-', timestamp: 1_700_000_000 });
  await sink.write({ kind: 'schema', schema });
  let maxBuffered = 0;
  for (let start = 0; start < rows; start += 500) {
    const changes: RowChange[] = [];
    for (let id = start; id < start + 500; id++) {
      // The second half updates rows of the first half, across chunk boundaries.
      changes.push(id < rows / 2 ? insert(row(id, 1)) : update(row(id - rows / 2, 1), row(id - rows / 2, 2)));
    }
    const item: StreamItem = { kind: 'rows', schema, changes, copy: false, bytes: changes.length * 200 };
    await sink.write(item);
    maxBuffered = Math.max(maxBuffered, sink.pending.bufferedRows);
  }
  expect(maxBuffered).toBeLessThanOrEqual(chunk);
  // Written but not visible to anyone else before the commit.
  const { rows: invisible } = await db.query(
    "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'big'",
  );
  expect(invisible[0].n).toBe(0);
  await sink.write({
    kind: 'commit',
    keyspace: 'ks',
    shard: '-',
    timestamp: 1_700_000_000,
    vgtid: vgtidAt(1),
  });
  const result = await sink.commit();
  expect(result!.flushes).toBeGreaterThanOrEqual(rows / chunk);
  expect(result!.tables['ks.big']).toEqual({ insert: rows / 2, update: rows / 2, delete: 0, quarantined: 0 });
  await sink.close();

  const { rows: check } = await db.query(
    `SELECT count(*)::int AS n, sum(a)::bigint::text AS total, min(b) AS b0, max(h)::text AS h FROM ks.big`,
  );
  const expectedSum = (2 * ((rows / 2 - 1) * (rows / 2))) / 2;
  expect(check[0]).toEqual({
    n: rows / 2,
    total: String(expectedSum),
    b0: 'name-0-2',
    h: '29999000000000000',
  });
  const { rows: log } = await db.query(
    `SELECT count(*)::int AS n, count(source_gtid)::int AS positioned, min(seq)::int AS lo, max(seq)::int AS hi
     FROM vstream_relay.changelog WHERE stream_id = 'large'`,
  );
  expect(log[0]).toEqual({ n: rows, positioned: rows, lo: 1, hi: rows });
});
