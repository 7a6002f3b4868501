// Names from Vitess can hold anything MySQL allows: every identifier must be quoted, never spliced.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, del, insert, pk, tableSchema, update } from '../../unit/sink/fixtures.js';
import { connect, feed, openSink } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkident');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

test('hostile table, column and keyspace names round-trip through mirror and changelog', async () => {
  const keyspace = 'k"s; DROP SCHEMA public CASCADE; --';
  const table = `t"\t\n; DROP TABLE x; -- ${'é'.repeat(41)}`; // 64 characters, 105 bytes
  const long = 'c'.repeat(64);
  const columns = [
    pk(col.bigint('id"')),
    pk(col.varchar('semi;colon')),
    col.int('ünï 表'),
    col.text(long),
    col.text('xmin'),
    col.text('EXCLUDED'),
    col.text('u'),
    col.text('c0'),
    col.text("quote'single"),
  ];
  const schema = tableSchema(table, columns, { keyspace, shard: '-' });
  const builder = new ItemBuilder([{ keyspace, shard: '-' }]);
  const { sink } = await openSink(url, { streamId: 'hostile"; --', mode: 'both' });
  const row = (id: bigint, key: string, n: number) => [id, key, n, 'long', 'xm', 'ex', 'u', 'c0', "it's"];
  await feed(sink, [
    ...builder.transaction(
      schema,
      [insert(row(1n, "a';--", 1)), insert(row(2n, 'b', 2)), insert(row(3n, 'c', 3))],
      {
        withSchema: true,
      },
    ),
    ...builder.transaction(schema, [update(row(2n, 'b', 2), row(2n, 'b', 20)), del(row(3n, 'c', 3))]),
  ]);
  await sink.commit();
  await sink.close();

  const { rows: found } = await db.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'vstream_relay')`,
  );
  expect(found).toHaveLength(1);
  expect(found[0]!.nspname).toBe(keyspace);
  expect(Buffer.byteLength(found[0]!.relname)).toBeLessThanOrEqual(63);
  expect(found[0]!.relname).toMatch(/^t"\t\n; DROP TABLE x; -- é+_[0-9a-f]{8}$/);

  const target = `${pg.escapeIdentifier(keyspace)}.${pg.escapeIdentifier(found[0]!.relname)}`;
  const { rows: attributes } = await db.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum`,
    [target],
  );
  const names = attributes.map((a) => a.attname);
  expect(names.slice(0, 3)).toEqual(['id"', 'semi;colon', 'ünï 表']);
  expect(names[3]).toMatch(/^c{54}_[0-9a-f]{8}$/);
  expect(names[4]).toMatch(/^xmin_[0-9a-f]{8}$/);
  expect(names.slice(5)).toEqual(['EXCLUDED', 'u', 'c0', "quote'single"]);

  const { rows } = await db.query(`SELECT * FROM ${target} ORDER BY 1`);
  expect(rows.map((r) => [r['id"'], r['semi;colon'], r['ünï 表'], r["quote'single"]])).toEqual([
    ['1', "a';--", 1, "it's"],
    ['2', 'b', 20, "it's"],
  ]);
  const { rows: log } = await db.query(
    `SELECT stream_id, keyspace, table_name, primary_key FROM vstream_relay.changelog ORDER BY seq LIMIT 1`,
  );
  expect(log[0]).toEqual({
    stream_id: 'hostile"; --',
    keyspace,
    table_name: `${keyspace}.${table}`,
    primary_key: { 'id"': 1, 'semi;colon': "a';--" },
  });
  const { rows: schemas } = await db.query(
    "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'public'",
  );
  expect(schemas[0].n).toBe(1);
});

test('a keyspace named like a system schema gets a usable target schema', async () => {
  const schema = tableSchema('t', [pk(col.int('id'))], { keyspace: 'pg_data', shard: '0' });
  const builder = new ItemBuilder([{ keyspace: 'pg_data', shard: '0' }]);
  const { sink } = await openSink(url, { streamId: 'pgprefix' });
  await feed(sink, builder.transaction(schema, [insert([1])], { withSchema: true }));
  await sink.commit();
  await sink.close();
  const { rows } = await db.query('SELECT id FROM vsr_pg_data.t');
  expect(rows).toEqual([{ id: 1 }]);
});
