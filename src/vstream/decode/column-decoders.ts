import { copyBytes, decodeBitString, decodeVector } from './binary.js';
import {
  ASCII_TRANSPARENT_CHARSETS,
  BINARY_COLLATION,
  charsetOfCollation,
  textDecoderForCharset,
} from './charsets.js';
import type { TextCellDecoder } from './charsets.js';
import { enumFromIndex, enumFromText, parseEnumSetLabels, setFromBitmask, setFromText } from './enumset.js';
import { CellValueError } from './errors.js';
import type { RowDecodeErrorCode } from './errors.js';
import { decodeGeometry } from './geometry.js';
import { normalizeDecimal, parseBoundedInt, parseFloatText, parseInt64 } from './numeric.js';
import { MySqlFlag, QueryType, queryTypeName } from '../constants.js';
import { normalizeDate, normalizeDateTime, normalizeTime, parseYear } from './temporal.js';
import type { CellDecoder, ColumnField, InvalidTextPolicy, ZeroDatePolicy } from './types.js';

export interface CellDecoderOptions {
  /** FieldEvent `enum_set_string_values`: ENUM/SET cells are labels, not index/bitmask. */
  enumSetAsText: boolean;
  zeroDate: ZeroDatePolicy;
  invalidText: InvalidTextPolicy;
}

/**
 * How the row decoder handles one column. `decode` always decodes a cell completely and is what every column
 * falls back to; `kind` (other than {@link CellKind.Generic}) names a common case that the row decoder's loop
 * handles inline, with the row's bytes read as text once (see `row-decoder.ts`), and `min`/`max`/`param`/
 * `zeroDate` are that case's parameters. Both paths give the same values and errors.
 */
export class ColumnPlan {
  constructor(
    readonly kind: CellKind,
    readonly decode: CellDecoder,
    /** Bounds of a {@link CellKind.BoundedInt}. */
    readonly min = 0,
    readonly max = 0,
    /** DECIMAL scale, or DATETIME/TIMESTAMP fractional-second precision. */
    readonly param = 0,
    readonly zeroDate: ZeroDatePolicy = 'fail',
  ) {}
}

/** Column kinds the row decoder's loop handles inline. */
export const CellKind = {
  /** Only `decode`. */
  Generic: 0,
  Int64: 1,
  Uint64: 2,
  BoundedInt: 3,
  Float: 4,
  Decimal: 5,
  Date: 6,
  DateTime: 7,
  /** Text in a charset where every ASCII byte is its own character; `decode` handles the rest. */
  AsciiText: 8,
  /** JSON: UTF-8 text, an empty cell is `'null'`; `decode` handles the rest. */
  Json: 9,
} as const;
export type CellKind = (typeof CellKind)[keyof typeof CellKind];

/**
 * Picks how to decode one column, once per FIELD event, so the per-row loop only runs it. Problems that
 * depend on the column alone (unsupported type or charset, unparseable ENUM labels) become a decoder that
 * fails on the column's first non-NULL cell: a column that only ever holds NULL does not block the table.
 */
export function compileColumn(field: ColumnField, options: CellDecoderOptions): ColumnPlan {
  const decode = compileDecoder(field, options);
  switch (field.type) {
    case QueryType.INT8:
    case QueryType.UINT8:
    case QueryType.INT16:
    case QueryType.UINT16:
    case QueryType.INT24:
    case QueryType.UINT24:
    case QueryType.INT32:
    case QueryType.UINT32: {
      const [min, max] = INT_BOUNDS.get(field.type)!;
      return new ColumnPlan(CellKind.BoundedInt, decode, min, max);
    }
    case QueryType.INT64:
      return new ColumnPlan(CellKind.Int64, decode);
    case QueryType.UINT64:
      return new ColumnPlan(CellKind.Uint64, decode);
    case QueryType.FLOAT32:
    case QueryType.FLOAT64:
      return new ColumnPlan(CellKind.Float, decode);
    case QueryType.DECIMAL:
      return new ColumnPlan(CellKind.Decimal, decode, 0, 0, field.decimals);
    case QueryType.DATE:
      return new ColumnPlan(CellKind.Date, decode, 0, 0, 0, options.zeroDate);
    case QueryType.DATETIME:
    case QueryType.TIMESTAMP:
      return new ColumnPlan(CellKind.DateTime, decode, 0, 0, field.decimals, options.zeroDate);
    case QueryType.JSON:
      return new ColumnPlan(CellKind.Json, decode);
    case QueryType.CHAR:
    case QueryType.VARCHAR:
    case QueryType.TEXT:
    case QueryType.BINARY:
    case QueryType.VARBINARY:
    case QueryType.BLOB:
      return new ColumnPlan(isPlainText(field, options) ? CellKind.AsciiText : CellKind.Generic, decode);
    default:
      return new ColumnPlan(CellKind.Generic, decode);
  }
}

