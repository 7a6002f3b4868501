import { describe, expect, it } from 'vitest';
import { RowDecodeError } from '../../../src/vstream/decode/index.js';
import { decodeCell, field, QueryType } from './decode-fixtures.js';
import type { Cell } from './decode-fixtures.js';

function failure(run: () => unknown): RowDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RowDecodeError) return error;
    throw error;
  }
  throw new Error('expected a RowDecodeError');
}

describe('integers up to 32 bits decode to number', () => {
  it.each<[string, number, string, number]>([
    ['INT8', QueryType.INT8, '-128', -128],
    ['INT8', QueryType.INT8, '127', 127],
    ['INT8', QueryType.INT8, '0', 0],
    ['INT8', QueryType.INT8, '-0', 0],
    ['INT8', QueryType.INT8, '007', 7],
    ['UINT8', QueryType.UINT8, '0', 0],
    ['UINT8', QueryType.UINT8, '255', 255],
    ['INT16', QueryType.INT16, '-32768', -32768],
    ['INT16', QueryType.INT16, '32767', 32767],
    ['UINT16', QueryType.UINT16, '65535', 65535],
    ['INT24', QueryType.INT24, '-8388608', -8388608],
    ['INT24', QueryType.INT24, '8388607', 8388607],
    ['UINT24', QueryType.UINT24, '16777215', 16777215],
    ['INT32', QueryType.INT32, '-2147483648', -2147483648],
    ['INT32', QueryType.INT32, '2147483647', 2147483647],
    ['UINT32', QueryType.UINT32, '4294967295', 4294967295],
    ['UINT32', QueryType.UINT32, '0000000042', 42],
  ])('%s %s', (_name, type, text, expected) => {
    const value = decodeCell(field(type), text);
    expect(value).toBe(expected);
    expect(Object.is(value, -0)).toBe(false);
  });

  it.each<[string, number, string]>([
    ['INT8 above max', QueryType.INT8, '128'],
    ['INT8 below min', QueryType.INT8, '-129'],
    ['UINT8 above max', QueryType.UINT8, '256'],
    ['UINT8 negative', QueryType.UINT8, '-1'],
    ['INT16 above max', QueryType.INT16, '32768'],
    ['UINT16 above max', QueryType.UINT16, '65536'],
    ['INT24 below min', QueryType.INT24, '-8388609'],
    ['UINT24 above max', QueryType.UINT24, '16777216'],
    ['INT32 below min', QueryType.INT32, '-2147483649'],
    ['UINT32 above max', QueryType.UINT32, '4294967296'],
    ['empty', QueryType.INT32, ''],
    ['lone minus', QueryType.INT32, '-'],
    ['letters', QueryType.INT32, '12a'],
    ['decimal point', QueryType.INT32, '1.0'],
    ['leading space', QueryType.INT32, ' 1'],
    ['plus sign', QueryType.INT32, '+1'],
  ])('refuses %s', (_name, type, text) => {
    const error = failure(() => decodeCell(field(type, { name: 'n', columnType: 'int' }), text));
    expect(error.code).toBe('invalid_value');
    expect(error.column).toBe('n');
    expect(error.table).toBe('ks.t');
    expect(error.mysqlType).toBe('int');
  });
});

describe('64-bit integers always decode to bigint', () => {
  it.each<[string, number, string, bigint]>([
    ['INT64 min', QueryType.INT64, '-9223372036854775808', -9223372036854775808n],
    ['INT64 max', QueryType.INT64, '9223372036854775807', 9223372036854775807n],
    ['INT64 zero', QueryType.INT64, '0', 0n],
    ['INT64 small', QueryType.INT64, '42', 42n],
    ['INT64 minus one', QueryType.INT64, '-1', -1n],
    ['INT64 15 digits', QueryType.INT64, '-999999999999999', -999999999999999n],
    ['INT64 16 digits', QueryType.INT64, '9007199254740993', 9007199254740993n],
    ['INT64 zerofill', QueryType.INT64, '00000000000000000042', 42n],
    ['UINT64 max', QueryType.UINT64, '18446744073709551615', 18446744073709551615n],
    ['UINT64 zero', QueryType.UINT64, '0', 0n],
    ['UINT64 above INT64 max', QueryType.UINT64, '9223372036854775808', 9223372036854775808n],
  ])('%s', (_name, type, text, expected) => {
    expect(decodeCell(field(type), text)).toBe(expected);
  });

  it.each<[string, number, string]>([
    ['INT64 above max', QueryType.INT64, '9223372036854775808'],
    ['INT64 below min', QueryType.INT64, '-9223372036854775809'],
    ['UINT64 above max', QueryType.UINT64, '18446744073709551616'],
    ['UINT64 negative', QueryType.UINT64, '-1'],
    ['UINT64 negative zero', QueryType.UINT64, '-0'],
    ['INT64 empty', QueryType.INT64, ''],
    ['INT64 letters', QueryType.INT64, '12345678901234567x'],
  ])('refuses %s', (_name, type, text) => {
    expect(failure(() => decodeCell(field(type), text)).code).toBe('invalid_value');
  });
});

