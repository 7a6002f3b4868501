/** Why a row could not be decoded; stable strings for metrics and tests. */
export type RowDecodeErrorCode =
  /** The row has a different number of cells than the FIELD event has columns. */
  | 'column_count_mismatch'
  /** The cell lengths do not add up to the bytes in `values`. */
  | 'row_length_mismatch'
  /** A MINIMAL/NOBLOB image or a partial JSON update: some cells are not real values. */
  | 'partial_row_image'
  /** A cell's bytes are not a valid value of its column type. */
  | 'invalid_value'
  /** A zero or impossible date under the `fail` policy. */
  | 'zero_date'
  /** Text bytes that are invalid in the column's charset under the `fail` policy. */
  | 'invalid_text'
  /** A column type the decoder does not handle. */
  | 'unsupported_type'
  /** A text column whose collation maps to a charset the decoder cannot decode. */
  | 'unsupported_charset';

export interface RowDecodeErrorDetails {
  code: RowDecodeErrorCode;
  reason: string;
  table?: string | undefined;
  column?: string | undefined;
  columnIndex?: number | undefined;
  /** The column's SQL type (`Field.column_type`) or its `query.Type` name. */
  mysqlType?: string | undefined;
}

/** The only error the decode package throws. Messages name table and column but never include cell data. */
export class RowDecodeError extends Error {
  readonly code: RowDecodeErrorCode;
  readonly reason: string;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly columnIndex: number | undefined;
  readonly mysqlType: string | undefined;

  /** `cause` is set only when an unexpected error was wrapped. */
  constructor(details: RowDecodeErrorDetails, cause?: unknown) {
    super(describe(details), cause === undefined ? undefined : { cause });
    this.name = 'RowDecodeError';
    this.code = details.code;
    this.reason = details.reason;
    this.table = details.table;
    this.column = details.column;
    this.columnIndex = details.columnIndex;
    this.mysqlType = details.mysqlType;
  }
}

function describe(d: RowDecodeErrorDetails): string {
  const where: string[] = [];
  if (d.table !== undefined) where.push(`table ${d.table}`);
  if (d.column !== undefined) {
    const index = d.columnIndex === undefined ? '' : ` #${d.columnIndex}`;
    const type = d.mysqlType === undefined ? '' : ` ${d.mysqlType}`;
    where.push(`column ${d.column}${index}${type}`);
  }
  const place = where.length > 0 ? ` (${where.join(', ')})` : '';
  return `cannot decode VStream row${place}: ${d.reason} [${d.code}]`;
}

/**
 * Thrown by the per-cell parsers, which do not know which column they decode; the row decoder catches it and
 * rethrows a {@link RowDecodeError} naming the table and column. Never escapes the package.
 */
export class CellValueError extends Error {
  readonly code: RowDecodeErrorCode;
  readonly reason: string;

  constructor(code: RowDecodeErrorCode, reason: string) {
    super(reason);
    this.name = 'CellValueError';
    this.code = code;
    this.reason = reason;
  }
}

/** Shorthand for the common "bytes are not a valid X" failure. */
export function invalidValue(reason: string): CellValueError {
  return new CellValueError('invalid_value', reason);
}
