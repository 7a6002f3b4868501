import { describe, expect, it } from 'vitest';
import type { PgType } from '../../../src/sink/pg-types.js';
import type { SourceKind } from '../../../src/sink/type-mapping.js';
import { ValueProblem, checkJsonForJsonb } from '../../../src/sink/value-checks.js';
import { bigintToJson, compileJsonEncoder, quarantineJson } from '../../../src/sink/value-json.js';
import { compilePgTextEncoder, geometryToEwkb, textArrayLiteral } from '../../../src/sink/value-text.js';
import type { DecodedValue } from '../../../src/vstream/decode/types.js';

const text = (source: SourceKind, value: DecodedValue, target: PgType = { kind: 'text' }) =>
  compilePgTextEncoder(source, target)(value);
const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValueProblem) return err.reason;
    throw err;
  }
  throw new Error('expected a ValueProblem');
};

describe('Postgres text encoders', () => {
  it('writes exact input forms', () => {
    expect(text('integer', -5)).toBe('-5');
    expect(text('bigint', 18446744073709551615n)).toBe('18446744073709551615');
    expect(text('float', 0.1)).toBe('0.1');
    expect(text('decimal', '-12.340')).toBe('-12.340');
    expect(text('date', '2024-02-29')).toBe('2024-02-29');
    expect(text('datetime', '2024-01-02 03:04:05.123')).toBe('2024-01-02 03:04:05.123');
    expect(text('timestamp', '2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05+00');
    expect(text('time', '-838:59:59.000000')).toBe('-838:59:59.000000');
    expect(text('bytes', Buffer.from([0, 255]))).toBe('\\x00ff');
    expect(text('set', ['a', 'b"c', 'd\\e'])).toBe('{"a","b\\"c","d\\\\e"}');
    expect(text('set', [])).toBe('{}');
    expect(text('vector', [1.5, -2, 1e-7])).toBe('{1.5,-2,1e-7}');
    expect(text('json', '{"n": 12345678901234567890}')).toBe('{"n": 12345678901234567890}');
    expect(text('text', null)).toBeNull();
  });

  it('pads BIT values to a widened column and refuses wider values', () => {
    expect(text('bit', '101', { kind: 'varbit', length: 5 })).toBe('00101');
    expect(text('bit', '101', { kind: 'varbit', length: null })).toBe('101');
    expect(problem(() => text('bit', '101', { kind: 'varbit', length: 2 }))).toMatch(/wider/);
  });

  it('refuses what Postgres would reject or alter', () => {
    expect(problem(() => text('text', 'a\0b'))).toMatch(/NUL/);
    expect(problem(() => text('text', 'a\ud800b'))).toMatch(/surrogate/);
    expect(problem(() => text('set', ['ok', 'x\0']))).toMatch(/NUL/);
    expect(problem(() => text('date', '0000-00-00'))).toMatch(/zero or impossible/);
    expect(problem(() => text('date', '0000-01-01'))).toMatch(/zero or impossible/);
    expect(problem(() => text('datetime', '2023-02-29 00:00:00'))).toMatch(/zero or impossible/);
    expect(problem(() => text('time', '839:00:00'))).toMatch(/outside/);
    expect(problem(() => text('json', '.1'))).toMatch(/not valid JSON/);
    expect(problem(() => text('json', '{"a":"\\u0000"}'))).toMatch(/u0000/);
    expect(problem(() => text('json', '["\\ud800"]'))).toMatch(/unpaired/);
    expect(problem(() => text('integer', 'x'))).toMatch(/expected an integer/);
  });

  it('accepts JSON escapes jsonb can store', () => {
    expect(() => checkJsonForJsonb('["\\ud83d\\ude00", "\\\\u0000", "\\n"]')).not.toThrow();
  });

  it('writes GEOMETRY as WKB, or EWKB carrying a non-zero SRID', () => {
    const wkb = Buffer.from('0101000000000000000000f03f0000000000000040', 'hex'); // POINT(1 2), little endian
    expect(geometryToEwkb({ srid: 0, wkb })).toEqual(wkb);
    const ewkb = geometryToEwkb({ srid: 4326, wkb });
    expect(ewkb.toString('hex')).toBe('0101000020e6100000000000000000f03f0000000000000040');
    const big = Buffer.from('00000000014000000000000000', 'hex'); // big-endian header + part of a point
    expect(geometryToEwkb({ srid: 1, wkb: big }).subarray(0, 9).toString('hex')).toBe('002000000100000001');
  });

  it('builds text[] literals safely', () => {
    expect(textArrayLiteral(['NULL', ''])).toBe('{"NULL",""}');
  });
});

describe('changelog JSON encoders', () => {
  const json = (source: SourceKind, value: DecodedValue) => compileJsonEncoder(source)(value);

  it('keeps big integers exact as strings beyond ±2^53', () => {
    expect(bigintToJson(9007199254740991n)).toBe('9007199254740991');
    expect(bigintToJson(-9007199254740991n)).toBe('-9007199254740991');
    expect(bigintToJson(9007199254740992n)).toBe('"9007199254740992"');
    expect(json('bigint', 18446744073709551615n)).toBe('"18446744073709551615"');
  });

  it('encodes every kind of value', () => {
    expect(json('integer', 7)).toBe('7');
    expect(json('decimal', '1.50')).toBe('"1.50"');
    expect(json('bytes', Buffer.from('hi'))).toBe('"aGk="');
    expect(json('json', '{"a": [1, 2.50]}')).toBe('{"a": [1, 2.50]}');
    expect(json('set', ['a', 'b'])).toBe('["a","b"]');
    expect(json('geometry', { srid: 4326, wkb: Buffer.from([1]) })).toBe('{"srid":4326,"wkb":"AQ=="}');
    expect(json('text', null)).toBe('null');
    expect(problem(() => json('text', 'a\0'))).toMatch(/NUL/);
  });

  it('keeps anything, losslessly, for the quarantine', () => {
    expect(quarantineJson('a\0\ud800')).toBe('"a\\u0000\\ud800"');
    expect(quarantineJson(2n ** 60n)).toBe('"1152921504606846976"');
    expect(quarantineJson(Buffer.from([1, 2]))).toBe('"AQI="');
  });
});
