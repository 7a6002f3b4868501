import { describe, expect, it } from 'vitest';
import { MySqlFlag, parseEnumSetLabels, RowDecodeError } from '../../../src/vstream/decode/index.js';
import type { ColumnField } from '../../../src/vstream/decode/index.js';
import { BINARY, decodeCell, field, LATIN1, QueryType, row, UTF8MB3, UTF8MB4 } from './decode-fixtures.js';
import type { Cell } from './decode-fixtures.js';
import { compileRowDecoder } from '../../../src/vstream/decode/index.js';

function failure(run: () => unknown): RowDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RowDecodeError) return error;
    throw error;
  }
  throw new Error('expected a RowDecodeError');
}

const bytes = (...values: number[]) => Buffer.from(values);
const varchar = (charset: number) =>
  field(QueryType.VARCHAR, { name: 's', charset, columnType: 'varchar(255)' });

describe('text decodes by the column collation', () => {
  it.each<[string, number, Cell, string]>([
    ['utf8mb4 emoji', UTF8MB4, bytes(0xf0, 0x9f, 0x98, 0x80, 0x20, 0x6f, 0x6b), '😀 ok'],
    ['utf8mb4 empty', UTF8MB4, '', ''],
    ['utf8mb4 ASCII', UTF8MB4, 'plain ascii', 'plain ascii'],
    ['utf8mb4_general_ci', 45, bytes(0xc3, 0xa9), 'é'],
    [
      'utf8mb4 long text',
      UTF8MB4,
      'Grüße aus Köln, und noch viel mehr Text, damit der Wert länger als 48 Bytes ist.',
      'Grüße aus Köln, und noch viel mehr Text, damit der Wert länger als 48 Bytes ist.',
    ],
    ['utf8mb4 keeps a leading BOM', UTF8MB4, bytes(0xef, 0xbb, 0xbf, 0x61), '\uFEFFa'],
    ['utf8mb3', UTF8MB3, bytes(0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f), 'héllo'],
    ['latin1 0xE9', LATIN1, bytes(0xe9), 'é'],
    ['latin1 0x80 is the cp1252 euro sign', LATIN1, bytes(0x80), '€'],
    ['latin1 0x81 is a C1 control', LATIN1, bytes(0x81), '\u0081'],
    ['latin1 mixed', LATIN1, bytes(0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35), 'Café €5'],
    ['latin1_bin', 47, bytes(0xfc), 'ü'],
    [
      'latin1 0x80-0x9F',
      LATIN1,
      bytes(...Array.from({ length: 32 }, (_, i) => 0x80 + i)),
      '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
        '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178',
    ],
    ['latin1 0xA0-0xFF are their own code points', LATIN1, bytes(0xa0, 0xbf, 0xd7, 0xff), '\u00A0¿×ÿ'],
    ['ascii', 11, 'abc', 'abc'],
    ['ucs2 (big-endian)', 35, bytes(0x00, 0xe9, 0x00, 0x41), 'éA'],
    ['utf16 (big-endian)', 54, bytes(0x00, 0x41, 0xd8, 0x3d, 0xde, 0x00), 'A😀'],
    ['utf16le', 56, bytes(0x41, 0x00, 0x3d, 0xd8, 0x00, 0xde), 'A😀'],
    ['utf32 (big-endian)', 60, bytes(0, 0, 0, 0x41, 0, 1, 0xf6, 0), 'A😀'],
    ['cp1251', 51, bytes(0xcf, 0xf0, 0xe8), 'При'],
    ['cp1250', 26, bytes(0x8a, 0x9a), 'Šš'],
    ['gbk', 28, bytes(0xc4, 0xe3, 0xba, 0xc3), '你好'],
  ])('%s', (_name, charset, cell, expected) => {
    expect(decodeCell(varchar(charset), cell)).toBe(expected);
  });

  it.each<[string, number, Cell, string]>([
    ['utf8mb4 bad byte', UTF8MB4, bytes(0x61, 0xff, 0x62), 'a\uFFFDb'],
    ['utf8mb4 truncated sequence', UTF8MB4, bytes(0x61, 0xe2, 0x82), 'a\uFFFD'],
    ['utf8mb4 encoded surrogate', UTF8MB4, bytes(0xed, 0xa0, 0x80), '\uFFFD\uFFFD\uFFFD'],
    ['utf8mb4 overlong slash', UTF8MB4, bytes(0xc0, 0xaf), '\uFFFD\uFFFD'],
    ['ascii high byte', 11, bytes(0x61, 0x80), 'a\uFFFD'],
    ['utf16 odd length', 54, bytes(0x00, 0x41, 0x00), 'A\uFFFD'],
    ['utf32 beyond U+10FFFF', 60, bytes(0, 0x11, 0, 0), '\uFFFD'],
  ])('invalid %s: fails by default, U+FFFD under "replace"', (_name, charset, cell, replaced) => {
    const error = failure(() => decodeCell(varchar(charset), cell));
    expect(error.code).toBe('invalid_text');
    expect(error.column).toBe('s');
    expect(failure(() => decodeCell(varchar(charset), cell, { invalidText: 'fail' })).code).toBe(
      'invalid_text',
    );
    expect(decodeCell(varchar(charset), cell, { invalidText: 'replace' })).toBe(replaced);
  });

  it.each<[string, number, string]>([
    ['sjis', 13, 'charset sjis (collation id 13) is not supported'],
    ['latin5', 30, 'charset latin5 (collation id 30) is not supported'],
    ['unknown collation', 9999, 'unknown collation id 9999'],
  ])('refuses unsupported %s on the first non-NULL cell', (_name, charset, reason) => {
    expect(decodeCell(varchar(charset), null)).toBeNull();
    const error = failure(() => decodeCell(varchar(charset), 'x'));
    expect(error.code).toBe('unsupported_charset');
    expect(error.reason).toBe(reason);
  });

  it('treats a _bin collation reported as VARBINARY as text', () => {
    const column = field(QueryType.VARBINARY, {
      charset: 46,
      columnType: 'varchar(10)',
      flags: MySqlFlag.BINARY_FLAG,
    });
    expect(decodeCell(column, bytes(0xc3, 0xa9))).toBe('é');
  });

  it('refuses a text type without a collation', () => {
    expect(failure(() => decodeCell(varchar(0), 'x')).code).toBe('unsupported_charset');
  });
});

