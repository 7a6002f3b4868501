import { describe, expect, it } from 'vitest';
import { renderPgType } from '../../../src/sink/pg-types.js';
import { mapColumnType } from '../../../src/sink/type-mapping.js';
import type { ColumnField } from '../../../src/vstream/decode/types.js';
import { MySqlFlag, QueryType } from '../../../src/vstream/constants.js';
import { UTF8MB4, col } from './fixtures.js';

function mapped(field: ColumnField): string {
  const result = mapColumnType(field);
  if ('unsupported' in result) throw new Error(result.unsupported);
  return `${result.source} -> ${renderPgType(result.pgType)}`;
}

describe('mapColumnType', () => {
  it('maps every type the decoder produces', () => {
    expect(mapped(col.tinyint('c'))).toBe('integer -> smallint');
    expect(mapped(col.tinyintUnsigned('c'))).toBe('integer -> smallint');
    expect(mapped(col.smallint('c'))).toBe('integer -> smallint');
    expect(mapped(col.smallintUnsigned('c'))).toBe('integer -> integer');
    expect(mapped(col.mediumint('c'))).toBe('integer -> integer');
    expect(mapped(col.mediumintUnsigned('c'))).toBe('integer -> integer');
    expect(mapped(col.int('c'))).toBe('integer -> integer');
    expect(mapped(col.intUnsigned('c'))).toBe('integer -> bigint');
    expect(mapped(col.bigint('c'))).toBe('bigint -> bigint');
    expect(mapped(col.bigintUnsigned('c'))).toBe('bigint -> numeric(20,0)');
    expect(mapped(col.year('c'))).toBe('year -> smallint');
    expect(mapped(col.float('c'))).toBe('float -> real');
    expect(mapped(col.double('c'))).toBe('float -> double precision');
    expect(mapped(col.decimal('c', 65, 30))).toBe('decimal -> numeric(65,30)');
    expect(mapped(col.date('c'))).toBe('date -> date');
    expect(mapped(col.datetime('c', 3))).toBe('datetime -> timestamp(3) without time zone');
    expect(mapped(col.timestamp('c', 6))).toBe('timestamp -> timestamp(6) with time zone');
    expect(mapped(col.time('c', 2))).toBe('time -> interval');
    expect(mapped(col.bit('c', 5))).toBe('bit -> bit varying(5)');
    expect(mapped(col.enum('c', ['a', 'b']))).toBe('enum -> text');
    expect(mapped(col.set('c', ['a', 'b']))).toBe('set -> text[]');
    expect(mapped(col.json('c'))).toBe('json -> jsonb');
    expect(mapped(col.varchar('c'))).toBe('text -> text');
    expect(mapped(col.char('c'))).toBe('text -> text');
    expect(mapped(col.text('c'))).toBe('text -> text');
    expect(mapped(col.varbinary('c'))).toBe('bytes -> bytea');
    expect(mapped(col.binary('c', 4))).toBe('bytes -> bytea');
    expect(mapped(col.blob('c'))).toBe('bytes -> bytea');
    expect(mapped(col.geometry('c'))).toBe('geometry -> bytea');
    expect(mapped(col.vector('c'))).toBe('vector -> real[]');
  });

  it('tells text from bytes by collation, as the decoder does', () => {
    expect(mapped(col.varcharBin('c'))).toBe('text -> text');
    expect(mapped({ ...col.text('c'), charset: 63 })).toBe('bytes -> bytea');
    expect(mapped({ ...col.blob('c'), charset: 0 })).toBe('bytes -> bytea');
  });

  it('reads ENUM/SET string columns from their flags and SQL type', () => {
    const base = { ...col.varchar('c'), charset: UTF8MB4 };
    expect(
      mapped({ ...base, type: QueryType.CHAR, flags: MySqlFlag.ENUM_FLAG, columnType: "enum('x')" }),
    ).toBe('enum -> text');
    expect(mapped({ ...base, type: QueryType.CHAR, flags: MySqlFlag.SET_FLAG, columnType: "set('x')" })).toBe(
      'set -> text[]',
    );
  });

  it('reports types that are not columns', () => {
    expect(mapColumnType({ ...col.int('c'), type: QueryType.EXPRESSION })).toHaveProperty('unsupported');
  });
});
