import { copyBytes, decodeBitString, decodeVector } from './binary.js';
import { BINARY_COLLATION, charsetOfCollation, textDecoderForCharset } from './charsets.js';
import type { TextCellDecoder } from './charsets.js';
import { enumFromIndex, parseEnumSetLabels, setFromBitmask, setFromText } from './enumset.js';
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
 * Picks the decode function for one column, once per FIELD event, so the per-row loop only calls it. Problems
 * that depend on the column alone (unsupported type or charset, unparseable ENUM labels) become a decoder
 * that fails on the column's first non-NULL cell: a column that only ever holds NULL does not block the
 * table.
 */
export function compileCellDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  switch (field.type) {
    case QueryType.INT8:
      return bounded(-128, 127);
    case QueryType.UINT8:
      return bounded(0, 255);
    case QueryType.INT16:
      return bounded(-32768, 32767);
    case QueryType.UINT16:
      return bounded(0, 65535);
    case QueryType.INT24:
      return bounded(-8388608, 8388607);
    case QueryType.UINT24:
      return bounded(0, 16777215);
    case QueryType.INT32:
      return bounded(-2147483648, 2147483647);
    case QueryType.UINT32:
      return bounded(0, 4294967295);
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
  if (field.charset === BINARY_COLLATION) return copyBytes;
  if (field.charset === 0 && STRING_TYPES_WITH_BYTES.has(field.type)) return copyBytes;
  const enumOrSet = enumSetByFlags(field, options);
  if (enumOrSet !== undefined) return enumOrSet;
  return textOrFailure(field, options.invalidText);
}

/** A string-typed column that MySQL flags as ENUM/SET and whose column type says so too. */
function enumSetByFlags(field: ColumnField, options: CellDecoderOptions): CellDecoder | undefined {
  const type = field.columnType.trimStart().toLowerCase();
  if (field.flags & MySqlFlag.ENUM_FLAG && type.startsWith('enum(')) return enumDecoder(field, options);
  if (field.flags & MySqlFlag.SET_FLAG && type.startsWith('set(')) return setDecoder(field, options);
  return undefined;
}

function enumDecoder(field: ColumnField, options: CellDecoderOptions): CellDecoder {
  if (options.enumSetAsText) return textOrFailure(field, options.invalidText);
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
