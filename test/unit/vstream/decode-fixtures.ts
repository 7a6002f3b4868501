import { compileRowDecoder, QueryType } from '../../../src/vstream/decode/index.js';
import type { ColumnField, DecodedValue, RowDecoderOptions } from '../../../src/vstream/decode/index.js';

export const UTF8MB4 = 255;
export const UTF8MB3 = 33;
export const LATIN1 = 8;
export const BINARY = 63;

/** A FIELD column with harmless defaults. */
export function field(type: number, overrides: Partial<ColumnField> = {}): ColumnField {
  const textual = (type & 4096) !== 0;
  return {
    name: 'c',
    type,
    charset: textual ? UTF8MB4 : BINARY,
    decimals: 0,
    flags: 0,
    columnType: '',
    columnLength: 0,
    ...overrides,
  };
}

/** A cell: text is encoded as ASCII/UTF-8, bytes go in as they are, null is SQL NULL. */
export type Cell = string | Uint8Array | null;

/** A `query.Row` from cells, as vttablet lays it out. */
export function row(...cells: Cell[]): { lengths: number[]; values: Buffer } {
  const lengths: number[] = [];
  const parts: Buffer[] = [];
  for (const cell of cells) {
    if (cell === null) {
      lengths.push(-1);
      continue;
    }
    const bytes = typeof cell === 'string' ? Buffer.from(cell, 'utf8') : Buffer.from(cell);
    lengths.push(bytes.length);
    parts.push(bytes);
  }
  return { lengths, values: Buffer.concat(parts) };
}

/** Decodes one cell of a one-column table. */
export function decodeCell(
  column: ColumnField,
  cell: Cell,
  options: Partial<RowDecoderOptions> = {},
): DecodedValue {
  const decoder = compileRowDecoder([column], { table: 'ks.t', enumSetAsText: true, ...options });
  return decoder.decode(row(cell))[0]!;
}

export { QueryType };
