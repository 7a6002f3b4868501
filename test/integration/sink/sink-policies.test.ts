// Values Postgres cannot hold unaltered: fail (stream paused, position kept) or quarantine (stored with reason
// and position); never silently changed.
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MissingKeyError, UnapplicableValueError, readCheckpoint } from '../../../src/sink/index.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, insert, pk, tableSchema, update } from '../../unit/sink/fixtures.js';
import { connect, feed, openSink, rowsOf } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkpolicy');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

const schema = tableSchema('notes', [
  pk(col.bigint('id')),
  col.text('body'),
  col.date('due'),
  col.json('meta'),
]);

test('policy fail: the stream stops naming table and column; nothing of the batch is applied', async () => {
  const opts = { streamId: 'fail', targetSchema: 'fail_ks' };
  const builder = new ItemBuilder();
  const { sink } = await openSink(url, opts);
  await feed(
    sink,
    builder.transaction(schema, [insert([1n, 'ok', '2024-01-01', '{}'])], { withSchema: true }),
  );
  await sink.commit();
  await feed(sink, builder.transaction(schema, [insert([2n, 'fine', null, null])]));
  const error = await feed(sink, builder.transaction(schema, [insert([3n, 'nul\0byte', null, null])])).catch(
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(UnapplicableValueError);
  expect(error).toMatchObject({ table: 'ks.notes', column: 'body', retryable: false });
  expect((error as Error).message).toMatch(/NUL character/);
  await sink.close();
  expect((await rowsOf(db, 'fail_ks.notes')).map((r) => r.id)).toEqual(['1']);
  expect((await readCheckpoint(db, 'vstream_relay', 'fail'))!.batchSeq).toBe(1);
});

test('policy quarantine: bad changes are stored with values, reason and position; the rest applies', async () => {
  const opts = { streamId: 'quarantine', targetSchema: 'q_ks', unapplicableValues: 'quarantine' as const };
  const builder = new ItemBuilder();
  const { sink } = await openSink(url, opts);
  await feed(sink, [
    ...builder.transaction(schema, [insert([1n, 'first', '2024-01-01', '{"a": 1}'])], { withSchema: true }),
    ...builder.transaction(schema, [
      update([1n, 'first', '2024-01-01', '{"a": 1}'], [1n, 'second\0', '2024-01-02', '{"a": 2}']),
      insert([2n, 'zero date kept as text', '0000-00-00', null]),
      insert([3n, 'bad json', null, '{"s": "\\u0000"}']),
      insert([4n, 'good', '2024-02-29', '[1, 2]']),
    ]),
    {
      kind: 'begin',
      keyspace: 'ks',
      shard: '-',
      timestamp: 1_700_000_100,
    },
    {
      kind: 'undecodable',
      schema,
      op: 'insert',
      reason: 'cannot decode VStream row (table ks.notes, column due #2 DATE): zero date [zero_date]',
      code: 'zero_date',
      column: 'due',
      before: null,
      after: { lengths: [1, 2, 10, -1], values: Buffer.from('5hi0000-00-00').toString('base64') },
    },
    ...builder.transaction(schema, []).slice(1),
  ]);
  const result = await sink.commit();
  expect(result).toMatchObject({ quarantined: 4, tables: { 'ks.notes': { insert: 2, quarantined: 4 } } });
  await sink.close();

  // Key 1 keeps its last applicable state: the quarantine holds the newer image for repair.
  expect(await rowsOf(db, 'q_ks.notes')).toEqual([
    { id: '1', body: 'first', due: '2024-01-01', meta: '{"a": 1}' },
    { id: '4', body: 'good', due: '2024-02-29', meta: '[1, 2]' },
  ]);
  const { rows } = await db.query(
    `SELECT txn_seq::int, op, code, column_name, value_format, before::text, after::text, commit_ts,
            position->'shard_gtids'->0->>'gtid' AS gtid
     FROM vstream_relay.quarantine WHERE stream_id = 'quarantine' ORDER BY id`,
  );
  expect(rows.map((r) => [r.txn_seq, r.op, r.code, r.column_name, r.value_format])).toEqual([
    [2, 'update', 'unapplicable_value', 'body', 'decoded'],
    [2, 'insert', 'unapplicable_value', 'due', 'decoded'],
    [2, 'insert', 'unapplicable_value', 'meta', 'decoded'],
    [3, 'insert', 'zero_date', 'due', 'raw'],
  ]);
  expect(rows[0].after).toBe('{"id":1,"body":"second\\u0000","due":"2024-01-02","meta":"{\\"a\\": 2}"}');
  expect(rows[0].before).toBe('{"id":1,"body":"first","due":"2024-01-01","meta":"{\\"a\\": 1}"}');
  expect(rows[3].after).toBe('{"lengths":[1,2,10,-1],"values":"NWhpMDAwMC0wMC0wMA=="}');
  expect(rows[0].gtid).toMatch(/:1-2$/);
  expect(rows[3].gtid).toMatch(/:1-3$/);
  expect(rows[3].commit_ts).toEqual(new Date(1_700_000_100_000));
});

test('a NULL key is a fatal missing-key error', async () => {
  const { sink } = await openSink(url, { streamId: 'nullkey', targetSchema: 'nk' });
  await expect(
    feed(
      sink,
      new ItemBuilder().transaction(schema, [insert([null, 'x', null, null])], { withSchema: true }),
    ),
  ).rejects.toThrow(MissingKeyError);
  await sink.close();
});
