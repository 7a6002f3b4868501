import { describe, expect, it } from 'vitest';
import {
  assertCompleteRowImage,
  compileRowDecoder,
  RowDecodeError,
  RowDecoder,
} from '../../../src/vstream/decode/index.js';
import type { ColumnField, RowChangeImageInfo } from '../../../src/vstream/decode/index.js';
import { BINARY, field, QueryType, row, UTF8MB4 } from './decode-fixtures.js';

function failure(run: () => unknown): RowDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RowDecodeError) return error;
    throw error;
  }
  throw new Error('expected a RowDecodeError');
}

const orders: ColumnField[] = [
  field(QueryType.INT64, { name: 'id', columnType: 'bigint', flags: 49667 }),
  field(QueryType.VARCHAR, { name: 'name', charset: UTF8MB4, columnType: 'varchar(64)' }),
  field(QueryType.TEXT, { name: 'note', charset: UTF8MB4, columnType: 'text' }),
  field(QueryType.DECIMAL, { name: 'price', decimals: 2, columnType: 'decimal(10,2)' }),
  field(QueryType.BLOB, { name: 'payload', charset: BINARY, columnType: 'blob' }),
  field(QueryType.DATETIME, { name: 'created', decimals: 6, columnType: 'datetime(6)' }),
  field(QueryType.SET, { name: 'tags', charset: UTF8MB4, columnType: "set('a','b')" }),
  field(QueryType.JSON, { name: 'doc', charset: BINARY, columnType: 'json' }),
];

