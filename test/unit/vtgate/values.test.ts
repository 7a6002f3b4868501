// Pins cell encodings: the running phase as Vitess's binlog decoder prints values, the copy phase as
// MySQL does, and the normalisation of caller input (strict-mode errors included).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseColumnType } from '../../../src/devtools/vtgate/column-types.js';
import { formatBinlogDecimal, normalizeDecimal } from '../../../src/devtools/vtgate/decimal.js';
import { formatGoExponent, formatMysqlFloat } from '../../../src/devtools/vtgate/float-format.js';
import { encodeBinlogCell, encodeCopyCell, normalizeCell } from '../../../src/devtools/vtgate/values.js';

const v20 = { enumSetAsText: true, decimalQuirks: true };
const legacy = { enumSetAsText: false, decimalQuirks: true };

function both(type: string, input: unknown, options = v20): [string | null, string | null] {
  const col = parseColumnType(type);
  const cell = normalizeCell(col, input, 'c');
  const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
  return [text(encodeBinlogCell(col, cell, options)), text(encodeCopyCell(col, cell))];
}

describe('FLOAT and DOUBLE', () => {
  it('prints Go exponent form when streaming and MySQL text when copying', () => {
    expect(both('double', 1.5)).toEqual(['1.5E+00', '1.5']);
    expect(both('double', 100)).toEqual(['1E+02', '100']);
    expect(both('double', 0)).toEqual(['0E+00', '0']);
    expect(both('double', -0.00012)).toEqual(['-1.2E-04', '-0.00012']);
    expect(both('double', 1e20)).toEqual(['1E+20', '1e20']);
    expect(both('double', 1 / 3)).toEqual(['3.333333333333333E-01', '0.3333333333333333']);
    // FLOAT keeps float32 precision and its own shortest digits
    expect(both('float', 0.1)).toEqual(['1E-01', '0.1']);
    expect(both('float', 1 / 3)).toEqual(['3.3333334E-01', '0.33333334']);
    expect(formatGoExponent(1e100, 64)).toBe('1E+100');
  });

  it('round-trips every double and float through the streamed text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(formatGoExponent(x, 64))).toBe(x);
        expect(Number(formatMysqlFloat(x, 64))).toBe(x);
      }),
    );
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Math.fround(Number(formatGoExponent(x, 32)))).toBe(x);
      }),
    );
  });
});

describe('DECIMAL', () => {
  it('reproduces the binlog decoder text, quirks included', () => {
    expect(both('decimal(10,2)', '0.5')).toEqual(['.50', '0.50']);
    expect(both('decimal(10,2)', -0.5)).toEqual(['-.50', '-0.50']);
    expect(both('decimal(10,2)', '1234.5')).toEqual(['1234.50', '1234.50']);
    expect(both('decimal(10,0)', 5)).toEqual(['000000005', '5']);
    expect(both('decimal(18,9)', '1.5')).toEqual(['000000001.500000000', '1.500000000']);
    expect(both('decimal(20,2)', 5)).toEqual(['5.00', '5.00']);
    expect(both('decimal(5,0)', 0)).toEqual(['0', '0']);
    expect(formatBinlogDecimal('0.50', 10, 2, false)).toBe('0.50');
  });

  it('rounds half away from zero and refuses values that do not fit', () => {
    expect(normalizeDecimal('1.005', 10, 2, false, 'c')).toBe('1.01');
    expect(normalizeDecimal('-1.005', 10, 2, false, 'c')).toBe('-1.01');
    expect(normalizeDecimal('1.5e2', 10, 2, false, 'c')).toBe('150.00');
    expect(normalizeDecimal(-0.001, 10, 2, false, 'c')).toBe('0.00');
    expect(() => normalizeDecimal('12345678.9', 8, 2, false, 'c')).toThrow(/Out of range/);
    expect(() => normalizeDecimal('-1', 8, 2, true, 'c')).toThrow(/Out of range/);
    expect(() => normalizeDecimal('abc', 8, 2, false, 'c')).toThrow(/Incorrect decimal/);
  });

  it('keeps any decimal string exact', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 17n) + 1n, max: 10n ** 17n - 1n }), (n) => {
        const s =
          (n < 0n ? '-' : '') +
          (n < 0n ? -n : n)
            .toString()
            .padStart(5, '0')
            .replace(/(\d{4})$/, '.$1');
        const text = normalizeDecimal(s, 20, 4, false, 'c');
        expect(BigInt(text.replace('.', ''))).toBe(n);
      }),
    );
  });
});