describe('YEAR decodes to number', () => {
  it.each<[string, number]>([
    ['0000', 0],
    ['0', 0],
    ['1901', 1901],
    ['2024', 2024],
    ['2155', 2155],
  ])('%s', (text, expected) => {
    expect(decodeCell(field(QueryType.YEAR), text)).toBe(expected);
  });

  it.each(['1900', '2156', '', '20x4', '02024'])('refuses %j', (text) => {
    expect(failure(() => decodeCell(field(QueryType.YEAR), text)).code).toBe('invalid_value');
  });
});

describe('DECIMAL decodes to exact normalised text', () => {
  it.each<[string, number, string]>([
    ['.5', 1, '0.5'],
    ['-.50', 2, '-0.50'],
    ['.00', 2, '0.00'],
    ['0.000', 3, '0.000'],
    ['-0.00', 2, '0.00'],
    ['123456789012345678901234567890.123456789', 9, '123456789012345678901234567890.123456789'],
    [
      '-99999999999999999999999999999999999.999999999999999999999999999999',
      30,
      '-99999999999999999999999999999999999.999999999999999999999999999999',
    ],
    ['000000001.500000000', 9, '1.500000000'],
    ['.500000000', 9, '0.500000000'],
    ['000000001', 0, '1'],
    ['-000000012', 0, '-12'],
    ['0', 0, '0'],
    ['-0', 0, '0'],
    ['1.5', 3, '1.500'],
    ['7', 2, '7.00'],
    ['12.345', 2, '12.345'],
    ['+1.20', 2, '1.20'],
    ['0000012.50', 2, '12.50'],
    ['10.01', 2, '10.01'],
  ])('%j (scale %i)', (text, scale, expected) => {
    const column = field(QueryType.DECIMAL, { decimals: scale, columnType: `decimal(65,${scale})` });
    expect(decodeCell(column, text)).toBe(expected);
  });

  it.each(['', '.', '-', '-.', '1.', '1e5', '1.2.3', ' 1', '1 ', '0x10', '1,5'])('refuses %j', (text) => {
    const error = failure(() => decodeCell(field(QueryType.DECIMAL, { decimals: 2 }), text));
    expect(error.code).toBe('invalid_value');
    expect(error.mysqlType).toBe('DECIMAL');
  });
});

describe('FLOAT and DOUBLE decode to number', () => {
  it.each<[string, number, string, number]>([
    ['FLOAT64', QueryType.FLOAT64, '1.5E+00', 1.5],
    ['FLOAT64', QueryType.FLOAT64, '-1E-10', -1e-10],
    ['FLOAT64', QueryType.FLOAT64, '0E+00', 0],
    ['FLOAT64', QueryType.FLOAT64, '1E+02', 100],
    ['FLOAT64', QueryType.FLOAT64, '1.7976931348623157E+308', 1.7976931348623157e308],
    ['FLOAT64', QueryType.FLOAT64, '5E-324', 5e-324],
    ['FLOAT64', QueryType.FLOAT64, '1.5', 1.5],
    ['FLOAT64', QueryType.FLOAT64, '-1e-10', -1e-10],
    ['FLOAT64', QueryType.FLOAT64, '123456789', 123456789],
    ['FLOAT32', QueryType.FLOAT32, '3.4028235E+38', 3.4028235e38],
    ['FLOAT32', QueryType.FLOAT32, '1E-01', 0.1],
    ['FLOAT32', QueryType.FLOAT32, '0.1', 0.1],
  ])('%s %s', (_name, type, text, expected) => {
    expect(decodeCell(field(type), text)).toBe(expected);
  });

  it('keeps negative zero', () => {
    expect(Object.is(decodeCell(field(QueryType.FLOAT64), '-0E+00'), -0)).toBe(true);
  });

  it.each(['', 'NaN', 'Infinity', '-Infinity', '1E+400', '0x10', ' 1', '1_0', '.', 'E', '1e'])(
    'refuses %j',
    (text) => {
      expect(failure(() => decodeCell(field(QueryType.FLOAT64), text)).code).toBe('invalid_value');
    },
  );
});

describe('BIT(n) decodes to a string of n bits', () => {
  it.each<[string, Cell, string]>([
    ['bit(1)', Buffer.from([0x01]), '1'],
    ['bit(1)', Buffer.from([0x00]), '0'],
    ['bit(3)', Buffer.from([0x05]), '101'],
    ['bit(8)', Buffer.from([0x80]), '10000000'],
    ['bit(10)', Buffer.from([0x02, 0x01]), '1000000001'],
    ['bit(10)', Buffer.from([0x01]), '0000000001'],
    [
      'bit(64)',
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      '1111111111111111111111111111111111111111111111111111111111111111',
    ],
    [
      'bit(64)',
      Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0x01]),
      '1000000000000000000000000000000000000000000000000000000000000001',
    ],
    [
      'bit(64)',
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]),
      '0000000000000000000000000000000000000000000000000000000000000000',
    ],
  ])('%s %o', (columnType, cell, expected) => {
    expect(decodeCell(field(QueryType.BIT, { columnType }), cell)).toBe(expected);
  });

  it('falls back to the column length for the width', () => {
    expect(decodeCell(field(QueryType.BIT, { columnLength: 4 }), Buffer.from([0x09]))).toBe('1001');
  });

  it('refuses a value wider than the column', () => {
    const error = failure(() =>
      decodeCell(field(QueryType.BIT, { columnType: 'bit(3)' }), Buffer.from([0x08])),
    );
    expect(error.code).toBe('invalid_value');
    expect(error.reason).toBe('value wider than BIT(3)');
  });
});
