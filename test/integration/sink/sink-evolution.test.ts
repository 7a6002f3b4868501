// Schema evolution from FIELD events and DDL text, on a real Postgres, including shards that switch at
// different times during a rolling DDL.
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SchemaIncompatibleError, readCheckpoint } from '../../../src/sink/index.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, insert, pk, tableSchema, update } from '../../unit/sink/fixtures.js';
import { connect, feed, openSink, rowsOf } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkevo');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

const shards = [
  { keyspace: 'ks', shard: '-80' },
  { keyspace: 'ks', shard: '80-' },
];

async function columnTypes(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ attname: string; type: string; notnull: boolean }>(
    `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.attname, r.type]));
}

async function history(streamId: string): Promise<string[]> {
  const { rows } = await db.query<{
    action: string;
    shard: string | null;
    details: Record<string, unknown> | null;
  }>(`SELECT action, shard, details FROM vstream_relay.ddl_history WHERE stream_id = $1 ORDER BY id`, [
    streamId,
  ]);
  return rows.map((r) => `${r.action}${r.details?.column ? ` ${String(r.details.column)}` : ''}`);
}

test('added and widened columns follow FIELD events; a dropped column is kept and recorded', async () => {
  const opts = { streamId: 'evolve', targetSchema: 'evolve' };
  const v1 = tableSchema('items', [
    pk(col.int('id')),
    col.int('n'),
    col.decimal('price', 10, 2),
    col.bit('flags', 3),
  ]);
  const v2 = tableSchema('items', [
    pk(col.bigint('id')),
    col.bigint('n'),
    col.decimal('price', 12, 4),
    col.bit('flags', 5),
    col.varchar('note'),
  ]);
  const v3 = tableSchema('items', [
    pk(col.bigint('id')),
    col.bigint('n'),
    col.decimal('price', 12, 4),
    col.bit('flags', 5),
  ]);
  const builder = new ItemBuilder();
  const { sink } = await openSink(url, opts);
  await feed(sink, builder.transaction(v1, [insert([1, 10, '1.50', '101'])], { withSchema: true }));
  await feed(sink, [
    { kind: 'begin', keyspace: 'ks', shard: '-', timestamp: 1 },
    { kind: 'schema', schema: v2 },
  ]);
  await feed(
    sink,
    builder.transaction(v2, [insert([2n, 2n ** 40n, '12345678.1234', '11111', 'hello'])]).slice(1),
  );
  await feed(sink, builder.transaction(v3, [insert([3n, 3n, '0.0001', '00001'])], { withSchema: true }));
  await sink.commit();
  await sink.close();

  expect(await columnTypes('evolve.items')).toEqual({
    id: 'bigint',
    n: 'bigint',
    price: 'numeric(12,4)',
    flags: 'bit varying(5)',
    note: 'text',
  });
  expect(await rowsOf(db, 'evolve.items')).toEqual([
    { id: '1', n: '10', price: '1.5000', flags: '00101', note: null },
    { id: '2', n: '1099511627776', price: '12345678.1234', flags: '11111', note: 'hello' },
    { id: '3', n: '3', price: '0.0001', flags: '00001', note: null },
  ]);
  expect(await history('evolve')).toEqual([
    'create_table',
    'alter_column_type id',
    'alter_column_type n',
    'alter_column_type price',
    'alter_column_type flags',
    'add_column note',
    'drop_column note',
  ]);
});

test('shards on different schema versions during a rolling DDL share one table', async () => {
  const opts = { streamId: 'rolling', targetSchema: 'rolling' };
  const old = (shard: string) => tableSchema('t', [pk(col.bigint('id')), col.int('qty')], { shard });
  const neu = (shard: string) =>
    tableSchema('t', [pk(col.bigint('id')), col.bigint('qty'), col.text('tag')], { shard });
  const builder = new ItemBuilder(shards);
  const { sink } = await openSink(url, opts);
  await feed(sink, [
    ...builder.transaction(old('-80'), [insert([1n, 1])], { withSchema: true }),
    ...builder.transaction(old('80-'), [insert([200n, 1])], { withSchema: true }),
    // -80 switches first.
    ...builder.transaction(
      neu('-80'),
      [insert([2n, 2n ** 33n, 'new']), update([1n, 1n, null], [1n, 5n, 'x'])],
      {
        withSchema: true,
      },
    ),
    // 80- still sends the old shape: it must not undo or narrow anything, and leaves `tag` alone.
    ...builder.transaction(old('80-'), [insert([201n, 7]), update([200n, 1], [200n, 9])]),
  ]);
  await sink.commit();
  // A reconnect re-sends FIELDs: 80- still old (no change), then it switches too.
  await feed(sink, [
    ...builder.transaction(old('80-'), [update([201n, 7], [201n, 8])], { withSchema: true }),
    ...builder.transaction(neu('80-'), [update([200n, 9n, null], [200n, 10n, 'late'])], { withSchema: true }),
  ]);
  await sink.commit();
  await sink.close();
  expect(await rowsOf(db, 'rolling.t')).toEqual([
    { id: '1', qty: '5', tag: 'x' },
    { id: '2', qty: '8589934592', tag: 'new' },
    { id: '200', qty: '10', tag: 'late' },
    { id: '201', qty: '8', tag: null },
  ]);
  expect(await history('rolling')).toEqual(['create_table', 'alter_column_type qty', 'add_column tag']);
});

test('renames from DDL text: tables and columns, per shard', async () => {
  const opts = { streamId: 'renames', targetSchema: 'renames' };
  const before = (shard: string) =>
    tableSchema('users', [pk(col.bigint('id')), col.varchar('mail')], { shard });
  const after = (shard: string) =>
    tableSchema('accounts', [pk(col.bigint('id')), col.varchar('email')], { shard });
  const builder = new ItemBuilder(shards);
  const { sink } = await openSink(url, opts);
  await feed(sink, [
    ...builder.transaction(before('-80'), [insert([1n, 'a@x'])], { withSchema: true }),
    ...builder.transaction(before('80-'), [insert([200n, 'b@x'])], { withSchema: true }),
    builder.ddl('ks', '-80', 'RENAME TABLE `users` TO `accounts`'),
    builder.ddl('ks', '-80', 'ALTER TABLE accounts RENAME COLUMN mail TO email'),
    ...builder.transaction(after('-80'), [insert([2n, 'c@x'])], { withSchema: true }),
    // 80- has not renamed yet: its rows for `users`.`mail` land in accounts.email.
    ...builder.transaction(before('80-'), [insert([201n, 'd@x'])]),
    builder.ddl('ks', '80-', 'RENAME TABLE users TO accounts'),
    builder.ddl('ks', '80-', 'ALTER TABLE accounts CHANGE mail email varchar(255)'),
    ...builder.transaction(after('80-'), [insert([202n, 'e@x'])], { withSchema: true }),
    // Online DDL cut-over renames through shadow tables: nothing to do.
    builder.ddl(
      'ks',
      '-80',
      'RENAME TABLE accounts TO _vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_, _vt_vrp_x TO accounts',
    ),
  ]);
  await sink.commit();
  await sink.close();
  expect(await rowsOf(db, 'renames.accounts')).toEqual([
    { id: '1', email: 'a@x' },
    { id: '2', email: 'c@x' },
    { id: '200', email: 'b@x' },
    { id: '201', email: 'd@x' },
    { id: '202', email: 'e@x' },
  ]);
  const { rows } = await db.query("SELECT to_regclass('renames.users') AS old");
  expect(rows[0].old).toBeNull();
  expect(await history('renames')).toEqual([
    'create_table',
    'source_ddl',
    'rename_table',
    'source_ddl',
    'rename_column',
    'source_ddl',
    'source_ddl',
    'source_ddl',
  ]);
});

test('an incompatible change pauses the stream with a clear error and applies nothing of the batch', async () => {
  const opts = { streamId: 'incompatible', targetSchema: 'incompatible' };
  const v1 = tableSchema('prices', [pk(col.bigint('id')), col.decimal('amount', 10, 2)]);
  const bad = tableSchema('prices', [pk(col.bigint('id')), col.varchar('amount')]);
  const builder = new ItemBuilder();
  const first = await openSink(url, opts);
  await feed(first.sink, builder.transaction(v1, [insert([1n, '1.00'])], { withSchema: true }));
  await first.sink.commit();
  await feed(first.sink, builder.transaction(v1, [insert([2n, '2.00'])]));
  const failure = await feed(
    first.sink,
    builder.transaction(bad, [insert([3n, 'three'])], { withSchema: true }),
  ).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(SchemaIncompatibleError);
  expect(failure).toMatchObject({ retryable: false, table: 'ks.prices' });
  expect((failure as Error).message).toMatch(
    /table ks\.prices: cannot apply schema change: column amount changed from decimal\(10,2\) \(Postgres numeric\(10,2\)\) to varchar\(255\)/,
  );
  await first.sink.close();
  expect((await rowsOf(db, 'incompatible.prices')).map((r) => r.id)).toEqual(['1']);
  expect((await readCheckpoint(db, 'vstream_relay', 'incompatible'))!.batchSeq).toBe(1);

  const rekeyed = tableSchema('prices', [col.bigint('id'), pk(col.decimal('amount', 10, 2))]);
  const second = await openSink(url, opts);
  await expect(
    feed(second.sink, new ItemBuilder().transaction(rekeyed, [], { withSchema: true })),
  ).rejects.toThrow(/key changed from \(id\) to \(amount\)/);
  await second.sink.close();
});

test('TRUNCATE empties the mirror of an unsharded keyspace, and refuses on one shard of many', async () => {
  const schema = tableSchema('logs', [pk(col.bigint('id'))], { keyspace: 'unsharded', shard: '0' });
  const builder = new ItemBuilder([{ keyspace: 'unsharded', shard: '0' }]);
  const { sink } = await openSink(url, { streamId: 'truncate', mode: 'both' });
  await feed(sink, [
    ...builder.transaction(schema, [insert([1n]), insert([2n])], { withSchema: true }),
    builder.ddl('unsharded', '0', 'TRUNCATE TABLE logs'),
    ...builder.transaction(schema, [insert([3n])]),
  ]);
  await sink.commit();
  await sink.close();
  expect(await rowsOf(db, 'unsharded.logs')).toEqual([{ id: '3' }]);
  const { rows } = await db.query(
    `SELECT op FROM vstream_relay.changelog WHERE stream_id = 'truncate' ORDER BY seq`,
  );
  expect(rows.map((r) => r.op)).toEqual(['insert', 'insert', 'truncate', 'insert']);

  const sharded = tableSchema('logs', [pk(col.bigint('id'))], { shard: '-80' });
  const other = await openSink(url, { streamId: 'truncate-sharded', targetSchema: 'sharded_trunc' });
  const b2 = new ItemBuilder(shards);
  await feed(other.sink, b2.transaction(sharded, [insert([1n])], { withSchema: true }));
  await expect(other.sink.write(b2.ddl('ks', '-80', 'truncate logs'))).rejects.toThrow(
    /TRUNCATE on shard -80 cannot be mirrored/,
  );
  await other.sink.close();
});

test('a table without a key is refused, or sent to the changelog only', async () => {
  const keyless = tableSchema('events', [col.bigint('at'), col.varchar('what')]);
  const builder = new ItemBuilder();
  const strict = await openSink(url, { streamId: 'nokey' });
  await expect(
    feed(strict.sink, builder.transaction(keyless, [insert([1n, 'x'])], { withSchema: true })),
  ).rejects.toThrow(/table ks\.events: .*no primary key and no NOT NULL unique column/);
  await strict.sink.close();

  const lenient = await openSink(url, { streamId: 'nokey', tablesWithoutKey: 'changelog' });
  await feed(lenient.sink, new ItemBuilder().transaction(keyless, [insert([1n, 'x'])], { withSchema: true }));
  await lenient.sink.commit();
  await lenient.sink.close();
  const { rows } = await db.query(
    `SELECT table_name, op, primary_key, after FROM vstream_relay.changelog WHERE stream_id = 'nokey'`,
  );
  expect(rows).toEqual([
    { table_name: 'ks.events', op: 'insert', primary_key: null, after: { at: 1, what: 'x' } },
  ]);
  const { rows: tables } = await db.query("SELECT to_regclass('ks.events') AS t");
  expect(tables[0].t).toBeNull();
});
