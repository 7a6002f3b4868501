// The global Buffer is an accessor (kept for a deprecation path in ES modules); the import is a plain binding,
// which matters on the per-row path.
import { Buffer } from 'node:buffer';
import { CellKind, compileColumn } from './column-decoders.js';
import type { ColumnPlan } from './column-decoders.js';
import { CellValueError, RowDecodeError } from './errors.js';
import { queryTypeName } from '../constants.js';
import { assertCompleteRowImage } from './row-image.js';
import type { RowChangeImageInfo } from './row-image.js';
import { utf8Slice } from './latin1.js';
import { cellLengthMismatch, generateCellsDecoder } from './row-codegen.js';
import type { CellsDecoder, CellsProgress } from './row-codegen.js';
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
import type { ColumnField, DecodedValue, InvalidTextPolicy, RawRow, ZeroDatePolicy } from './types.js';

export interface RowDecoderOptions {
  /** Table name for error messages, e.g. `commerce.orders`. */
  table?: string;
  /** The FIELD event's `enum_set_string_values` (v20+; always true in the copy phase). */
  enumSetAsText: boolean;
  /** Zero and impossible dates; default `fail` (see {@link ZeroDatePolicy}). */
  zeroDate?: ZeroDatePolicy;
  /** Text bytes invalid in their charset; default `fail` (see {@link InvalidTextPolicy}). */
  invalidText?: InvalidTextPolicy;
}

/**
 * Decodes the rows of one table as described by one FIELD event. Build it once per FIELD event (per keyspace,
 * shard and table) and reuse it for every row; each column's decode function is chosen up front.
 */
export class RowDecoder {
  readonly table: string | undefined;
  readonly fields: readonly ColumnField[];
  readonly columnNames: readonly string[];
  private readonly columns: readonly ColumnPlan[];
  /** Read an ASCII row's bytes as one string first (see {@link asciiText}). */
  private readonly useRowText: boolean;
  /** The generated decoder for these columns (see `row-codegen.ts`); undefined means the loop below. */
  private readonly cells: CellsDecoder | undefined;
  private readonly progress: CellsProgress = { column: 0, offset: 0 };

  constructor(fields: readonly ColumnField[], options: RowDecoderOptions) {
    this.table = options.table;
    this.fields = fields;
    this.columnNames = fields.map((field) => field.name);
    const cellOptions = {
      enumSetAsText: options.enumSetAsText,
      zeroDate: options.zeroDate ?? 'fail',
      invalidText: options.invalidText ?? 'fail',
    };
    this.columns = fields.map((field) => compileColumn(field, cellOptions));
    const textColumns = this.columns.filter((column) => ROW_TEXT_KINDS.has(column.kind)).length;
    this.useRowText = textColumns >= ROW_TEXT_MIN_COLUMNS;
    this.cells = generateCellsDecoder(this.columns);
  }

  get columnCount(): number {
    return this.columns.length;
  }

  /** The row's values in column order: `null` for SQL NULL, otherwise as documented in `types.ts`. */
  decode(row: RawRow): DecodedValue[] {
    // Rare paths (errors, wrapping a plain Uint8Array) live in helpers: this function is kept small so that
    // V8 inlines the cell parsers into its loop (the loop serves tables too wide for a generated decoder).
    const lengths = row.lengths;
    const columns = this.columns;
    const count = columns.length;
    if (lengths.length !== count) throw this.countMismatch(lengths.length);
    const bytes = row.values;
    const buf = bytes.constructor === Buffer ? (bytes as Buffer) : asBuffer(bytes);
    const size = buf.length;
    const rowText = this.useRowText && size <= ROW_TEXT_MAX_BYTES ? asciiText(buf, size) : undefined;
    const cells = this.cells;
    if (cells !== undefined) {
      const progress = this.progress;
      let decoded: DecodedValue[];
      try {
        decoded = cells(buf, size, lengths, rowText, progress);
      } catch (error) {
        throw this.columnError(error, progress.column);
      }
      if (progress.offset !== size) throw this.coverageMismatch(progress.offset, size);
      return decoded;
    }
    // The same, one column at a time, for tables too wide for a generated decoder.
    const values = new Array<DecodedValue>(count);
    let offset = 0;
    let column = 0;
    try {
      for (; column < count; column++) {
        const raw = lengths[column]!;
        const length = typeof raw === 'number' ? raw : longToNumber(raw);
        if (length === -1) {
          values[column] = null;
          continue;
        }
        const end = offset + length;
        if (!(length >= 0) || end > size) throw cellLengthMismatch(length);
        const plan = columns[column]!;
        let value: DecodedValue;
        switch (plan.kind) {
          case CellKind.Int64:
          case CellKind.Uint64:
            // parseInt64, with its common case spelled out so that only that part is inlined here.
            value = isSmallInt64(buf, offset, end)
              ? parseSmallInt64(buf, offset, end)
              : parseWideInt64(buf, offset, end, plan.kind === CellKind.Uint64);
            break;
          case CellKind.BoundedInt:
            value = parseBoundedInt(buf, offset, end, plan.min, plan.max);
            break;
          case CellKind.Float:
            value = parseFloatText(buf, offset, end);
            break;
          case CellKind.Decimal:
            value = normalizeDecimal(buf, offset, end, plan.param, rowText);
            break;
          case CellKind.Date:
            value = normalizeDate(buf, offset, end, plan.zeroDate, rowText);
            break;
          case CellKind.DateTime:
            value = normalizeDateTime(buf, offset, end, plan.param, plan.zeroDate, rowText);
            break;
          case CellKind.Json:
          case CellKind.AsciiText:
            // ASCII bytes are the same text in every charset of these columns, JSON's UTF-8 included; an
            // empty JSON cell is not '' but 'null', which `decode` gives.
            value =
              rowText !== undefined && (end > offset || plan.kind === CellKind.AsciiText)
                ? rowText.slice(offset, end)
                : plan.decode(buf, offset, end);
            break;
          default:
            value = plan.decode(buf, offset, end);
        }
        values[column] = value;
        offset = end;
      }
    } catch (error) {
      throw this.columnError(error, column);
    }
    if (offset !== size) throw this.coverageMismatch(offset, size);
    return values;
  }