describe('binary data decodes to an own Buffer', () => {
  it.each<[string, ColumnField, Cell, Buffer]>([
    [
      'BINARY(4) keeps its padding',
      field(QueryType.BINARY, { columnType: 'binary(4)' }),
      bytes(0x61, 0x62, 0, 0),
      bytes(0x61, 0x62, 0x00, 0x00),
    ],
    [
      'VARBINARY',
      field(QueryType.VARBINARY, { columnType: 'varbinary(8)' }),
      bytes(0xff, 0x00, 0x80),
      bytes(0xff, 0x00, 0x80),
    ],
    ['VARBINARY empty', field(QueryType.VARBINARY), '', bytes()],
    [
      'BLOB',
      field(QueryType.BLOB, { columnType: 'blob' }),
      bytes(0xde, 0xad, 0xbe, 0xef),
      bytes(0xde, 0xad, 0xbe, 0xef),
    ],
    [
      'VARCHAR with the binary collation',
      field(QueryType.VARCHAR, { charset: BINARY }),
      bytes(0xe9),
      bytes(0xe9),
    ],
    [
      'TEXT with the binary collation',
      field(QueryType.TEXT, { charset: BINARY }),
      bytes(0x80, 0x81),
      bytes(0x80, 0x81),
    ],
    ['BINARY without a collation', field(QueryType.BINARY, { charset: 0 }), bytes(0x01), bytes(0x01)],
  ])('%s', (_name, column, cell, expected) => {
    const value = decodeCell(column, cell);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect(value).toEqual(expected);
  });

  it('does not share memory with the row', () => {
    const decoder = compileRowDecoder([field(QueryType.VARBINARY)], { enumSetAsText: true });
    const raw = row(bytes(1, 2, 3));
    const [value] = decoder.decode(raw);
    raw.values.fill(0);
    expect(value).toEqual(bytes(1, 2, 3));
  });
});

describe('parseEnumSetLabels', () => {
  it.each<[string, string[] | undefined]>([
    ["enum('a','b')", ['a', 'b']],
    ["enum('a','b''c','x,y')", ['a', "b'c", 'x,y']],
    ["enum('back\\\\slash','nl\\n','q\\'','nul\\0')", ['back\\slash', 'nl\n', "q'", 'nul\0']],
    ["set('α','😀','')", ['α', '😀', '']],
    ["ENUM('A','B')", ['A', 'B']],
    ["enum('a)','(b')", ['a)', '(b']],
    ["enum('a', 'b')", ['a', 'b']],
    ['enum()', []],
    ['int(11)', undefined],
    ['', undefined],
    ["enum('a", undefined],
    ["enum('a' 'b')", undefined],
    ['enum(a,b)', undefined],
  ])('%j', (columnType, expected) => {
    expect(parseEnumSetLabels(columnType)).toEqual(expected);
  });
});

describe('ENUM decodes to its label', () => {
  const column = field(QueryType.ENUM, {
    name: 'e',
    charset: UTF8MB4,
    columnType: "enum('a','b''c','x,y','😀')",
  });

  it.each<[Cell, string]>([
    ['a', 'a'],
    ["b'c", "b'c"],
    ['x,y', 'x,y'],
    ['😀', '😀'],
    ['', ''],
  ])('as text %j', (cell, expected) => {
    expect(decodeCell(column, cell, { enumSetAsText: true })).toBe(expected);
  });

  it.each<[string, string]>([
    ['1', 'a'],
    ['2', "b'c"],
    ['3', 'x,y'],
    ['4', '😀'],
    ['0', ''],
  ])('by index %s', (cell, expected) => {
    expect(decodeCell(column, cell, { enumSetAsText: false })).toBe(expected);
  });

  it.each(['5', '-1', 'a', ''])('refuses index %j', (cell) => {
    expect(failure(() => decodeCell(column, cell, { enumSetAsText: false })).code).toBe('invalid_value');
  });

  it('maps indexes of a string-typed column flagged as ENUM', () => {
    const flagged = field(QueryType.CHAR, { flags: MySqlFlag.ENUM_FLAG, columnType: "enum('x','y')" });
    expect(decodeCell(flagged, '2', { enumSetAsText: false })).toBe('y');
  });

  it('refuses indexes when the column type lists no labels', () => {
    const bare = field(QueryType.ENUM, { charset: UTF8MB4, columnType: '' });
    expect(failure(() => decodeCell(bare, '1', { enumSetAsText: false })).code).toBe('unsupported_type');
  });
});

