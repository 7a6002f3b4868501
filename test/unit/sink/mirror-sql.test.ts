import { describe, expect, it } from 'vitest';
import {
  alterColumnTypeStatement,
  createTableStatement,
  deleteStatement,
  upsertStatement,
} from '../../../src/sink/mirror-sql.js';

const target = { schema: 'my"schema', table: 'a;b' };

describe('mirror SQL', () => {
  it('quotes every identifier and takes values only as parameters', () => {
    const upsert = upsertStatement(
      target,
      [
        { name: 'id"', type: { kind: 'bigint' } },
        { name: 'v', type: { kind: 'jsonb' } },
      ],
      ['id"'],
    );
    expect(upsert.text).toBe(
      'INSERT INTO "my""schema"."a;b" ("id""", "v") SELECT u.c0::bigint, u.c1::jsonb FROM ' +
        'unnest($1::text[], $2::text[]) AS u(c0, c1) ON CONFLICT ("id""") DO UPDATE SET "v" = EXCLUDED."v"',
    );
    expect(upsert.name).toMatch(/^vsr_[0-9a-f]{24}$/);
    expect(deleteStatement(target, [{ name: 'k', type: { kind: 'text' } }]).text).toBe(
      'DELETE FROM "my""schema"."a;b" AS t USING unnest($1::text[]) AS k(c0) WHERE t."k" = k.c0::text',
    );
  });

  it('does nothing on conflict when every column is in the key', () => {
    expect(upsertStatement(target, [{ name: 'id', type: { kind: 'integer' } }], ['id']).text).toMatch(
      /DO NOTHING$/,
    );
  });

  it('creates tables and pads widened bit columns', () => {
    expect(
      createTableStatement(
        target,
        [{ name: 'id', type: { kind: 'numeric', precision: 20, scale: 0 } }],
        ['id'],
      ),
    ).toBe('CREATE TABLE "my""schema"."a;b" ("id" numeric(20,0), PRIMARY KEY ("id"))');
    expect(
      alterColumnTypeStatement(target, 'b', { kind: 'varbit', length: 3 }, { kind: 'varbit', length: 5 }),
    ).toBe(
      `ALTER TABLE "my""schema"."a;b" ALTER COLUMN "b" TYPE bit varying(5) USING lpad("b"::text, 5, '0')::bit varying(5)`,
    );
  });
});