  private countMismatch(cells: number): RowDecodeError {
    return new RowDecodeError({
      code: 'column_count_mismatch',
      table: this.table,
      reason: `row has ${cells} cells but the FIELD event lists ${this.columns.length} columns`,
    });
  }

  private coverageMismatch(covered: number, size: number): RowDecodeError {
    return new RowDecodeError({
      code: 'row_length_mismatch',
      table: this.table,
      reason: `cell lengths cover ${covered} of the row's ${size} bytes`,
    });
  }

  /** {@link assertCompleteRowImage} for this table's columns. */
  assertCompleteImage(change: RowChangeImageInfo): void {
    assertCompleteRowImage(change, this.fields, this.table);
  }

  private columnError(error: unknown, column: number): RowDecodeError {
    if (error instanceof RowDecodeError) return error;
    const field = this.fields[column];
    const place = {
      table: this.table,
      column: field?.name,
      columnIndex: column,
      mysqlType: field === undefined ? undefined : field.columnType || queryTypeName(field.type),
    };
    if (error instanceof CellValueError)
      return new RowDecodeError({ ...place, code: error.code, reason: error.reason });
    // A bug or an unforeseen input shape; keep it typed for callers and keep the original as the cause.
    const message = error instanceof Error ? error.message : String(error);
    return new RowDecodeError(
      { ...place, code: 'invalid_value', reason: `unexpected failure: ${message}` },
      error,
    );
  }
}

/**
 * Rows up to this size are read as one string (see {@link asciiText}). V8 makes a slice of 13 or more
 * characters a view that keeps the whole string alive, so the limit bounds what one value can pin; the string
 * is about as large as the row's text cells together anyway.
 */
const ROW_TEXT_MAX_BYTES = 1024;

/** Only worth it with this many columns that can take their text from the row string. */
const ROW_TEXT_MIN_COLUMNS = 2;

const ROW_TEXT_KINDS: ReadonlySet<CellKind> = new Set([
  CellKind.Decimal,
  CellKind.Date,
  CellKind.DateTime,
  CellKind.AsciiText,
  CellKind.Json,
]);

/** Builds the decoder for one FIELD event's columns. */
export function compileRowDecoder(fields: readonly ColumnField[], options: RowDecoderOptions): RowDecoder {
  return new RowDecoder(fields, options);
}

/** A Buffer over a plain Uint8Array's bytes, without copying (protobufjs itself gives Buffers under Node). */
function asBuffer(values: Uint8Array): Buffer {
  return Buffer.isBuffer(values) ? values : Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * The whole row as one string when it is ASCII, else undefined. Reading it up front lets text cells be slices
 * of it: one native call per row instead of one per cell. Node's UTF-8 decoder turns each byte of an ASCII row
 * into one character; any other byte either joins others into fewer characters or becomes U+FFFD, so a
 * string as long as the row without U+FFFD proves the row ASCII.
 */
function asciiText(buf: Buffer, size: number): string | undefined {
  const text = utf8Slice(buf, 0, size);
  return text.length === size && text.indexOf('\uFFFD') < 0 ? text : undefined;
}
