import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../support/isolation.js';

let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: await createTestDatabase('pgsmoke') });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
});

test('round-trips typed values through the real cluster', async () => {
  await db.query('CREATE TABLE t (id bigint PRIMARY KEY, payload jsonb, amount numeric(20,0), raw bytea)');
  await db.query('INSERT INTO t VALUES ($1, $2, $3, $4)', [
    '9223372036854775807',
    { big: '18446744073709551615' },
    '18446744073709551615',
    Buffer.from([0, 1, 255]),
  ]);
  const { rows } = await db.query('SELECT id::text, payload, amount::text, raw FROM t');
  expect(rows).toEqual([
    {
      id: '9223372036854775807',
      payload: { big: '18446744073709551615' },
      amount: '18446744073709551615',
      raw: Buffer.from([0, 1, 255]),
    },
  ]);
});

test('a rolled-back transaction leaves nothing behind', async () => {
  await db.query('CREATE TABLE r (id int PRIMARY KEY)');
  await db.query('BEGIN');
  await db.query('INSERT INTO r VALUES (1), (2)');
  await db.query('ROLLBACK');
  const { rows } = await db.query('SELECT count(*)::int AS n FROM r');
  expect(rows[0].n).toBe(0);
});

test('the test cluster runs as a non-root user on loopback with durability traded for speed', async () => {
  const { rows } = await db.query(
    `SELECT current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen, inet_server_addr()::text AS addr`,
  );
  expect(rows[0]).toEqual({ fsync: 'off', listen: '127.0.0.1', addr: '127.0.0.1/32' });
});