const INT_BOUNDS: ReadonlyMap<number, readonly [min: number, max: number]> = new Map([
  [QueryType.INT8, [-128, 127]],
  [QueryType.UINT8, [0, 255]],
  [QueryType.INT16, [-32768, 32767]],
  [QueryType.UINT16, [0, 65535]],
  [QueryType.INT24, [-8388608, 8388607]],
  [QueryType.UINT24, [0, 16777215]],
  [QueryType.INT32, [-2147483648, 2147483647]],
  [QueryType.UINT32, [0, 4294967295]],
]);

/** The decode function for one column: every cell of it can go through this alone. */
function compileDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  switch (field.type) {
    case QueryType.INT8:
    case QueryType.UINT8:
    case QueryType.INT16:
    case QueryType.UINT16:
    case QueryType.INT24:
    case QueryType.UINT24:
    case QueryType.INT32:
    case QueryType.UINT32: {
      const [min, max] = INT_BOUNDS.get(field.type)!;
      return bounded(min, max);
    }
    case QueryType.INT64:
      return (buf, start, end) => parseInt64(buf, start, end, false);
    case QueryType.UINT64:
      return (buf, start, end) => parseInt64(buf, start, end, true);
    case QueryType.YEAR:
      return parseYear;
    case QueryType.FLOAT32:
    case QueryType.FLOAT64:
      return parseFloatText;
    case QueryType.DECIMAL: {
      const scale = field.decimals;
      return (buf, start, end) => normalizeDecimal(buf, start, end, scale);
    }
    case QueryType.DATE: {
      const policy = options.zeroDate;
      return (buf, start, end) => normalizeDate(buf, start, end, policy);
    }
    case QueryType.DATETIME:
    case QueryType.TIMESTAMP: {
      const fsp = field.decimals;
      const policy = options.zeroDate;
      return (buf, start, end) => normalizeDateTime(buf, start, end, fsp, policy);
    }
    case QueryType.TIME: {
      const fsp = field.decimals;
      return (buf, start, end) => normalizeTime(buf, start, end, fsp);
    }
    case QueryType.BIT:
      return decodeBitString(bitWidth(field));
    case QueryType.ENUM:
      return enumDecoder(field, options);
    case QueryType.SET:
      return setDecoder(field, options);
    case QueryType.JSON:
      return jsonDecoder(options.invalidText);
    case QueryType.GEOMETRY:
      return decodeGeometry;
    case QueryType.VECTOR:
      return decodeVector;
    case QueryType.CHAR:
    case QueryType.VARCHAR:
    case QueryType.TEXT:
    case QueryType.BINARY:
    case QueryType.VARBINARY:
    case QueryType.BLOB:
      return stringDecoder(field, options);
    default:
      return failing(
        'unsupported_type',
        `query.Type ${queryTypeName(field.type)} is not a table column type`,
      );
  }
}

function bounded(min: number, max: number): CellDecoder {
  return (buf, start, end) => parseBoundedInt(buf, start, end, min, max);
}

/** A decoder that always throws; typed `never` so it also stands in for a text decoder. */
function failing(
  code: RowDecodeErrorCode,
  reason: string,
): (buf: Buffer, start: number, end: number) => never {
  return () => {
    throw new CellValueError(code, reason);
  };
}

/** BIT(n) width from `bit(n)`, else the column length; 0 when neither says. */
function bitWidth(field: ColumnField): number {
  const match = /^\s*bit\s*\(\s*(\d+)\s*\)/i.exec(field.columnType);
  if (match?.[1] !== undefined) return Number(match[1]);
  return field.columnLength > 0 && field.columnLength <= 64 ? field.columnLength : 0;
}

