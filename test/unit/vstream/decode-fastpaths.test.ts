// Edge cases of the decoder's fast paths: each fast path must give exactly what the general path gives (or
// would have given), so these tests hold at the boundaries where one hands over to the other.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRowDecoder, MySqlFlag, RowDecodeError } from '../../../src/vstream/decode/index.js';
import type { ColumnField, DecodedValue, RowDecoderOptions } from '../../../src/vstream/decode/index.js';
import { BINARY, decodeCell, field, LATIN1, QueryType, row, UTF8MB4 } from './decode-fixtures.js';
import type { Cell } from './decode-fixtures.js';

/** The value, or the error's code and reason: what a test compares. */
function outcome(run: () => DecodedValue): unknown {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof RowDecodeError)
      return { code: error.code, reason: error.reason, column: error.column };
    throw error;
  }
}

const bytes = (...values: number[]) => Buffer.from(values);

// Reference models, written for clarity rather than speed.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function referenceInt64(text: string, unsigned: boolean): unknown {
  if (unsigned && text.startsWith('-')) {
    return { code: 'invalid_value', reason: 'negative value in an unsigned column', column: 'c' };
  }
  if (!/^-?[0-9]+$/.test(text)) return { code: 'invalid_value', reason: 'not an integer', column: 'c' };
  const value = BigInt(text);
  if (unsigned ? value > UINT64_MAX : value < INT64_MIN || value > INT64_MAX) {
    const reason = unsigned ? 'integer out of range for BIGINT UNSIGNED' : 'integer out of range for BIGINT';
    return { code: 'invalid_value', reason, column: 'c' };
  }
  return { value };
}

function referenceFloat(text: string): unknown {
  if (text === '' || !/^[0-9.+\-eE]+$/.test(text)) {
    return { code: 'invalid_value', reason: 'not a floating-point number', column: 'c' };
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return { code: 'invalid_value', reason: 'not a finite floating-point number', column: 'c' };
  }
  return { value };
}

function referenceDecimal(text: string, scale: number): unknown {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]+))?$/.exec(text);
  if (match === null || (match[2] === '' && match[3] === undefined)) {
    return { code: 'invalid_value', reason: 'not a decimal number', column: 'c' };
  }
  const int = match[2]!.replace(/^0+/, '') || '0';
  const fraction = (match[3] ?? '').padEnd(scale, '0');
  const zero = int === '0' && !/[1-9]/.test(fraction);
  const sign = match[1] === '-' && !zero ? '-' : '';
  return { value: fraction === '' ? sign + int : `${sign}${int}.${fraction}` };
}

