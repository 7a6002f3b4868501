import { compileCellDecoder } from './column-decoders.js';
import { CellValueError, RowDecodeError } from './errors.js';
import { queryTypeName } from '../constants.js';
import { assertCompleteRowImage } from './row-image.js';
import type { RowChangeImageInfo } from './row-image.js';
import { longToNumber } from './long.js';
import type {
  CellDecoder,
  ColumnField,
  DecodedValue,
  InvalidTextPolicy,
  RawRow,
  ZeroDatePolicy,
} from './types.js';

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
  private readonly cellDecoders: readonly CellDecoder[];

  constructor(fields: readonly ColumnField[], options: RowDecoderOptions) {
    this.table = options.table;
    this.fields = fields;
    this.columnNames = fields.map((field) => field.name);
    const cellOptions = {
      enumSetAsText: options.enumSetAsText,
      zeroDate: options.zeroDate ?? 'fail',
      invalidText: options.invalidText ?? 'fail',
    };
    this.cellDecoders = fields.map((field) => compileCellDecoder(field, cellOptions));
  }

  get columnCount(): number {
    return this.cellDecoders.length;
  }

  /** The row's values in column order: `null` for SQL NULL, otherwise as documented in `types.ts`. */
  decode(row: RawRow): DecodedValue[] {
    const { lengths } = row;
    const count = this.cellDecoders.length;
    if (lengths.length !== count) {
      throw new RowDecodeError({
        code: 'column_count_mismatch',
        table: this.table,
        reason: `row has ${lengths.length} cells but the FIELD event lists ${count} columns`,
      });
    }
    const buf = asBuffer(row.values);
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
        if (!(length >= 0) || end > buf.length) {
          throw new CellValueError(
            'row_length_mismatch',
            `cell length ${length} does not fit the row's bytes`,
          );
        }
        values[column] = this.cellDecoders[column]!(buf, offset, end);
        offset = end;
      }
    } catch (error) {
      throw this.columnError(error, column);
    }
    if (offset !== buf.length) {
      throw new RowDecodeError({
        code: 'row_length_mismatch',
        table: this.table,
        reason: `cell lengths cover ${offset} of the row's ${buf.length} bytes`,
      });
    }
    return values;
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

/** Builds the decoder for one FIELD event's columns. */
export function compileRowDecoder(fields: readonly ColumnField[], options: RowDecoderOptions): RowDecoder {
  return new RowDecoder(fields, options);
}

/** protobufjs gives a Buffer under Node; wrap a plain Uint8Array without copying. */
function asBuffer(values: Uint8Array): Buffer {
  return Buffer.isBuffer(values) ? values : Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
