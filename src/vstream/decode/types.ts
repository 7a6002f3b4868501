/**
 * Inputs and outputs of the VStream row decoder.
 *
 * Inputs are structural, so the objects protobufjs decodes from `query.Field` and `query.Row` fit directly.
 *
 * Decoded value model (what the Postgres sink receives, one entry per column, in FIELD order). Every value is
 * `null` for SQL NULL (cell length -1); otherwise:
 *
 * - TINYINT, SMALLINT, MEDIUMINT, INT, signed or unsigned → `number` (always exact at these widths).
 * - BIGINT and BIGINT UNSIGNED → `bigint`, always, even for small values: one rule, no guessing per value.
 * - YEAR → `number`: 0 (MySQL's zero year) or 1901..2155.
 * - DECIMAL(p,s) → exact `string` `[-]int[.frac]`: no leading zeros, at least s fraction digits, never `-0`.
 * - FLOAT, DOUBLE → `number`. A FLOAT holds the double nearest its shortest float32 text, from which Postgres
 *   `real` recovers the float32 exactly.
 * - DATE → `string` `YYYY-MM-DD`.
 * - DATETIME(fsp) → `string` `YYYY-MM-DD hh:mm:ss[.f]` with exactly fsp fraction digits, no time zone.
 * - TIMESTAMP(fsp) → same layout as DATETIME; the wall time is **UTC**.
 * - TIME(fsp) → `string` `[-]hh:mm:ss[.f]`, exactly fsp fraction digits; hours may go past 24, up to 838.
 * - BIT(n) → `string` of exactly n `'0'`/`'1'` characters, most significant first (Postgres `bit(n)` input).
 * - ENUM → `string` label; `''` is MySQL's invalid-value member (index 0).
 * - SET → `string[]` of labels in stored order; `[]` for the empty set.
 * - JSON → `string`, the JSON text as sent, never parsed, so big numbers stay exact; an empty cell reads as
 *   `'null'` (how MySQL reads empty binary JSON).
 * - CHAR, VARCHAR, TEXT with a non-binary collation → `string` decoded from the column's charset.
 * - BINARY, VARBINARY, BLOB, and text types with the `binary` collation (63) → `Buffer`, an own copy;
 *   BINARY(n) keeps its 0x00 padding.
 * - GEOMETRY → `{ srid, wkb }` ({@link GeometryValue}).
 * - VECTOR → `number[]` of the float32 elements.
 *
 * Zero and impossible dates (`0000-00-00`, zero month or day, zero year, a day past the month's end) follow
 * {@link ZeroDatePolicy}. Text that is not valid in its charset follows {@link InvalidTextPolicy}.
 */

/** One column of a FIELD event (`query.Field`). */
export interface ColumnField {
  name: string;
  /** `query.Type` value, e.g. 265 INT64, 18 DECIMAL, 2064 DATETIME. */
  type: number;
  /** A MySQL collation id despite the name (63 = binary). */
  charset: number;
  /** Scale for DECIMAL, fractional-second precision for temporal types. */
  decimals: number;
  /** `query.MySqlFlag` bits. */
  flags: number;
  /** Full SQL type, e.g. `enum('a','b')`, `decimal(10,2)`, `bit(3)`. */
  columnType: string;
  columnLength: number;
}

/** A 64-bit integer as protobufjs hands it out: a long.js `Long`, or anything with its two 32-bit words. */
export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

/** One row image (`query.Row`). */
export interface RawRow {
  /** Byte length of each cell in column order; -1 is SQL NULL and takes no bytes. */
  lengths: ArrayLike<number | LongLike>;
  /** All non-NULL cells concatenated. */
  values: Uint8Array;
}

/** A GEOMETRY cell: MySQL's 4-byte little-endian SRID, then standard WKB. */
export interface GeometryValue {
  srid: number;
  wkb: Buffer;
}

/** Any value the decoder produces; see the table at the top of this file. */
export type DecodedValue = null | number | bigint | string | string[] | number[] | Buffer | GeometryValue;

/**
 * What to do with a DATE/DATETIME/TIMESTAMP that MySQL stored but no calendar has (zero date, zero
 * month/day/year, or e.g. `2024-02-30`):
 * - `fail` (default): stop with a `RowDecodeError`. A CDC pipeline must not change data silently, and NULL
 *   could break a NOT NULL target column; the error names the column so an operator can choose a policy
 *   knowingly.
 * - `null`: deliver SQL NULL (what Debezium does).
 * - `keep`: deliver the canonical MySQL text unchanged (the target column must then be text).
 */
export type ZeroDatePolicy = 'fail' | 'null' | 'keep';

/**
 * What to do with text bytes that are not valid in the column's charset:
 * - `fail` (default): stop with a `RowDecodeError` rather than write altered text.
 * - `replace`: substitute U+FFFD for each bad sequence.
 */
export type InvalidTextPolicy = 'fail' | 'replace';

/** Decodes one non-NULL cell: bytes `buf[start, end)`. Throws `CellValueError` for bad input. */
export type CellDecoder = (buf: Buffer, start: number, end: number) => DecodedValue;
