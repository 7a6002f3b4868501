// Source names that land on the same Postgres name: Postgres keeps 63 bytes of an identifier (NAMEDATALEN), so
// longer MySQL names (up to 64 characters) are cut and given a hash suffix (src/sink/identifiers.ts). A second
// source name that is literally that shortened form would share the table or column: the sink must refuse it
// clearly — naming the contested Postgres name — instead of mixing two tables' rows or two columns' values.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pgColumnName, pgName } from '../../../src/sink/identifiers.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, insert, pk, tableSchema } from '../../unit/sink/fixtures.js';
import { connect, feed, openSink } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkcollide');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

test('exactly 64 characters: kept whole in the changelog, shortened with a hash in the mirror', async () => {
  const long = `t${'x'.repeat(62)}9`; // 64 characters
  expect(long).toHaveLength(64);
  const schema = tableSchema(long, [pk(col.bigint('id')), col.text(`c${'y'.repeat(63)}`)], {
    keyspace: 'ks64',
  });
  const builder = new ItemBuilder([{ keyspace: 'ks64', shard: '-' }]);
  const { sink } = await openSink(url, { streamId: 'len64', mode: 'both' });
  await feed(sink, builder.transaction(schema, [insert([1n, 'v'])], { withSchema: true }));
  await sink.commit();
  await sink.close();
  const { rows } = await db.query(
    `SELECT * FROM ${pg.escapeIdentifier('ks64')}.${pg.escapeIdentifier(pgName(long))}`,
  );
  expect(rows).toEqual([{ id: '1', [pgColumnName(`c${'y'.repeat(63)}`)]: 'v' }]);
  const { rows: log } = await db.query(
    `SELECT table_name, after FROM vstream_relay.changelog WHERE stream_id = 'len64'`,
  );
  expect(log).toEqual([{ table_name: `ks64.${long}`, after: { id: 1, [`c${'y'.repeat(63)}`]: 'v' } }]);
});

test('two tables whose Postgres names collide: the second is refused naming both', async () => {
  const long = 'a'.repeat(64);
  const shortened = pgName(long);
  expect(shortened).not.toBe(long);
  const builder = new ItemBuilder([{ keyspace: 'ksc', shard: '-' }]);
  const first = tableSchema(long, [pk(col.bigint('id'))], { keyspace: 'ksc' });
  const second = tableSchema(shortened, [pk(col.bigint('id'))], { keyspace: 'ksc' });
  const { sink } = await openSink(url, { streamId: 'collide-tables' });
  await feed(sink, builder.transaction(first, [insert([1n])], { withSchema: true }));
  await sink.commit();
  const error = await feed(sink, builder.transaction(second, [insert([2n])], { withSchema: true })).catch(
    (err: unknown) => err as Error,
  );
  await sink.close();
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({ retryable: false });
  expect((error as Error).message).toContain(
    `cannot create mirror table: "ksc"."${shortened}" already exists and is not mapped to this table by this stream`,
  );
  const { rows } = await db.query(`SELECT id FROM ksc.${pg.escapeIdentifier(shortened)}`);
  expect(rows).toEqual([{ id: '1' }]);
});

test('two columns whose Postgres names collide: refused naming both', async () => {
  const long = 'b'.repeat(64);
  const shortened = pgColumnName(long);
  const schema = tableSchema('cols', [pk(col.bigint('id')), col.text(long), col.text(shortened)], {
    keyspace: 'ksd',
  });
  const builder = new ItemBuilder([{ keyspace: 'ksd', shard: '-' }]);
  const { sink } = await openSink(url, { streamId: 'collide-columns' });
  const error = await feed(
    sink,
    builder.transaction(schema, [insert([1n, 'x', 'y'])], { withSchema: true }),
  ).catch((err: unknown) => err as Error);
  await sink.close();
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({ retryable: false });
  expect((error as Error).message).toBe(
    `table ksd.cols: cannot apply schema change: two columns map to the same Postgres name ${shortened}`,
  );
  const { rows } = await db.query("SELECT to_regclass('ksd.cols') AS t");
  expect(rows).toEqual([{ t: null }]);
});
