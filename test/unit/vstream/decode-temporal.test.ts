import { describe, expect, it } from 'vitest';
import { RowDecodeError } from '../../../src/vstream/decode/index.js';
import type { ZeroDatePolicy } from '../../../src/vstream/decode/index.js';
import { decodeCell, field, QueryType } from './decode-fixtures.js';

function failure(run: () => unknown): RowDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RowDecodeError) return error;
    throw error;
  }
  throw new Error('expected a RowDecodeError');
}

const date = field(QueryType.DATE, { name: 'd', columnType: 'date' });
const datetime = (fsp: number) =>
  field(QueryType.DATETIME, { name: 'dt', decimals: fsp, columnType: fsp ? `datetime(${fsp})` : 'datetime' });
const timestamp = (fsp: number) =>
  field(QueryType.TIMESTAMP, {
    name: 'ts',
    decimals: fsp,
    columnType: fsp ? `timestamp(${fsp})` : 'timestamp',
  });
const time = (fsp: number) =>
  field(QueryType.TIME, { name: 'tm', decimals: fsp, columnType: fsp ? `time(${fsp})` : 'time' });

describe('DATE', () => {
  it.each(['2024-01-02', '1000-01-01', '9999-12-31', '2024-02-29', '2000-02-29', '0001-01-01'])(
    '%s',
    (text) => {
      expect(decodeCell(date, text)).toBe(text);
    },
  );

  it.each([
    '2024-13-01',
    '2024-01-32',
    '2024/01/02',
    '2024-1-2',
    '20240102',
    '2024-01-02 ',
    '',
    'abcd-ef-gh',
  ])('refuses malformed %j', (text) => {
    expect(failure(() => decodeCell(date, text)).code).toBe('invalid_value');
  });
});

describe('zero and impossible dates follow the zeroDate policy', () => {
  const cases: [string, ReturnType<typeof field>, string][] = [
    ['zero DATE', date, '0000-00-00'],
    ['zero month', date, '2024-00-15'],
    ['zero day', date, '2024-01-00'],
    ['zero year', date, '0000-01-01'],
    ['February 29 in a common year', date, '2023-02-29'],
    ['April 31', date, '2024-04-31'],
    ['zero DATETIME', datetime(0), '0000-00-00 00:00:00'],
    ['zero DATETIME(6)', datetime(6), '0000-00-00 00:00:00.000000'],
    ['zero TIMESTAMP', timestamp(0), '0000-00-00 00:00:00'],
    ['zero TIMESTAMP(3)', timestamp(3), '0000-00-00 00:00:00.000'],
    ['DATETIME with zero day', datetime(0), '2024-05-00 12:30:00'],
  ];

  it.each(cases)('%s fails by default', (_name, column, text) => {
    const error = failure(() => decodeCell(column, text));
    expect(error.code).toBe('zero_date');
    expect(error.column).toBe(column.name);
    expect(error.message).toContain(`column ${column.name}`);
  });

  it.each(cases)('%s fails under "fail"', (_name, column, text) => {
    expect(failure(() => decodeCell(column, text, { zeroDate: 'fail' })).code).toBe('zero_date');
  });

  it.each(cases)('%s becomes null under "null"', (_name, column, text) => {
    expect(decodeCell(column, text, { zeroDate: 'null' })).toBeNull();
  });

  it.each(cases)('%s is kept under "keep"', (_name, column, text) => {
    expect(decodeCell(column, text, { zeroDate: 'keep' })).toBe(text);
  });

  it('keeps a zero DATETIME(6) in canonical form when its fraction was short', () => {
    expect(decodeCell(datetime(6), '0000-00-00 00:00:00', { zeroDate: 'keep' })).toBe(
      '0000-00-00 00:00:00.000000',
    );
  });

  it.each<ZeroDatePolicy>(['fail', 'null', 'keep'])('leaves real dates alone under "%s"', (policy) => {
    expect(decodeCell(date, '2024-02-29', { zeroDate: policy })).toBe('2024-02-29');
  });
});