describe('temporal types', () => {
  it('prints exactly fsp fraction digits, rounding like MySQL', () => {
    expect(both('datetime(3)', '2024-01-02 03:04:05.6789')).toEqual([
      '2024-01-02 03:04:05.679',
      '2024-01-02 03:04:05.679',
    ]);
    expect(both('datetime', '2024-12-31 23:59:59.5')[1]).toBe('2025-01-01 00:00:00');
    expect(both('datetime(6)', '2024-01-02T03:04:05Z')[1]).toBe('2024-01-02 03:04:05.000000');
    expect(both('timestamp(2)', new Date(Date.UTC(2023, 6, 1, 12, 0, 0, 120)))[1]).toBe(
      '2023-07-01 12:00:00.12',
    );
    expect(both('timestamp', '2024-01-02 03:04:05+02:00')[1]).toBe('2024-01-02 01:04:05');
    expect(both('datetime', '0000-00-00 00:00:00')[1]).toBe('0000-00-00 00:00:00');
    expect(both('date', '2024-2-9')[1]).toBe('2024-02-09');
    expect(both('time(1)', '-838:59:59.04')[1]).toBe('-838:59:59.0');
    expect(both('time', 3600 * 30 + 61)[1]).toBe('30:01:01');
    expect(both('year', 24)[1]).toBe('2024');
    expect(() => both('timestamp', '1969-12-31 00:00:00')).toThrow(/Incorrect timestamp/);
    expect(() => both('date', '2023-02-30')).toThrow(/Incorrect date/);
    expect(() => both('time', '839:00:00')).toThrow(/Out of range/);
  });
});

describe('ENUM, SET and other strings', () => {
  it('streams member text (v20+) or indexes and bitmasks (legacy); copy is always text', () => {
    expect(both("enum('a','b','c')", 'b')).toEqual(['b', 'b']);
    expect(both("enum('a','b','c')", 'B', legacy)).toEqual(['2', 'b']);
    expect(both("set('x','y','z')", ['z', 'x'])).toEqual(['x,z', 'x,z']);
    expect(both("set('x','y','z')", 'x,z', legacy)).toEqual(['5', 'x,z']);
    expect(both("set('x','y','z')", '')).toEqual(['', '']);
    expect(() => both("enum('a')", 'q')).toThrow(/Data truncated/);
  });

  it('pads BINARY, trims CHAR, keeps BIT big-endian and checks lengths', () => {
    const col = parseColumnType('binary(4)');
    expect(encodeCopyCell(col, normalizeCell(col, 'ab', 'c'))).toEqual(Buffer.from([0x61, 0x62, 0, 0]));
    expect(both('char(5)', 'ab  ')).toEqual(['ab', 'ab']);
    const bit = parseColumnType('bit(10)');
    expect(encodeCopyCell(bit, normalizeCell(bit, 0x201, 'c'))).toEqual(Buffer.from([0x02, 0x01]));
    expect(() => both('varchar(3)', 'abcd')).toThrow(/Data too long/);
    expect(both('varchar(3)', 'äöü')).toEqual(['äöü', 'äöü']);
    expect(() => both('tinyint', 128)).toThrow(/Out of range/);
    expect(both('tinyint unsigned', 255)).toEqual(['255', '255']);
    expect(both('bigint unsigned', 18446744073709551615n)).toEqual([
      '18446744073709551615',
      '18446744073709551615',
    ]);
  });

  it('prints JSON like MySQL: spaced separators, keys by length then bytes', () => {
    expect(both('json', { bb: [1, 2], a: 'x"y', c: null })).toEqual([
      '{"a": "x\\"y", "c": null, "bb": [1, 2]}',
      '{"a": "x\\"y", "c": null, "bb": [1, 2]}',
    ]);
    expect(both('json', '"text"')).toEqual(['"text"', '"text"']);
    expect(() => both('json', '{nope')).toThrow(/Invalid JSON/);
  });
});
