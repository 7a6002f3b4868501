import type { ColumnField } from '../vstream/decode/types.js';
import { MySqlFlag, QueryType } from '../vstream/constants.js';
import type { PgType } from './pg-types.js';

/**
 * Which shape of decoded JS value a column delivers (see src/vstream/decode/types.ts); the value encoders
 * switch on it. Decided from the FIELD the same way the decoder decides, so both always agree.
 */
export type SourceKind =
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'float'
  | 'year'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'bit'
  | 'enum'
  | 'set'
  | 'json'
  | 'text'
  | 'bytes'
  | 'geometry'
  | 'vector';

export interface ColumnMapping {
  source: SourceKind;
  pgType: PgType;
}

/** The `binary` collation: string columns with it decode to bytes. */
const BINARY_COLLATION = 63;
const BYTES_BY_DEFAULT: ReadonlySet<number> = new Set([
  QueryType.BINARY,
  QueryType.VARBINARY,
  QueryType.BLOB,
]);

/**
 * The Postgres type for a MySQL column, or a reason when there is none. The table in docs/type-mapping.md is
 * the reference for these rules; keep both in step.
 */
export function mapColumnType(field: ColumnField): ColumnMapping | { unsupported: string } {
  switch (field.type) {
    case QueryType.INT8:
    case QueryType.UINT8:
    case QueryType.INT16:
      return { source: 'integer', pgType: { kind: 'smallint' } };
    case QueryType.UINT16:
    case QueryType.INT24:
    case QueryType.UINT24:
    case QueryType.INT32:
      return { source: 'integer', pgType: { kind: 'integer' } };
    case QueryType.UINT32:
      return { source: 'integer', pgType: { kind: 'bigint' } };
    case QueryType.INT64:
      return { source: 'bigint', pgType: { kind: 'bigint' } };
    case QueryType.UINT64:
      return { source: 'bigint', pgType: { kind: 'numeric', precision: 20, scale: 0 } };
    case QueryType.YEAR:
      return { source: 'year', pgType: { kind: 'smallint' } };
    case QueryType.FLOAT32:
      return { source: 'float', pgType: { kind: 'real' } };
    case QueryType.FLOAT64:
      return { source: 'float', pgType: { kind: 'double' } };
    case QueryType.DECIMAL:
      return { source: 'decimal', pgType: decimalType(field) };
    case QueryType.DATE:
      return { source: 'date', pgType: { kind: 'date' } };
    case QueryType.DATETIME:
      return { source: 'datetime', pgType: { kind: 'timestamp', precision: fsp(field) } };
    case QueryType.TIMESTAMP:
      return { source: 'timestamp', pgType: { kind: 'timestamptz', precision: fsp(field) } };
    case QueryType.TIME:
      return { source: 'time', pgType: { kind: 'interval' } };
    case QueryType.BIT:
      return { source: 'bit', pgType: { kind: 'varbit', length: bitWidth(field) } };
    case QueryType.ENUM:
      return { source: 'enum', pgType: { kind: 'text' } };
    case QueryType.SET:
      return { source: 'set', pgType: { kind: 'text[]' } };
    case QueryType.JSON:
      return { source: 'json', pgType: { kind: 'jsonb' } };
    case QueryType.GEOMETRY:
      return { source: 'geometry', pgType: { kind: 'bytea' } };
    case QueryType.VECTOR:
      return { source: 'vector', pgType: { kind: 'real[]' } };
    case QueryType.CHAR:
    case QueryType.VARCHAR:
    case QueryType.TEXT:
    case QueryType.BINARY:
    case QueryType.VARBINARY:
    case QueryType.BLOB:
      return stringColumn(field);
    default:
      return {
        unsupported: `query.Type ${field.type} (${field.columnType || 'unknown SQL type'}) is not supported`,
      };
  }
}

/**
 * Mirrors the decoder: the collation, not the type, tells text from bytes (a `_bin`-collated VARCHAR arrives
 * as VARBINARY), and string columns flagged ENUM/SET whose SQL type says so decode as labels.
 */
function stringColumn(field: ColumnField): ColumnMapping {
  if (field.charset === BINARY_COLLATION || (field.charset === 0 && BYTES_BY_DEFAULT.has(field.type))) {
    return { source: 'bytes', pgType: { kind: 'bytea' } };
  }
  const sqlType = field.columnType.trimStart().toLowerCase();
  if (field.flags & MySqlFlag.ENUM_FLAG && sqlType.startsWith('enum(')) {
    return { source: 'enum', pgType: { kind: 'text' } };
  }
  if (field.flags & MySqlFlag.SET_FLAG && sqlType.startsWith('set(')) {
    return { source: 'set', pgType: { kind: 'text[]' } };
  }
  return { source: 'text', pgType: { kind: 'text' } };
}

/** Fractional-second precision 0..6 (Postgres' maximum is also 6). */
function fsp(field: ColumnField): number {
  return Math.min(Math.max(field.decimals, 0), 6);
}

function decimalType(field: ColumnField): PgType {
  const match = /^\s*decimal\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/i.exec(field.columnType);
  if (match?.[1] !== undefined) {
    return { kind: 'numeric', precision: Number(match[1]), scale: Number(match[2] ?? 0) };
  }
  // Without the SQL type, keep every value exact rather than guess a precision.
  return { kind: 'numeric', precision: null, scale: 0 };
}

/** BIT(n) width from `bit(n)`, else the column length; null (unbounded) when neither says. */
function bitWidth(field: ColumnField): number | null {
  const match = /^\s*bit\s*\(\s*(\d+)\s*\)/i.exec(field.columnType);
  if (match?.[1] !== undefined) return Number(match[1]);
  return field.columnLength > 0 && field.columnLength <= 64 ? field.columnLength : null;
}

/** True when the column is part of the primary key, per the FIELD flags. */
export function isPrimaryKeyColumn(field: ColumnField): boolean {
  return (field.flags & MySqlFlag.PRI_KEY_FLAG) !== 0;
}

/**
 * A single-column unique key on a NOT NULL column (MySQL sets UNIQUE_KEY_FLAG only for single-column unique
 * keys), usable as the mirror key when the table has no primary key.
 */
export function isNotNullUniqueColumn(field: ColumnField): boolean {
  return (field.flags & MySqlFlag.UNIQUE_KEY_FLAG) !== 0 && (field.flags & MySqlFlag.NOT_NULL_FLAG) !== 0;
}