describe('DATETIME and TIMESTAMP keep exactly fsp fraction digits', () => {
  it.each<[string, ReturnType<typeof field>, string, string]>([
    ['DATETIME(6)', datetime(6), '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456'],
    ['DATETIME(6) max', datetime(6), '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999'],
    ['DATETIME(0)', datetime(0), '2024-01-02 03:04:05', '2024-01-02 03:04:05'],
    ['DATETIME(6) without fraction', datetime(6), '2024-01-02 03:04:05', '2024-01-02 03:04:05.000000'],
    ['DATETIME(6) short fraction', datetime(6), '2024-01-02 03:04:05.5', '2024-01-02 03:04:05.500000'],
    ['DATETIME(3) surplus zeros', datetime(3), '2024-01-02 03:04:05.120000', '2024-01-02 03:04:05.120'],
    ['DATETIME(0) zero fraction', datetime(0), '2024-01-02 03:04:05.000000', '2024-01-02 03:04:05'],
    ['TIMESTAMP(3)', timestamp(3), '2038-01-19 03:14:07.499', '2038-01-19 03:14:07.499'],
    ['TIMESTAMP(3) epoch + 1s', timestamp(3), '1970-01-01 00:00:01.000', '1970-01-01 00:00:01.000'],
    ['TIMESTAMP', timestamp(0), '2024-06-30 23:59:59', '2024-06-30 23:59:59'],
  ])('%s', (_name, column, text, expected) => {
    expect(decodeCell(column, text)).toBe(expected);
  });

  it.each<[string, ReturnType<typeof field>, string]>([
    ['more precision than the column', datetime(3), '2024-01-02 03:04:05.1234'],
    ['hour 24', datetime(0), '2024-01-02 24:00:00'],
    ['minute 60', datetime(0), '2024-01-02 23:60:00'],
    ['second 60', datetime(0), '2024-01-02 23:59:60'],
    ['ISO T separator', datetime(0), '2024-01-02T03:04:05'],
    ['time zone suffix', timestamp(0), '2024-01-02 03:04:05Z'],
    ['empty fraction', datetime(6), '2024-01-02 03:04:05.'],
    ['letters in fraction', datetime(6), '2024-01-02 03:04:05.12a456'],
    ['date only', datetime(0), '2024-01-02'],
  ])('refuses %s', (_name, column, text) => {
    expect(failure(() => decodeCell(column, text)).code).toBe('invalid_value');
  });
});

describe('TIME keeps sign, hours past 24 and exactly fsp fraction digits', () => {
  it.each<[number, string, string]>([
    [6, '-838:59:59.000000', '-838:59:59.000000'],
    [0, '838:59:59', '838:59:59'],
    [0, '-838:59:59', '-838:59:59'],
    [0, '25:00:00', '25:00:00'],
    [0, '00:00:00', '00:00:00'],
    [0, '-00:00:00', '00:00:00'],
    [6, '-00:00:00.000001', '-00:00:00.000001'],
    [1, '-01:02:03.5', '-01:02:03.5'],
    [0, '5:06:07', '05:06:07'],
    [2, '100:00:00.1', '100:00:00.10'],
    [3, '12:34:56', '12:34:56.000'],
  ])('TIME(%i) %s', (fsp, text, expected) => {
    expect(decodeCell(time(fsp), text)).toBe(expected);
  });

  it.each<[number, string]>([
    [0, '839:00:00'],
    [6, '838:59:59.000001'],
    [0, '12:60:00'],
    [0, '12:00:60'],
    [0, '1234:00:00'],
    [0, '12:00'],
    [0, 'ab:00:00'],
    [0, ''],
    [2, '12:00:00.123'],
  ])('TIME(%i) refuses %j', (fsp, text) => {
    expect(failure(() => decodeCell(time(fsp), text)).code).toBe('invalid_value');
  });
});