describe('RowDecoder', () => {
  const decoder = compileRowDecoder(orders, { table: 'commerce.orders', enumSetAsText: true });

  it('exposes the columns it was compiled for', () => {
    expect(decoder).toBeInstanceOf(RowDecoder);
    expect(decoder.table).toBe('commerce.orders');
    expect(decoder.columnCount).toBe(8);
    expect(decoder.columnNames).toEqual(['id', 'name', 'note', 'price', 'payload', 'created', 'tags', 'doc']);
  });

  it('walks NULLs (-1) and empty values (0) mixed with real values', () => {
    const raw = row('7', '', null, '.50', '', '2024-01-02 03:04:05.123456', '', null);
    expect(raw.lengths).toEqual([1, 0, -1, 3, 0, 26, 0, -1]);
    expect(decoder.decode(raw)).toEqual([
      7n,
      '',
      null,
      '0.50',
      Buffer.alloc(0),
      '2024-01-02 03:04:05.123456',
      [],
      null,
    ]);
  });

  it('decodes an all-NULL row', () => {
    expect(decoder.decode(row(null, null, null, null, null, null, null, null))).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('decodes a full row and is reusable', () => {
    const first = row(
      '1',
      'Zoë',
      'first',
      '-1.25',
      Buffer.from([0, 1]),
      '2024-12-31 23:59:59.000001',
      'a,b',
      '{}',
    );
    const second = row('2', 'Ann', null, '10.00', null, '2025-01-01 00:00:00.000000', 'b', '[1]');
    expect(decoder.decode(first)).toEqual([
      1n,
      'Zoë',
      'first',
      '-1.25',
      Buffer.from([0, 1]),
      '2024-12-31 23:59:59.000001',
      ['a', 'b'],
      '{}',
    ]);
    expect(decoder.decode(second)).toEqual([
      2n,
      'Ann',
      null,
      '10.00',
      null,
      '2025-01-01 00:00:00.000000',
      ['b'],
      '[1]',
    ]);
  });

  it('accepts Long lengths and a plain Uint8Array view with an offset', () => {
    const raw = row('9', 'x', null, '1.00', null, null, null, null);
    const backing = new Uint8Array(raw.values.length + 5);
    backing.set(raw.values, 5);
    const lengths = raw.lengths.map((length) => ({
      low: length,
      high: length < 0 ? -1 : 0,
      unsigned: false,
    }));
    const values = new Uint8Array(backing.buffer, 5, raw.values.length);
    expect(decoder.decode({ lengths, values })).toEqual([9n, 'x', null, '1.00', null, null, null, null]);
  });

  it('refuses a row whose cell count differs from the FIELD columns', () => {
    const error = failure(() => decoder.decode(row('1', 'x')));
    expect(error.code).toBe('column_count_mismatch');
    expect(error.table).toBe('commerce.orders');
    expect(error.column).toBeUndefined();
    expect(error.message).toBe(
      'cannot decode VStream row (table commerce.orders): ' +
        'row has 2 cells but the FIELD event lists 8 columns [column_count_mismatch]',
    );
  });

  it('refuses lengths that run past the values', () => {
    const raw = row('1', 'x', null, null, null, null, null, null);
    const error = failure(() =>
      decoder.decode({ lengths: [1, 5, -1, -1, -1, -1, -1, -1], values: raw.values }),
    );
    expect(error.code).toBe('row_length_mismatch');
    expect(error.column).toBe('name');
    expect(error.columnIndex).toBe(1);
  });

  it('refuses bytes left over after the last cell', () => {
    const raw = row('1', 'x', null, null, null, null, null, null);
    const error = failure(() =>
      decoder.decode({ lengths: raw.lengths, values: Buffer.concat([raw.values, raw.values]) }),
    );
    expect(error.code).toBe('row_length_mismatch');
    expect(error.reason).toBe("cell lengths cover 2 of the row's 4 bytes");
  });

  it('refuses a negative length other than -1', () => {
    const error = failure(() =>
      decoder.decode({ lengths: [-2, -1, -1, -1, -1, -1, -1, -1], values: Buffer.alloc(0) }),
    );
    expect(error.code).toBe('row_length_mismatch');
    expect(error.column).toBe('id');
  });

  it('names table, column, position and SQL type in value errors', () => {
    const error = failure(() => decoder.decode(row('1', 'x', null, '1,5', null, null, null, null)));
    expect(error).toBeInstanceOf(RowDecodeError);
    expect(error.name).toBe('RowDecodeError');
    expect(error.code).toBe('invalid_value');
    expect(error.table).toBe('commerce.orders');
    expect(error.column).toBe('price');
    expect(error.columnIndex).toBe(3);
    expect(error.mysqlType).toBe('decimal(10,2)');
    expect(error.reason).toBe('not a decimal number');
    expect(error.message).toBe(
      'cannot decode VStream row (table commerce.orders, column price #3 decimal(10,2)): ' +
        'not a decimal number [invalid_value]',
    );
  });

  it('fails on the first non-NULL cell of a column type it does not handle', () => {
    const odd = compileRowDecoder(
      [field(QueryType.RAW, { name: 'r' }), field(QueryType.HEXNUM, { name: 'h' })],
      {
        enumSetAsText: true,
      },
    );
    expect(odd.decode(row(null, null))).toEqual([null, null]);
    const error = failure(() => odd.decode(row('x', null)));
    expect(error.code).toBe('unsupported_type');
    expect(error.reason).toBe('query.Type RAW is not a table column type');
    expect(error.mysqlType).toBe('RAW');
  });

  it('decodes a table with no columns', () => {
    expect(compileRowDecoder([], { enumSetAsText: true }).decode(row())).toEqual([]);
  });
});

describe('assertCompleteRowImage', () => {
  const columns = [{ name: 'id' }, { name: 'body' }, { name: 'doc' }];
  const bitmap = (count: number, ...cols: number[]) => ({ count, cols: Uint8Array.from(cols) });

  it.each<[string, RowChangeImageInfo]>([
    ['no bitmaps', {}],
    ['null bitmaps', { dataColumns: null, jsonPartialValues: null }],
    ['every data column present', { dataColumns: bitmap(3, 0b111) }],
    [
      'Long count',
      { dataColumns: { count: { low: 3, high: 0, unsigned: false }, cols: Uint8Array.from([0b111]) } },
    ],
    ['bigint count', { dataColumns: { count: 3n, cols: Uint8Array.from([0b111]) } }],
    ['no JSON partial bits', { jsonPartialValues: bitmap(3, 0) }],
    ['empty JSON partial bitmap', { jsonPartialValues: { count: 0, cols: new Uint8Array(0) } }],
  ])('accepts %s', (_name, change) => {
    expect(() => assertCompleteRowImage(change, columns, 'ks.t')).not.toThrow();
  });

  it.each<[string, RowChangeImageInfo, string, number, string]>([
    ['a clear data bit', { dataColumns: bitmap(3, 0b101) }, 'body', 1, 'binlog_row_image'],
    ['a bitmap shorter than the table', { dataColumns: bitmap(2, 0b11) }, 'doc', 2, 'binlog_row_image'],
    ['missing cols bytes', { dataColumns: { count: 3, cols: null } }, 'id', 0, 'binlog_row_image'],
    ['a JSON partial bit', { jsonPartialValues: bitmap(3, 0b100) }, 'doc', 2, 'PARTIAL_JSON'],
    [
      'a JSON partial bit despite count 0',
      { jsonPartialValues: bitmap(0, 0b010) },
      'body',
      1,
      'PARTIAL_JSON',
    ],
  ])('refuses %s', (_name, change, column, columnIndex, hint) => {
    const error = failure(() => assertCompleteRowImage(change, columns, 'ks.t'));
    expect(error.code).toBe('partial_row_image');
    expect(error.table).toBe('ks.t');
    expect(error.column).toBe(column);
    expect(error.columnIndex).toBe(columnIndex);
    expect(error.reason).toContain(hint);
  });

  it('reads bits LSB-first across bytes', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ name: `c${i}` }));
    expect(() => assertCompleteRowImage({ dataColumns: bitmap(10, 0xff, 0x03) }, ten)).not.toThrow();
    const error = failure(() => assertCompleteRowImage({ dataColumns: bitmap(10, 0xff, 0x01) }, ten));
    expect(error.column).toBe('c9');
    expect(error.message).toBe(
      'cannot decode VStream row (column c9 #9): ' +
        'column missing from a partial row image (source binlog_row_image is not FULL) [partial_row_image]',
    );
  });

  it('is available on a RowDecoder for its own columns', () => {
    const decoder = compileRowDecoder(
      [field(QueryType.INT32, { name: 'id' }), field(QueryType.JSON, { name: 'doc' })],
      { table: 'ks.docs', enumSetAsText: true },
    );
    expect(() => decoder.assertCompleteImage({ dataColumns: bitmap(2, 0b11) })).not.toThrow();
    const error = failure(() => decoder.assertCompleteImage({ jsonPartialValues: bitmap(2, 0b10) }));
    expect(error.table).toBe('ks.docs');
    expect(error.column).toBe('doc');
  });
});
