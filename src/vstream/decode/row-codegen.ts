// A decode function generated per table shape, as protobufjs generates its message decoders: one straight
// block per column, with the column's parser and its parameters written in, and the row returned as one array
// literal. It does what RowDecoder's loop does, without that loop's per-cell dispatch, which is a sizeable
// share of the cost of a row. The generated text holds only numbers, booleans, the zero-date policy and the
// fixed names below, never anything from the FIELD event; tables of the same shape (a table on every shard)
// share one compiled function.
import { CellKind } from './column-decoders.js';
import type { ColumnPlan } from './column-decoders.js';
import { CellValueError } from './errors.js';
import { longToNumber } from './long.js';
import {
  isSmallInt64,
  normalizeDecimal,
  parseBoundedInt,
  parseFloatText,
  parseSmallInt64,
  parseWideInt64,
} from './numeric.js';
import { normalizeDate, normalizeDateTime } from './temporal.js';
import type { DecodedValue, RawRow } from './types.js';

/** How far a row got: the column being decoded (for error messages) and the bytes its cells covered. */
export interface CellsProgress {
  column: number;
  offset: number;
}

/**
 * Decodes the cells of one row (`lengths` already checked against the column count) from `buf[0, size)`;
 * `rowText` is the row as one string when it is ASCII. Throws what the cell parsers throw, with
 * `progress.column` naming the cell; on return `progress.offset` is how many bytes the cells covered.
 */
export type CellsDecoder = (
  buf: Buffer,
  size: number,
  lengths: RawRow['lengths'],
  rowText: string | undefined,
  progress: CellsProgress,
) => DecodedValue[];

/** Wider tables keep the loop: the generated function would grow past what V8 optimizes well. */
const MAX_GENERATED_COLUMNS = 100;

/** What the generated code calls, by these names. */
const LIBRARY = {
  longToNumber,
  cellLengthMismatch,
  isSmallInt64,
  parseSmallInt64,
  parseWideInt64,
  parseBoundedInt,
  parseFloatText,
  normalizeDecimal,
  normalizeDate,
  normalizeDateTime,
};

type Factory = (columns: readonly ColumnPlan[], library: typeof LIBRARY) => CellsDecoder;

/** Compiled factories by generated source, oldest first. */
const factories = new Map<string, Factory>();
const MAX_FACTORIES = 256;

/**
 * The generated decoder for these columns, or undefined when the table is too wide or the process forbids
 * generating code (`--disallow-code-generation-from-strings`); RowDecoder then uses its loop, which gives the
 * same values and errors.
 */
export function generateCellsDecoder(columns: readonly ColumnPlan[]): CellsDecoder | undefined {
  if (columns.length > MAX_GENERATED_COLUMNS) return undefined;
  try {
    const source = cellsSource(columns);
    let factory = factories.get(source);
    if (factory === undefined) {
      factory = new Function('columns', 'library', source) as Factory;
      if (factories.size >= MAX_FACTORIES) factories.delete(factories.keys().next().value!);
      factories.set(source, factory);
    }
    return factory(columns, LIBRARY);
  } catch {
    return undefined;
  }
}

/** The body of a {@link Factory} for these columns. */
function cellsSource(columns: readonly ColumnPlan[]): string {
  const lines = [
    `const { ${Object.keys(LIBRARY).join(', ')} } = library;`,
    ...columns.map((_column, k) => `const decode${k} = columns[${k}].decode;`),
    'return function decodeCells(buf, size, lengths, rowText, progress) {',
    'let offset = 0;',
    'let end = 0;',
    'let length = 0;',
    'let raw;',
  ];
  columns.forEach((column, k) => {
    lines.push(
      `progress.column = ${k};`,
      `raw = lengths[${k}];`,
      `length = typeof raw === 'number' ? raw : longToNumber(raw);`,
      `let v${k} = null;`,
      'if (length !== -1) {',
      'end = offset + length;',
      'if (!(length >= 0) || end > size) throw cellLengthMismatch(length);',
      `v${k} = ${cellExpression(column, k)};`,
      'offset = end;',
      '}',
    );
  });
  lines.push(
    'progress.offset = offset;',
    `return [${columns.map((_column, k) => `v${k}`).join(', ')}];`,
    '};',
  );
  return lines.join('\n');
}

/** The expression decoding column `k`'s cell `buf[offset, end)`: what RowDecoder's loop does for its kind. */
function cellExpression(column: ColumnPlan, k: number): string {
  switch (column.kind) {
    case CellKind.Int64:
    case CellKind.Uint64:
      return (
        'isSmallInt64(buf, offset, end) ? parseSmallInt64(buf, offset, end) : ' +
        `parseWideInt64(buf, offset, end, ${column.kind === CellKind.Uint64})`
      );
    case CellKind.BoundedInt:
      return `parseBoundedInt(buf, offset, end, ${number(column.min)}, ${number(column.max)})`;
    case CellKind.Float:
      return 'parseFloatText(buf, offset, end)';
    case CellKind.Decimal:
      return `normalizeDecimal(buf, offset, end, ${number(column.param)}, rowText)`;
    case CellKind.Date:
      return `normalizeDate(buf, offset, end, ${JSON.stringify(column.zeroDate)}, rowText)`;
    case CellKind.DateTime:
      return `normalizeDateTime(buf, offset, end, ${number(column.param)}, ${JSON.stringify(column.zeroDate)}, rowText)`;
    case CellKind.Json:
      return `rowText !== undefined && end > offset ? rowText.slice(offset, end) : decode${k}(buf, offset, end)`;
    case CellKind.AsciiText:
      return `rowText !== undefined ? rowText.slice(offset, end) : decode${k}(buf, offset, end)`;
    default:
      return `decode${k}(buf, offset, end)`;
  }
}

/** A number as JavaScript source; only finite numbers are ever written into the code. */
function number(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return Object.is(value, -0) ? '0' : String(value);
}

export function cellLengthMismatch(length: number): CellValueError {
  return new CellValueError('row_length_mismatch', `cell length ${length} does not fit the row's bytes`);
}
