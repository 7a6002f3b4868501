// Connection handling: pools, TLS settings, and a connection lost while the sink is idle.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PostgresSink, SinkDatabaseError } from '../../../src/sink/index.js';
import { createTestDatabase } from '../../support/isolation.js';
import { ItemBuilder, col, insert, pk, tableSchema } from '../../unit/sink/fixtures.js';
import { connect, feed, killBackend, openSink } from './support.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('sinkconn');
  db = await connect(url);
});

afterAll(async () => {
  await db?.end();
});

const schema = tableSchema('t', [pk(col.bigint('id'))]);

test('takes one connection from a pool and hands it back without its session settings', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const settings = async () => {
      const { rows } = await pool.query(
        "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds",
      );
      return rows[0] as { tz: string; ds: string };
    };
    const before = await settings();
    const { sink } = await PostgresSink.open({ pool, streamId: 'pooled', targetSchema: 'pooled' });
    await feed(sink, new ItemBuilder().transaction(schema, [insert([1n])], { withSchema: true }));
    await sink.commit();
    await sink.close();
    expect(await settings()).toEqual(before);
    const { rows } = await pool.query('SELECT id FROM pooled.t');
    expect(rows).toEqual([{ id: '1' }]);
  } finally {
    await pool.end();
  }
});

test('TLS is required when asked for: a server without it is refused, not used in clear', async () => {
  const failure = await PostgresSink.open({
    streamId: 'tls',
    connection: { connectionString: url, sslmode: 'verify-full' },
  }).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(SinkDatabaseError);
  expect(failure).toMatchObject({ retryable: false });
  expect((failure as Error).message).toMatch(/SSL/i);
});

test('a connection lost while idle makes the next call fail as retryable', async () => {
  const { sink, applicationName } = await openSink(url, { streamId: 'lost', targetSchema: 'lost' });
  await killBackend(db, applicationName);
  await new Promise((r) => setTimeout(r, 100));
  const error = await feed(
    sink,
    new ItemBuilder().transaction(schema, [insert([1n])], { withSchema: true }),
  ).catch((err: unknown) => err);
  expect(error).toMatchObject({ retryable: true });
  await sink.close();
});
