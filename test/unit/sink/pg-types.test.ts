import { describe, expect, it } from 'vitest';
import { renderPgType, widenPgType } from '../../../src/sink/pg-types.js';
import type { PgType } from '../../../src/sink/pg-types.js';

const smallint: PgType = { kind: 'smallint' };
const integer: PgType = { kind: 'integer' };
const bigint: PgType = { kind: 'bigint' };
const numeric = (precision: number | null, scale = 0): PgType => ({ kind: 'numeric', precision, scale });
const render = (t: PgType | undefined) => (t === undefined ? undefined : renderPgType(t));

describe('widenPgType', () => {
  it('widens integers and numerics to the narrowest type holding both', () => {
    expect(render(widenPgType(smallint, integer))).toBe('integer');
    expect(render(widenPgType(bigint, integer))).toBe('bigint');
    expect(render(widenPgType(bigint, numeric(20)))).toBe('numeric(20,0)');
    expect(render(widenPgType(integer, numeric(10, 2)))).toBe('numeric(12,2)');
    expect(render(widenPgType(numeric(10, 2), numeric(8, 4)))).toBe('numeric(12,4)');
    expect(render(widenPgType(numeric(10, 2), numeric(null)))).toBe('numeric');
  });

  it('widens floats, timestamps, dates and bit strings', () => {
    expect(render(widenPgType({ kind: 'real' }, { kind: 'double' }))).toBe('double precision');
    expect(render(widenPgType(integer, { kind: 'double' }))).toBe('double precision');
    expect(
      render(widenPgType({ kind: 'timestamp', precision: 0 }, { kind: 'timestamp', precision: 3 })),
    ).toBe('timestamp(3) without time zone');
    expect(render(widenPgType({ kind: 'date' }, { kind: 'timestamp', precision: 0 }))).toBe(
      'timestamp(0) without time zone',
    );
    expect(render(widenPgType({ kind: 'varbit', length: 3 }, { kind: 'varbit', length: 8 }))).toBe(
      'bit varying(8)',
    );
  });

  it('refuses conversions that could lose data or change meaning', () => {
    expect(widenPgType(bigint, { kind: 'double' })).toBeUndefined();
    expect(widenPgType(integer, { kind: 'text' })).toBeUndefined();
    expect(widenPgType({ kind: 'text' }, { kind: 'bytea' })).toBeUndefined();
    expect(
      widenPgType({ kind: 'timestamp', precision: 0 }, { kind: 'timestamptz', precision: 0 }),
    ).toBeUndefined();
    expect(widenPgType({ kind: 'jsonb' }, { kind: 'text' })).toBeUndefined();
  });

  it('is symmetric and idempotent, so shards reporting in any order converge', () => {
    const types: PgType[] = [
      smallint,
      integer,
      bigint,
      numeric(20),
      numeric(10, 2),
      numeric(5, 5),
      { kind: 'real' },
      { kind: 'double' },
      { kind: 'varbit', length: 1 },
      { kind: 'varbit', length: null },
      { kind: 'timestamp', precision: 6 },
      { kind: 'date' },
    ];
    for (const a of types) {
      expect(render(widenPgType(a, a))).toBe(renderPgType(a));
      for (const b of types) {
        const ab = widenPgType(a, b);
        expect(render(ab)).toBe(render(widenPgType(b, a)));
        if (ab !== undefined) {
          expect(render(widenPgType(ab, a))).toBe(renderPgType(ab));
          expect(render(widenPgType(ab, b))).toBe(renderPgType(ab));
        }
      }
    }
  });
});