describe('SET decodes to an array of labels', () => {
  const column = field(QueryType.SET, { name: 'st', charset: UTF8MB4, columnType: "set('a','b','c')" });

  it.each<[Cell, string[]]>([
    ['a,c', ['a', 'c']],
    ['b', ['b']],
    ['a,b,c', ['a', 'b', 'c']],
    ['', []],
  ])('as text %j', (cell, expected) => {
    expect(decodeCell(column, cell, { enumSetAsText: true })).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['5', ['a', 'c']],
    ['2', ['b']],
    ['7', ['a', 'b', 'c']],
    ['0', []],
  ])('by bitmask %s', (cell, expected) => {
    expect(decodeCell(column, cell, { enumSetAsText: false })).toEqual(expected);
  });

  it('refuses a bitmask with a bit beyond the labels', () => {
    const error = failure(() => decodeCell(column, '8', { enumSetAsText: false }));
    expect(error.code).toBe('invalid_value');
    expect(error.reason).toBe('SET bitmask has bit 3 beyond the 3 declared members');
  });

  it('maps bit 63 of a 64-member set', () => {
    const labels = Array.from({ length: 64 }, (_, i) => `'m${i}'`).join(',');
    const wide = field(QueryType.SET, { charset: UTF8MB4, columnType: `set(${labels})` });
    expect(decodeCell(wide, '9223372036854775809', { enumSetAsText: false })).toEqual(['m0', 'm63']);
    expect(decodeCell(wide, '9007199254740993', { enumSetAsText: false })).toEqual(['m0', 'm53']);
  });
});

describe('JSON decodes to its exact text', () => {
  const column = field(QueryType.JSON, { name: 'j', charset: BINARY, columnType: 'json' });

  it.each<[Cell, string]>([
    [
      '{"id":12345678901234567890123,"f":0.1000000000000000055511151231257827}',
      '{"id":12345678901234567890123,"f":0.1000000000000000055511151231257827}',
    ],
    ['[1, 2.50, -0, 1e400]', '[1, 2.50, -0, 1e400]'],
    ['"text 😀"', '"text 😀"'],
    ['null', 'null'],
    ['', 'null'],
  ])('%j', (cell, expected) => {
    expect(decodeCell(column, cell)).toBe(expected);
  });

  it('applies the invalid-text policy', () => {
    expect(failure(() => decodeCell(column, bytes(0x22, 0xff, 0x22))).code).toBe('invalid_text');
    expect(decodeCell(column, bytes(0x22, 0xff, 0x22), { invalidText: 'replace' })).toBe('"\uFFFD"');
  });
});

describe('GEOMETRY decodes to SRID and WKB', () => {
  const column = field(QueryType.GEOMETRY, { name: 'g', columnType: 'point' });

  it('POINT(1 2) with SRID 4326', () => {
    const cell = Buffer.from('e61000000101000000000000000000f03f0000000000000040', 'hex');
    expect(decodeCell(column, cell)).toEqual({
      srid: 4326,
      wkb: Buffer.from('0101000000000000000000f03f0000000000000040', 'hex'),
    });
  });

  it('SRID 0 with big-endian WKB', () => {
    const cell = Buffer.from('00000000000000000140000000000000004008000000000000', 'hex');
    expect(decodeCell(column, cell)).toEqual({
      srid: 0,
      wkb: Buffer.from('000000000140000000000000004008000000000000', 'hex'),
    });
  });

  it.each<[string, Buffer]>([
    ['too short', bytes(0xe6, 0x10, 0, 0)],
    ['no WKB byte order', Buffer.from('e61000000201000000', 'hex')],
  ])('refuses %s', (_name, cell) => {
    expect(failure(() => decodeCell(column, cell)).code).toBe('invalid_value');
  });
});

describe('VECTOR decodes to float32 numbers', () => {
  const column = field(QueryType.VECTOR, { name: 'v', columnType: 'vector(3)' });

  it.each<[string, Buffer, number[]]>([
    ['three elements', Buffer.from('0000c03f000000c00000803e', 'hex'), [1.5, -2, 0.25]],
    ['float32 rounding of 0.1', Buffer.from('cdcccc3d', 'hex'), [0.10000000149011612]],
    ['empty', bytes(), []],
  ])('%s', (_name, cell, expected) => {
    expect(decodeCell(column, cell)).toEqual(expected);
  });

  it('refuses a length that is not a multiple of 4', () => {
    expect(failure(() => decodeCell(column, bytes(0, 0, 0x80, 0x3f, 0))).code).toBe('invalid_value');
  });
});
