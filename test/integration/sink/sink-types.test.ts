// Every type the decoder produces goes through the sink into a real mirror table and the changelog, and comes
// back exactly.
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { DecodedValue } from '../../../src/vstream/decode/types.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, insert, pk, tableSchema, update } from '../../unit/sink/fixtures.js';
import { connect, feed, openSink, rowsOf } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinktypes');
  db = await connect(url);
  await db.query("SET TIME ZONE 'UTC'");
});

afterAll(async () => {
  await db?.end();
});

const columns = [
  pk(col.bigint('id')),
  col.tinyint('ti'),
  col.tinyintUnsigned('tiu'),
  col.smallint('si'),
  col.smallintUnsigned('siu'),
  col.mediumint('mi'),
  col.mediumintUnsigned('miu'),
  col.int('i'),
  col.intUnsigned('iu'),
  col.bigint('bi'),
  col.bigintUnsigned('biu'),
  col.year('y'),
  col.float('f'),
  col.double('d'),
  col.decimal('dec', 65, 30),
  col.date('dt'),
  col.datetime('dtm', 6),
  col.timestamp('ts', 3),
  col.time('tm', 6),
  col.bit('b', 10),
  col.enum('e', ['low', 'médium']),
  col.set('s', ['a', 'b', 'c,d']),
  col.json('j'),
  col.varchar('vc'),
  col.char('ch'),
  col.text('tx'),
  col.varcharBin('vcb'),
  col.varbinary('vb'),
  col.binary('bn', 4),
  col.blob('bl'),
  col.geometry('g'),
  col.vector('v'),
];

const point = Buffer.from('0101000000000000000000f03f0000000000000040', 'hex');
const blob = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));

const full: DecodedValue[] = [
  1n,
  -128,
  255,
  -32768,
  65535,
  -8388608,
  16777215,
  -2147483648,
  4294967295,
  -9223372036854775808n,
  18446744073709551615n,
  2155,
  0.1,
  1.7976931348623157e308,
  '-12345678901234567890123456789012345.123456789012345678901234567890',
  '1000-01-01',
  '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07.999',
  '-838:59:59.000000',
  '1010101010',
  'médium',
  ['a', 'c,d'],
  '{"big": 12345678901234567890, "s": "\\u00e9", "f": 0.10}',
  'it\'s "quoted" \\ back\nslash\ttab 😀',
  'x',
  '',
  'CaseSensitive',
  Buffer.from([0, 1, 2, 255]),
  Buffer.from([0x61, 0, 0, 0]),
  blob,
  { srid: 4326, wkb: point },
  [1.5, -2.25, 3],
];

const nulls: DecodedValue[] = [2n, ...columns.slice(1).map(() => null)];

test('round-trips every type into the mirror table', async () => {
  const schema = tableSchema('all_types', columns);
  const { sink } = await openSink(url, { mode: 'both' });
  const items = new ItemBuilder();
  await feed(sink, items.transaction(schema, [insert(full), insert(nulls)], { withSchema: true }));
  const result = await sink.commit();
  expect(result).toMatchObject({ batchSeq: 1, rows: 2, tables: { 'ks.all_types': { insert: 2 } } });
  await sink.close();

  const { rows: types } = await db.query<{ attname: string; type: string }>(
    `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = 'ks.all_types'::regclass AND attnum > 0 ORDER BY attnum`,
  );
  expect(Object.fromEntries(types.map((t) => [t.attname, t.type]))).toEqual({
    id: 'bigint',
    ti: 'smallint',
    tiu: 'smallint',
    si: 'smallint',
    siu: 'integer',
    mi: 'integer',
    miu: 'integer',
    i: 'integer',
    iu: 'bigint',
    bi: 'bigint',
    biu: 'numeric(20,0)',
    y: 'smallint',
    f: 'real',
    d: 'double precision',
    dec: 'numeric(65,30)',
    dt: 'date',
    dtm: 'timestamp(6) without time zone',
    ts: 'timestamp(3) with time zone',
    tm: 'interval',
    b: 'bit varying(10)',
    e: 'text',
    s: 'text[]',
    j: 'jsonb',
    vc: 'text',
    ch: 'text',
    tx: 'text',
    vcb: 'text',
    vb: 'bytea',
    bn: 'bytea',
    bl: 'bytea',
    g: 'bytea',
    v: 'real[]',
  });

  const rows = await rowsOf(db, 'ks.all_types');
  expect(rows[0]).toEqual({
    id: '1',
    ti: '-128',
    tiu: '255',
    si: '-32768',
    siu: '65535',
    mi: '-8388608',
    miu: '16777215',
    i: '-2147483648',
    iu: '4294967295',
    bi: '-9223372036854775808',
    biu: '18446744073709551615',
    y: '2155',
    f: '0.1',
    d: '1.7976931348623157e+308',
    dec: '-12345678901234567890123456789012345.123456789012345678901234567890',
    dt: '1000-01-01',
    dtm: '9999-12-31 23:59:59.999999',
    ts: '2038-01-19 03:14:07.999+00',
    tm: '-838:59:59',
    b: '1010101010',
    e: 'médium',
    s: '{a,"c,d"}',
    j: '{"f": 0.10, "s": "é", "big": 12345678901234567890}',
    vc: 'it\'s "quoted" \\ back\nslash\ttab 😀',
    ch: 'x',
    tx: '',
    vcb: 'CaseSensitive',
    vb: '\\x000102ff',
    bn: '\\x61000000',
    bl: `\\x${blob.toString('hex')}`,
    g: '\\x0101000020e6100000000000000000f03f0000000000000040',
    v: '{1.5,-2.25,3}',
  });
  expect(Object.entries(rows[1]!).filter(([, v]) => v !== null)).toEqual([['id', '2']]);
  // The EWKB is what PostGIS reads; Postgres alone can at least check the SRID bytes.
  const { rows: geo } = await db.query(
    `SELECT get_byte(g, 5) + 256 * get_byte(g, 6) AS srid FROM ks.all_types WHERE id = 1`,
  );
  expect(geo[0].srid).toBe(4326);
});