/** Text decoder for the column's collation, or a failing decoder naming the charset. */
function textOrFailure(field: ColumnField, policy: InvalidTextPolicy): TextCellDecoder {
  const charset = charsetOfCollation(field.charset);
  if (charset === undefined) return failing('unsupported_charset', `unknown collation id ${field.charset}`);
  return (
    textDecoderForCharset(charset, policy) ??
    failing('unsupported_charset', `charset ${charset} (collation id ${field.charset}) is not supported`)
  );
}

const STRING_TYPES_WITH_BYTES: ReadonlySet<number> = new Set([
  QueryType.BINARY,
  QueryType.VARBINARY,
  QueryType.BLOB,
]);

/**
 * CHAR/VARCHAR/TEXT and BINARY/VARBINARY/BLOB. The collation, not the type, decides text versus bytes: Vitess
 * reports a `_bin`-collated VARCHAR as VARBINARY (MySQL sets BINARY_FLAG), while a real VARBINARY has
 * collation 63. A missing collation (0) means bytes for the binary types and is an error for the text types.
 */
function stringDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  if (isBytes(field)) return copyBytes;
  const enumOrSet = enumSetByFlags(field, options);
  if (enumOrSet !== undefined) return enumOrSet;
  return textOrFailure(field, options.invalidText);
}

function isBytes(field: ColumnField): boolean {
  return (
    field.charset === BINARY_COLLATION || (field.charset === 0 && STRING_TYPES_WITH_BYTES.has(field.type))
  );
}

/**
 * A string-typed column that {@link stringDecoder} decodes as plain text (not bytes, not ENUM/SET) in a
 * charset where each byte below 0x80 is that ASCII character.
 */
function isPlainText(field: ColumnField, options: CellDecoderOptions): boolean {
  if (isBytes(field) || enumSetByFlags(field, options) !== undefined) return false;
  const charset = charsetOfCollation(field.charset);
  return charset !== undefined && ASCII_TRANSPARENT_CHARSETS.has(charset);
}

/** A string-typed column that MySQL flags as ENUM/SET and whose column type says so too. */
function enumSetByFlags(field: ColumnField, options: CellDecoderOptions): CellDecoder | undefined {
  const type = field.columnType.trimStart().toLowerCase();
  if (field.flags & MySqlFlag.ENUM_FLAG && type.startsWith('enum(')) return enumDecoder(field, options);
  if (field.flags & MySqlFlag.SET_FLAG && type.startsWith('set(')) return setDecoder(field, options);
  return undefined;
}

function enumDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  if (options.enumSetAsText) {
    const decodeText = textOrFailure(field, options.invalidText);
    const labels = parseEnumSetLabels(field.columnType);
    const charset = charsetOfCollation(field.charset);
    if (labels === undefined || charset === undefined) return decodeText;
    return enumFromText(labels, charset, decodeText) ?? decodeText;
  }
  const labels = parseEnumSetLabels(field.columnType);
  if (labels === undefined) return unparseableLabels(field);
  return enumFromIndex(labels);
}

function setDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  if (options.enumSetAsText) return setFromText(textOrFailure(field, options.invalidText));
  const labels = parseEnumSetLabels(field.columnType);
  if (labels === undefined) return unparseableLabels(field);
  return setFromBitmask(labels);
}

function unparseableLabels(field: ColumnField): CellDecoder {
  return failing(
    'unsupported_type',
    `cannot map ENUM/SET numbers to labels: column type ${JSON.stringify(field.columnType)} lists none`,
  );
}

/**
 * JSON is always UTF-8 text whatever collation the field reports (Vitess gives 63). A zero-length cell cannot
 * be a document; MySQL reads an empty binary JSON value as the JSON null literal, and so does this decoder.
 */
function jsonDecoder(policy: InvalidTextPolicy): CellDecoder {
  const decodeUtf8 = textDecoderForCharset('utf8mb4', policy)!;
  return (buf, start, end) => (start === end ? 'null' : decodeUtf8(buf, start, end));
}
