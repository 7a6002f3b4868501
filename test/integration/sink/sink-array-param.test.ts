// The mirror statements' column parameters (pgTextArrayParam: an array literal or the binary array format) reach
// PostgreSQL as exactly the text elements they were built from.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pgTextArrayParam } from '../../../src/sink/value-text.js';
import { createTestDatabase } from '../../support/isolation.js';

let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: await createTestDatabase('arrayparam') });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
});

// Postgres text cannot hold NUL, and lone surrogates have no UTF-8 form: the sink refuses both earlier.
const storable = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0'));

test('every element arrives unchanged, NULLs included, in either format', async () => {
  const samples: (string | null)[][] = [
    ['plain', '', 'NULL', '{x,y}', ' sp '],
    [null, 'a"b', 'a\\b', '\\"', '{"sku": "A-1", "note": "say \\"hi\\""}', 'é€😀', '\n\t'],
  ];
  samples.push(...fc.sample(fc.array(fc.option(storable, { nil: null }), { maxLength: 20 }), 50));
  for (const cells of samples) {
    const { rows } = await db.query<{ cells: (string | null)[] }>({
      text: 'SELECT array_agg(u.c ORDER BY u.i) AS cells FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i)',
      values: [pgTextArrayParam(cells)],
    });
    expect(rows[0]!.cells ?? []).toEqual(cells);
  }
});