test('writes the same values to the changelog as JSON', async () => {
  const { rows } = await db.query<{
    seq: string;
    op: string;
    primary_key: unknown;
    after: Record<string, unknown>;
  }>(
    `SELECT seq, op, primary_key, after::text AS after_text, after FROM vstream_relay.changelog ORDER BY seq`,
  );
  expect(rows.map((r) => [r.seq, r.op, r.primary_key])).toEqual([
    ['1', 'insert', { id: 1 }],
    ['2', 'insert', { id: 2 }],
  ]);
  expect(rows[0]!.after).toEqual({
    id: 1,
    ti: -128,
    tiu: 255,
    si: -32768,
    siu: 65535,
    mi: -8388608,
    miu: 16777215,
    i: -2147483648,
    iu: 4294967295,
    bi: '-9223372036854775808',
    biu: '18446744073709551615',
    y: 2155,
    f: 0.1,
    d: 1.7976931348623157e308,
    dec: '-12345678901234567890123456789012345.123456789012345678901234567890',
    dt: '1000-01-01',
    dtm: '9999-12-31 23:59:59.999999',
    ts: '2038-01-19 03:14:07.999',
    tm: '-838:59:59.000000',
    b: '1010101010',
    e: 'médium',
    s: ['a', 'c,d'],
    // node-postgres parses jsonb with JSON.parse, so the big number is rounded here, not in the database:
    j: { big: 12345678901234567000, s: 'é', f: 0.1 },
    vc: 'it\'s "quoted" \\ back\nslash\ttab 😀',
    ch: 'x',
    tx: '',
    vcb: 'CaseSensitive',
    vb: 'AAEC/w==',
    bn: 'YQAAAA==',
    bl: blob.toString('base64'),
    g: { srid: 4326, wkb: point.toString('base64') },
    v: [1.5, -2.25, 3],
  });
  const { rows: exact } = await db.query(
    `SELECT after->'j'->>'big' AS big, after->>'biu' AS biu FROM vstream_relay.changelog WHERE seq = 1`,
  );
  expect(exact[0]).toEqual({ big: '12345678901234567890', biu: '18446744073709551615' });
});

test('applies updates of every type in place', async () => {
  const schema = tableSchema('all_types', columns);
  const { sink, checkpoint } = await openSink(url, { mode: 'both' });
  expect(checkpoint).toMatchObject({ batchSeq: 1, epoch: 2 });
  const items = new ItemBuilder();
  items.transaction(schema, []); // position 1 was used by the first batch
  const changed = [...nulls];
  changed[3] = 7;
  await feed(
    sink,
    items.transaction(schema, [
      update(
        full,
        nulls.map((v, i) => (i === 0 ? 1n : v)),
      ),
      update(nulls, changed),
    ]),
  );
  await sink.commit();
  await sink.close();
  const rows = await rowsOf(db, 'ks.all_types');
  expect(Object.entries(rows[0]!).filter(([, v]) => v !== null)).toEqual([['id', '1']]);
  expect(rows[1]).toMatchObject({ id: '2', si: '7' });
});
