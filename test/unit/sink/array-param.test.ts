import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { binaryTextArray, pgTextArrayParam } from '../../../src/sink/value-text.js';

// node-postgres's own serialisation of a JS array parameter (what the mirror statements sent before).
const pgUtils = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(v: unknown): string };
const driverLiteral = (cells: (string | null)[]): string => pgUtils.prepareValue(cells);

/** Reads PostgreSQL's binary format of a one-dimensional text[] back into cells. */
function readBinaryTextArray(buf: Buffer): (string | null)[] {
  expect(buf.readInt32BE(0)).toBe(1);
  expect(buf.readInt32BE(8)).toBe(25);
  expect(buf.readInt32BE(16)).toBe(1);
  const n = buf.readInt32BE(12);
  const cells: (string | null)[] = [];
  let at = 20;
  for (let i = 0; i < n; i++) {
    const len = buf.readInt32BE(at);
    at += 4;
    if (len < 0) {
      cells.push(null);
      continue;
    }
    cells.push(buf.toString('utf8', at, at + len));
    at += len;
  }
  expect(at).toBe(buf.length);
  expect(buf.readInt32BE(4)).toBe(cells.includes(null) ? 1 : 0);
  return cells;
}

// Strings without lone surrogates (they have no UTF-8 form; the sink refuses them before this point).
const cell = fc.option(fc.string({ unit: 'grapheme' }), { nil: null });

describe('pgTextArrayParam', () => {
  it('sends a column that needs no escaping as the literal node-postgres would build', () => {
    for (const cells of [[], ['1'], ['', 'NULL', '{x,y}', ' sp ', 'é€😀', '\n\t']]) {
      expect(pgTextArrayParam(cells)).toBe(driverLiteral(cells));
    }
  });

  it('sends any other column in the binary array format, with the same elements', () => {
    for (const cells of [
      [null],
      ['a"b', 'a\\b', '\\"'],
      ['plain', null, 'with "quotes"'],
      ['{"sku": "A-1"}'],
    ]) {
      const param = pgTextArrayParam(cells);
      expect(Buffer.isBuffer(param)).toBe(true);
      expect(readBinaryTextArray(param as Buffer)).toEqual(cells);
    }
  });

  it('keeps every element of any column', () => {
    fc.assert(
      fc.property(fc.array(cell), (cells) => {
        const param = pgTextArrayParam(cells);
        if (typeof param === 'string') expect(param).toBe(driverLiteral(cells));
        else expect(readBinaryTextArray(param)).toEqual(cells);
        expect(readBinaryTextArray(binaryTextArray(cells))).toEqual(cells);
      }),
    );
  });
});
