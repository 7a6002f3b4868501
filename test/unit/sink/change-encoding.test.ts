import { describe, expect, it } from 'vitest';
import { encodeChange, quarantineImages } from '../../../src/sink/change-encoding.js';
import { MissingKeyError, SinkStateError } from '../../../src/sink/errors.js';
import { planForSchema } from '../../../src/sink/schema-evolution.js';
import { ColumnValueProblem, buildTableShape } from '../../../src/sink/table-shape.js';
import { col, del, insert, pk, tableSchema, update } from './fixtures.js';

const schema = tableSchema('t', [col.text('note'), pk(col.bigint('id')), col.bigintUnsigned('big')]);
const mapping = planForSchema(undefined, schema, {
  targetSchema: 'ks',
  mirror: true,
  tablesWithoutKey: 'fail',
}).mapping;
const shape = buildTableShape(mapping, schema, true);
const both = { mirror: true, changelog: true };

describe('encodeChange', () => {
  it('encodes each operation for the mirror and the changelog', () => {
    expect(encodeChange(shape, insert(['a', 1n, 2n ** 64n - 1n]), both)).toEqual({
      mirrorRow: ['a', '1', '18446744073709551615'],
      mirrorOldKey: null,
      changelog: {
        primaryKey: '{"id":1}',
        before: null,
        after: '{"note":"a","id":1,"big":"18446744073709551615"}',
      },
    });
    const moved = encodeChange(shape, update(['a', 1n, null], ['b', 2n, null]), both);
    expect(moved.mirrorOldKey).toEqual(['1']);
    expect(moved.mirrorRow).toEqual(['b', '2', null]);
    expect(moved.changelog?.primaryKey).toBe('{"id":2}');
    expect(encodeChange(shape, del(['a', 3n, null]), { mirror: true, changelog: false })).toEqual({
      mirrorRow: null,
      mirrorOldKey: ['3'],
      changelog: null,
    });
  });

  it('locates unstorable values and missing keys', () => {
    expect(() => encodeChange(shape, insert(['x\0', 1n, null]), both)).toThrow(ColumnValueProblem);
    expect(() => encodeChange(shape, insert(['x\0', 1n, null]), both)).toThrow(/column note/);
    expect(() => encodeChange(shape, insert(['x', null, null]), both)).toThrow(MissingKeyError);
    expect(() => encodeChange(shape, insert(['x', 1n]), both)).toThrow(SinkStateError);
  });

  it('keeps quarantined images losslessly', () => {
    expect(quarantineImages(shape, update(['a\0', 1n, null], ['b', 1n, 5n]))).toEqual({
      before: '{"note":"a\\u0000","id":1,"big":null}',
      after: '{"note":"b","id":1,"big":5}',
    });
  });
});