describe('BIGINT fast paths', () => {
  const int64 = field(QueryType.INT64);
  const uint64 = field(QueryType.UINT64);

  it.each([
    '0',
    '1',
    '999999999', // the last 9-digit value: still a small integer
    '1000000000', // the first 10-digit value: the wide path
    '2147483647',
    '2147483648',
    '4294967295',
    '4294967296',
    '9007199254740991', // 2^53 - 1
    '9007199254740992',
    '9007199254740993', // not a double: exact only as a bigint
    '999999999999999999', // 18 digits: two chunks
    '1000000000000000000', // 19 digits: three chunks
    '9223372036854775807',
    '9223372036854775808',
    '18446744073709551615',
    '18446744073709551616',
    '99999999999999999999',
    '100000000000000000000',
    '00000000000000000042', // ZEROFILL
    '000000000000000000000000000009223372036854775807',
    '0000000000000000000000000000018446744073709551616',
    '-0',
    '-1',
    '-999999999',
    '-1000000000',
    '-9007199254740993',
    '-9223372036854775807',
    '-9223372036854775808',
    '-9223372036854775809',
    '-000000000000000000009223372036854775808',
  ])('%s', (text) => {
    expect(outcome(() => decodeCell(int64, text))).toEqual(referenceInt64(text, false));
    expect(outcome(() => decodeCell(uint64, text))).toEqual(referenceInt64(text, true));
  });

  it.each([
    '',
    '-',
    '+1',
    ' 1',
    '1 ',
    '1-',
    '--1',
    '12a',
    'x0000000000000000001', // bad digit in the top chunk
    '1000000000x000000000', // ... in the middle chunk
    '10000000000000000x01', // ... in the low chunk
    '1000000000000000000/',
    '1000000000000000000:',
  ])('refuses %j like the general path', (text) => {
    expect(outcome(() => decodeCell(int64, text))).toEqual(referenceInt64(text, false));
    expect(outcome(() => decodeCell(uint64, text))).toEqual(referenceInt64(text, true));
  });

  it('agrees with BigInt() on any digit string', () => {
    const text = fc
      .tuple(
        fc.constantFrom('', '', '', '-'),
        fc.constantFrom('', '', '0', '000000000000'),
        fc.stringMatching(/^[0-9]{1,22}$/),
      )
      .map(([sign, zeros, digits]) => sign + zeros + digits);
    fc.assert(
      fc.property(text, (t) => {
        expect(outcome(() => decodeCell(int64, t))).toEqual(referenceInt64(t, false));
        expect(outcome(() => decodeCell(uint64, t))).toEqual(referenceInt64(t, true));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('FLOAT and DOUBLE fast path (exact when it applies)', () => {
  const double = field(QueryType.FLOAT64);

  it.each([
    '123456789012345', // 15 digits: fast path
    '1234567890123456', // 16 digits: Number() decides
    '9007199254740993', // rounds to 2^53 + 2 or 2^53: Number() decides
    '0.1',
    '1.428571E+4',
    '1.5E+00',
    '1E+22', // the largest exact power of ten
    '1E+23',
    '1E-22',
    '1E-23',
    '1.2345678901234E-8',
    '.5',
    '5.',
    '+.5',
    '-.5E1',
    '5.E3',
    '00012',
    '0E+999',
    '-0E+00',
    '1E+0000000000000002',
    '4.9406564584124654E-324',
    '1.7976931348623157E+308',
    '3.4028235E+38',
    '1e',
    '1e+',
    'e5',
    '.',
    '-',
    '1.5.5',
    '1e5e5',
    '1E+400',
    '1E+22x',
  ])('%j', (text) => {
    const expected = referenceFloat(text);
    const actual = outcome(() => decodeCell(double, text));
    expect(actual).toEqual(expected);
    if (text === '-0E+00') expect(Object.is((actual as { value: number }).value, -0)).toBe(true);
  });

  it('agrees with Number() on formatted doubles', () => {
    const text = fc
      .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 3 }), fc.nat(20))
      .map(([x, style, digits]) =>
        style === 0
          ? x.toExponential(Math.min(digits, 16)).toUpperCase()
          : style === 1
            ? x.toPrecision(Math.max(1, digits))
            : style === 2
              ? String(x)
              : x.toExponential(Math.min(digits, 16)),
      );
    fc.assert(
      fc.property(text, (t) => {
        expect(outcome(() => decodeCell(double, t))).toEqual(referenceFloat(t));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('DECIMAL: canonical text fast path and rebuilding', () => {
  it.each<[string, number]>([
    ['123.45', 2],
    ['0.50', 2],
    ['-0.50', 2],
    ['-0.00', 2],
    ['-0', 0],
    ['0', 0],
    ['00.5', 1],
    ['-007', 0],
    ['10.5', 2],
    ['-12.345', 2],
    ['1', 3],
    ['+1.00', 2],
    ['.5', 1],
    ['1.', 0],
    ['-.', 0],
    ['--1', 0],
    ['1.2e3', 1],
    ['', 2],
  ])('%j (scale %i)', (text, scale) => {
    const column = field(QueryType.DECIMAL, { decimals: scale });
    expect(outcome(() => decodeCell(column, text))).toEqual(referenceDecimal(text, scale));
  });

  it('agrees with a string model of the normal form', () => {
    const text = fc
      .tuple(
        fc.constantFrom('', '', '-', '+'),
        fc.stringMatching(/^[0-9]{0,6}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,6}$/)),
      )
      .map(([sign, int, fraction]) => sign + int + (fraction === null ? '' : `.${fraction}`));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 8 }), (t, scale) => {
        const column = field(QueryType.DECIMAL, { decimals: scale });
        expect(outcome(() => decodeCell(column, t))).toEqual(referenceDecimal(t, scale));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DATETIME and DATE: plain values fast, the rest by the full rules', () => {
  const datetime = (fsp: number) => field(QueryType.DATETIME, { decimals: fsp });

  it.each<[string, number, RowDecoderOptions['zeroDate'], unknown]>([
    ['2024-02-29 23:59:59.999999', 6, 'fail', { value: '2024-02-29 23:59:59.999999' }],
    ['2000-02-29 00:00:00.000000', 6, 'fail', { value: '2000-02-29 00:00:00.000000' }],
    ['2024-12-31 00:00:00', 0, 'fail', { value: '2024-12-31 00:00:00' }],
    ['2024-12-31 00:00:00.5', 1, 'fail', { value: '2024-12-31 00:00:00.5' }],
    ['2024-12-31 00:00:00.5', 3, 'fail', { value: '2024-12-31 00:00:00.500' }],
    ['2024-12-31 00:00:00.123000', 3, 'fail', { value: '2024-12-31 00:00:00.123' }],
    ['2024-12-31 00:00:00', 6, 'fail', { value: '2024-12-31 00:00:00.000000' }],
    ['2023-02-29 12:00:00.000000', 6, 'keep', { value: '2023-02-29 12:00:00.000000' }],
    ['1900-02-29 12:00:00.000000', 6, 'null', { value: null }],
    ['2024-04-31 12:00:00', 0, 'keep', { value: '2024-04-31 12:00:00' }],
    ['0000-00-00 00:00:00', 0, 'keep', { value: '0000-00-00 00:00:00' }],
    ['0000-01-01 00:00:00', 0, 'null', { value: null }],
    [
      '2023-02-29 12:00:00.000000',
      6,
      'fail',
      { code: 'zero_date', reason: 'zero or impossible date (zeroDate policy is "fail")', column: 'c' },
    ],
    [
      '2024-12-31 00:00:00.1234',
      3,
      'fail',
      {
        code: 'invalid_value',
        reason: 'more fractional-second digits than the column precision 3',
        column: 'c',
      },
    ],
    [
      '2024-12-31 24:00:00',
      0,
      'fail',
      { code: 'invalid_value', reason: 'time of day out of range', column: 'c' },
    ],
    [
      '2024-13-01 00:00:00',
      0,
      'fail',
      { code: 'invalid_value', reason: 'month or day out of range', column: 'c' },
    ],
    [
      '2024-12-31T00:00:00',
      0,
      'fail',
      { code: 'invalid_value', reason: 'not a YYYY-MM-DD hh:mm:ss value', column: 'c' },
    ],
    [
      '2024-12-31 00:00:00.',
      0,
      'fail',
      { code: 'invalid_value', reason: 'malformed fractional seconds', column: 'c' },
    ],
    [
      '2024-12-31 00:00:00.12x456',
      6,
      'fail',
      { code: 'invalid_value', reason: 'malformed fractional seconds', column: 'c' },
    ],
  ])('%j datetime(%i), zeroDate %s', (text, fsp, zeroDate, expected) => {
    expect(outcome(() => decodeCell(datetime(fsp), text, { zeroDate }))).toEqual(expected);
  });

  it.each<[string, RowDecoderOptions['zeroDate'], unknown]>([
    ['2024-02-29', 'fail', { value: '2024-02-29' }],
    ['2023-02-29', 'keep', { value: '2023-02-29' }],
    ['0000-00-00', 'null', { value: null }],
    ['2024-00-10', 'keep', { value: '2024-00-10' }],
    ['2024-1x-10', 'keep', { code: 'invalid_value', reason: 'not a YYYY-MM-DD date', column: 'c' }],
  ])('DATE %j, zeroDate %s', (text, zeroDate, expected) => {
    expect(outcome(() => decodeCell(field(QueryType.DATE), text, { zeroDate }))).toEqual(expected);
  });
});

// A table whose ASCII rows are read as one string, and whose text cells are then slices of it. A one-column
// table never does that, so each column decoded on its own gives the general path's values to compare with.
const mixed: ColumnField[] = [
  field(QueryType.INT64, { name: 'id' }),
  field(QueryType.VARCHAR, { name: 'email', charset: UTF8MB4 }),
  field(QueryType.DECIMAL, { name: 'price', decimals: 2 }),
  field(QueryType.DATETIME, { name: 'at', decimals: 6 }),
  field(QueryType.DATE, { name: 'day' }),
  field(QueryType.ENUM, { name: 'status', charset: UTF8MB4, columnType: "enum('new','paid','é')" }),
  field(QueryType.FLOAT64, { name: 'score' }),
  field(QueryType.TEXT, { name: 'note', charset: UTF8MB4 }),
  field(QueryType.VARCHAR, { name: 'legacy', charset: LATIN1 }),
  field(QueryType.VARCHAR, { name: 'plain', charset: 11 }),
  field(QueryType.UINT64, { name: 'flags', flags: MySqlFlag.UNSIGNED_FLAG }),
  field(QueryType.JSON, { name: 'doc', charset: BINARY }),
  field(QueryType.VARBINARY, { name: 'raw' }),
];

function cellByCell(cells: Cell[], options: Partial<RowDecoderOptions>): unknown[] {
  return mixed.map((column, i) => {
    const single = compileRowDecoder([column], { table: 'ks.t', enumSetAsText: true, ...options });
    return outcome(() => single.decode(row(cells[i]!))[0]!);
  });
}

function wholeRow(cells: Cell[], options: Partial<RowDecoderOptions>): unknown[] {
  const decoder = compileRowDecoder(mixed, { table: 'ks.t', enumSetAsText: true, ...options });
  try {
    return decoder.decode(row(...cells)).map((value) => ({ value }));
  } catch (error) {
    if (!(error instanceof RowDecodeError)) throw error;
    // The row stops at its first bad cell; compare that cell's outcome.
    return [{ code: error.code, reason: error.reason, column: error.column }];
  }
}

function firstFailureOrAll(outcomes: unknown[]): unknown[] {
  const failed = outcomes.find((o) => (o as { code?: string }).code !== undefined) as
    { code: string; reason: string } | undefined;
  return failed === undefined ? outcomes : [failed];
}

const asciiCells: Cell[] = [
  '42',
  'user42@example.com',
  '123.45',
  '2024-05-01 12:34:56.000042',
  '2024-05-01',
  'paid',
  '1.428571E+4',
  'note for order 42 with some text',
  'plain',
  'ascii',
  '18446744073709551615',
  '{"sku":"A-42","big":12345678901234567890}',
  bytes(0x01, 0x02),
];

describe('rows read as one string', () => {
  it('give the values each cell gives on its own', () => {
    const decoded = wholeRow(asciiCells, {});
    expect(decoded).toEqual(cellByCell(asciiCells, {}));
    expect(decoded[11]).toEqual({ value: '{"sku":"A-42","big":12345678901234567890}' });
    expect(decoded[10]).toEqual({ value: 18446744073709551615n });
  });

  it.each<[string, number, Cell]>([
    ['a non-ASCII text cell', 1, 'zoë@example.com'],
    ['an emoji in a long text cell', 7, `${'x'.repeat(40)} 😀`],
    ['a non-ASCII JSON document', 11, '{"name":"Zoë"}'],
    ['a non-ASCII ENUM label', 5, 'é'],
    ['a latin1 cp1252 byte', 8, bytes(0x43, 0x80)],
    ['a binary cell with high bytes', 12, bytes(0xff, 0xfe)],
    ['a U+FFFD in the data', 7, bytes(0x61, 0xef, 0xbf, 0xbd)],
    ['an ENUM value that is no label', 5, 'pai'],
    ['an empty JSON cell', 11, ''],
    ['an empty text cell', 1, ''],
    ['a NULL', 3, null],
  ])('with %s', (_name, index, cell) => {
    const cells = asciiCells.slice();
    cells[index] = cell;
    expect(wholeRow(cells, {})).toEqual(cellByCell(cells, {}));
  });

  it.each<[string, number, Cell]>([
    ['invalid UTF-8 in a text cell', 1, bytes(0x61, 0xff, 0x62)],
    ['a truncated sequence in JSON', 11, bytes(0x7b, 0xe2, 0x82)],
    ['a high byte in an ascii column', 9, bytes(0x61, 0x80)],
  ])('with %s: fails by default, replaces under "replace"', (_name, index, cell) => {
    const cells = asciiCells.slice();
    cells[index] = cell;
    expect(wholeRow(cells, {})).toEqual(firstFailureOrAll(cellByCell(cells, {})));
    expect(wholeRow(cells, {})[0]).toMatchObject({ code: 'invalid_text', column: mixed[index]!.name });
    expect(wholeRow(cells, { invalidText: 'replace' })).toEqual(
      cellByCell(cells, { invalidText: 'replace' }),
    );
  });

  it('give the same values past the row-size limit, decoded cell by cell', () => {
    const cells = asciiCells.slice();
    cells[7] = 'n'.repeat(2000);
    expect(wholeRow(cells, {})).toEqual(cellByCell(cells, {}));
  });

  it('work on a plain Uint8Array view at an offset', () => {
    const decoder = compileRowDecoder(mixed, { table: 'ks.t', enumSetAsText: true });
    const raw = row(...asciiCells);
    const backing = new Uint8Array(raw.values.length + 7).fill(0xff);
    backing.set(raw.values, 3);
    const values = new Uint8Array(backing.buffer, 3, raw.values.length);
    expect(decoder.decode({ lengths: raw.lengths, values })).toEqual(decoder.decode(raw));
  });

  it('match decoding cell by cell for any mix of cells', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('', 'paid', 'new', 'é', '\uFFFD'),
    );
    const bad = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b));
    const cell = (i: number): fc.Arbitrary<Cell> => {
      const base = asciiCells[i]!;
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant(base) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: typeof base === 'string' ? text : bad },
        { weight: 1, arbitrary: bad },
      );
    };
    fc.assert(
      fc.property(fc.tuple(...mixed.map((_c, i) => cell(i))), fc.boolean(), (cells, replace) => {
        const options: Partial<RowDecoderOptions> = replace
          ? { invalidText: 'replace', zeroDate: 'keep' }
          : {};
        expect(wholeRow(cells, options)).toEqual(firstFailureOrAll(cellByCell(cells, options)));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('tables wider than a generated decoder takes', () => {
  // 13 x 12 = 156 columns: RowDecoder's own loop, which must agree with decoding cell by cell too.
  const wide = Array.from({ length: 12 }, (_v, copy) =>
    mixed.map((column, i) => ({ ...column, name: `${column.name}_${copy}_${i}` })),
  ).flat();
  const wideCells = (cells: Cell[]) => Array.from({ length: 12 }, () => cells).flat();

  function wideRow(cells: Cell[], options: Partial<RowDecoderOptions>): unknown[] {
    const decoder = compileRowDecoder(wide, { table: 'ks.t', enumSetAsText: true, ...options });
    try {
      return decoder.decode(row(...wideCells(cells))).map((value) => ({ value }));
    } catch (error) {
      if (!(error instanceof RowDecodeError)) throw error;
      return [{ code: error.code, reason: error.reason, column: error.column, index: error.columnIndex }];
    }
  }

  it('decode an ASCII row like the generated decoder does', () => {
    expect(wideRow(asciiCells, {})).toEqual(
      Array.from({ length: 12 }, () => wholeRow(asciiCells, {})).flat(),
    );
  });

  it('match decoding cell by cell, errors included', () => {
    const cells = asciiCells.slice();
    cells[1] = 'zoë';
    cells[7] = bytes(0x61, 0xff);
    const expected = cellByCell(cells, { invalidText: 'replace' });
    expect(wideRow(cells, { invalidText: 'replace' })).toEqual(
      Array.from({ length: 12 }, () => expected).flat(),
    );
    expect(wideRow(cells, {})).toEqual([
      { code: 'invalid_text', reason: 'bytes are not valid utf8mb4 text', column: 'note_0_7', index: 7 },
    ]);
  });

  it('report the column of a bad cell length', () => {
    const decoder = compileRowDecoder(wide, { table: 'ks.t', enumSetAsText: true });
    const raw = row(...wideCells(asciiCells));
    const lengths = raw.lengths.slice();
    lengths[140] = raw.values.length;
    const error = (() => {
      try {
        decoder.decode({ lengths, values: raw.values });
      } catch (e) {
        return e as RowDecodeError;
      }
      throw new Error('expected a RowDecodeError');
    })();
    expect([error.code, error.columnIndex]).toEqual(['row_length_mismatch', 140]);
  });
});

describe('ENUM labels matched by their bytes', () => {
  const enumColumn = (charset: number, columnType = "enum('new','paid','shipped','é')") =>
    field(QueryType.ENUM, { name: 'e', charset, columnType });

  it.each<[string, Cell, string]>([
    ['a label', 'paid', 'paid'],
    ['another length', 'shipped', 'shipped'],
    ['a prefix of a label', 'pai', 'pai'],
    ['a non-label of a label length', 'paix', 'paix'],
    ['a non-ASCII label', 'é', 'é'],
    ['the empty invalid member', '', ''],
  ])('%s', (_name, cell, expected) => {
    expect(decodeCell(enumColumn(UTF8MB4), cell)).toBe(expected);
    expect(
      decodeCell(enumColumn(LATIN1), typeof cell === 'string' ? Buffer.from(cell, 'latin1') : cell),
    ).toBe(expected);
  });

  it('decodes enums with many members as text', () => {
    const labels = Array.from({ length: 100 }, (_v, i) => `v${i}`);
    const column = enumColumn(UTF8MB4, `enum(${labels.map((l) => `'${l}'`).join(',')})`);
    expect(decodeCell(column, 'v99')).toBe('v99');
    expect(decodeCell(column, 'zz')).toBe('zz');
  });

  it('still refuses an unsupported charset, even for bytes of a label', () => {
    const error = outcome(() => decodeCell(enumColumn(13), 'paid'));
    expect(error).toMatchObject({ code: 'unsupported_charset' });
  });

  it('still applies the invalid-text policy', () => {
    expect(outcome(() => decodeCell(enumColumn(UTF8MB4), bytes(0xff)))).toMatchObject({
      code: 'invalid_text',
    });
    expect(decodeCell(enumColumn(UTF8MB4), bytes(0xff), { invalidText: 'replace' })).toBe('\uFFFD');
  });
});

describe('text at the short-string boundary', () => {
  const varchar = (charset: number) => field(QueryType.VARCHAR, { charset });

  it.each([0, 1, 31, 32, 33, 48, 49, 200])('%i ASCII characters', (length) => {
    const text = Array.from({ length }, (_v, i) => String.fromCharCode(0x20 + (i % 95))).join('');
    for (const charset of [UTF8MB4, LATIN1, 11, 51]) expect(decodeCell(varchar(charset), text)).toBe(text);
  });

  it.each([31, 32, 33])('%i bytes ending in a two-byte character', (length) => {
    const text = `${'a'.repeat(length - 2)}é`;
    expect(decodeCell(varchar(UTF8MB4), text)).toBe(text);
    const truncated = Buffer.from(text, 'utf8').subarray(0, length - 1);
    expect(outcome(() => decodeCell(varchar(UTF8MB4), truncated))).toMatchObject({ code: 'invalid_text' });
    expect(decodeCell(varchar(UTF8MB4), truncated, { invalidText: 'replace' })).toBe(
      `${'a'.repeat(length - 2)}\uFFFD`,
    );
  });

  it('keeps a U+FFFD that is in the data under the "fail" policy', () => {
    expect(decodeCell(varchar(UTF8MB4), bytes(0xef, 0xbf, 0xbd))).toBe('\uFFFD');
    expect(decodeCell(varchar(UTF8MB4), Buffer.from(`${'x'.repeat(40)}\uFFFD`, 'utf8'))).toBe(
      `${'x'.repeat(40)}\uFFFD`,
    );
  });
});
