// Cell values: what callers pass in, how the model stores them, and the bytes each phase puts into a
// query.Row. The running phase mimics Vitess's binlog decoder (go/mysql/binlog/rbr.go); the copy
// phase gives MySQL's SELECT text. Where the two differ (FLOAT/DOUBLE, DECIMAL, ENUM/SET in legacy
// mode) the difference is deliberate.
import type { ColumnType } from './column-types.js';
import { compareDecimal, formatBinlogDecimal, normalizeDecimal } from './decimal.js';
import { DataError } from './errors.js';
import { formatGoExponent, formatMysqlFloat } from './float-format.js';
import { normalizeJson } from './json-text.js';
import { normalizeDate, normalizeDateTime, normalizeTime, normalizeYear, timeToMicros } from './temporal.js';

/**
 * A stored cell, by column kind: integers and BIT as bigint, ENUM as its 1-based index (number), SET as
 * its bitmask (bigint), FLOAT/DOUBLE and YEAR as number, DECIMAL/temporal/JSON as their canonical text,
 * character and byte strings as Buffer (character data already in the column charset); null is NULL.
 */
export type Cell = bigint | number | string | Buffer | null;

export interface EncodeOptions {
  /** v20+ vttablet: ENUM/SET as member text in the running phase; false = indexes and bitmasks. */
  readonly enumSetAsText: boolean;
  /** Reproduce the pre-fix DECIMAL text of the binlog decoder (see decimal.ts). */
  readonly decimalQuirks: boolean;
}

const INT_RANGES: Record<number, { min: bigint; max: bigint; umax: bigint }> = {};
for (const bytes of [1, 2, 3, 4, 8]) {
  const bits = BigInt(bytes * 8);
  INT_RANGES[bytes] = { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n, umax: (1n << bits) - 1n };
}

const FLOAT32_MAX = 3.4028234663852886e38;

function outOfRange(column: string): DataError {
  return new DataError(`Out of range value for column '${column}' at row 1`);
}

function toInteger(input: unknown, column: string): bigint {
  if (typeof input === 'bigint') return input;
  if (typeof input === 'boolean') return input ? 1n : 0n;
  if (typeof input === 'number' && Number.isFinite(input)) {
    // MySQL rounds fractional input to the nearest integer, half away from zero.
    return BigInt(Math.sign(input) * Math.round(Math.abs(input)));
  }
  if (typeof input === 'string') {
    const t = input.trim();
    if (/^[+-]?\d+$/.test(t)) return BigInt(t);
    const n = Number(t);
    if (t !== '' && Number.isFinite(n)) return BigInt(Math.sign(n) * Math.round(Math.abs(n)));
  }
  throw new DataError(`Incorrect integer value: '${String(input)}' for column '${column}' at row 1`);
}

function encodeText(input: unknown, col: ColumnType, column: string): Buffer {
  if (input instanceof Uint8Array) return Buffer.from(input);
  if (typeof input === 'number' || typeof input === 'bigint' || typeof input === 'boolean') {
    input = String(input);
  }
  if (typeof input !== 'string') {
    throw new DataError(`Incorrect string value: '${String(input)}' for column '${column}' at row 1`);
  }
  switch (col.charset.name) {
    case 'latin1':
    case 'ascii':
      for (const ch of input) {
        if (ch.codePointAt(0)! > (col.charset.name === 'ascii' ? 0x7f : 0xff)) {
          throw new DataError(`Incorrect string value: '${input}' for column '${column}' at row 1`);
        }
      }
      return Buffer.from(input, 'latin1');
    case 'utf8mb3':
      if ([...input].some((ch) => ch.codePointAt(0)! > 0xffff)) {
        throw new DataError(`Incorrect string value: '${input}' for column '${column}' at row 1`);
      }
      return Buffer.from(input, 'utf8');
    default:
      return Buffer.from(input, 'utf8');
  }
}

function charCount(bytes: Buffer, col: ColumnType): number {
  return col.charset.maxBytes === 1 ? bytes.length : [...bytes.toString('utf8')].length;
}

function memberIndex(col: ColumnType, label: string): number {
  const exact = col.members.indexOf(label);
  if (exact >= 0) return exact;
  if (col.charset.caseInsensitive) {
    const lower = label.toLowerCase();
    return col.members.findIndex((m) => m.toLowerCase() === lower);
  }
  return -1;
}

function normalizeEnum(input: unknown, col: ColumnType, column: string): number {
  if (typeof input === 'number' || typeof input === 'bigint') {
    const n = Number(input);
    if (Number.isInteger(n) && n >= 0 && n <= col.members.length) return n; // 0 = the invalid '' value
  } else if (typeof input === 'string') {
    const i = memberIndex(col, input);
    if (i >= 0) return i + 1;
  }
  throw new DataError(`Data truncated for column '${column}' at row 1`);
}

function normalizeSet(input: unknown, col: ColumnType, column: string): bigint {
  if (typeof input === 'bigint' || typeof input === 'number') {
    const mask = BigInt(input);
    if (mask >= 0n && mask < 1n << BigInt(col.members.length)) return mask;
    throw new DataError(`Data truncated for column '${column}' at row 1`);
  }
  const labels = typeof input === 'string' ? (input === '' ? [] : input.split(',')) : input;
  if (!Array.isArray(labels)) throw new DataError(`Data truncated for column '${column}' at row 1`);
  let mask = 0n;
  for (const label of labels) {
    const i = typeof label === 'string' ? memberIndex(col, label) : -1;
    if (i < 0) throw new DataError(`Data truncated for column '${column}' at row 1`);
    mask |= 1n << BigInt(i);
  }
  return mask;
}

function normalizeBit(input: unknown, col: ColumnType, column: string): bigint {
  let value: bigint;
  if (input instanceof Uint8Array) {
    value = 0n;
    for (const b of input) value = (value << 8n) | BigInt(b);
  } else {
    value = toInteger(input, column);
  }
  if (value < 0n || value >= 1n << BigInt(col.length))
    throw new DataError(`Data too long for column '${column}' at row 1`);
  return value;
}

/**
 * Validates and converts a caller's value for a column into its stored form, like a strict-mode MySQL
 * insert would (errors carry MySQL's messages). `undefined` and `null` both mean NULL here.
 */
export function normalizeCell(col: ColumnType, input: unknown, column: string): Cell {
  if (input === null || input === undefined) return null;
  switch (col.kind) {
    case 'int': {
      const v = toInteger(input, column);
      const r = INT_RANGES[col.bytes]!;
      if (col.unsigned ? v < 0n || v > r.umax : v < r.min || v > r.max) throw outOfRange(column);
      return v;
    }
    case 'float':
    case 'double': {
      const n = typeof input === 'string' ? Number(input.trim()) : Number(input);
      if (!Number.isFinite(n) || (typeof input === 'string' && input.trim() === '')) {
        throw new DataError(`Incorrect double value: '${String(input)}' for column '${column}' at row 1`);
      }
      if (col.unsigned && n < 0) throw outOfRange(column);
      if (col.kind === 'float') {
        if (Math.abs(n) > FLOAT32_MAX) throw outOfRange(column);
        return Math.fround(n);
      }
      return n;
    }
    case 'decimal':
      return normalizeDecimal(input, col.precision, col.scale, col.unsigned, column);
    case 'date':
      return normalizeDate(input, column);
    case 'datetime':
      return normalizeDateTime(input, col.fsp, false, column);
    case 'timestamp':
      return normalizeDateTime(input, col.fsp, true, column);
    case 'time':
      return normalizeTime(input, col.fsp, column);
    case 'year':
      return normalizeYear(input, column);
    case 'char':
    case 'varchar': {
      let bytes = encodeText(input, col, column);
      // CHAR values lose trailing spaces on the way out of MySQL (no PAD_CHAR_TO_FULL_LENGTH).
      if (col.kind === 'char') {
        let end = bytes.length;
        while (end > 0 && bytes[end - 1] === 0x20) end--;
        bytes = bytes.subarray(0, end);
      }
      if (charCount(bytes, col) > col.length)
        throw new DataError(`Data too long for column '${column}' at row 1`);
      return bytes;
    }
    case 'text': {
      const bytes = encodeText(input, col, column);
      if (bytes.length > col.bytes) throw new DataError(`Data too long for column '${column}' at row 1`);
      return bytes;
    }
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry': {
      const bytes = input instanceof Uint8Array ? Buffer.from(input) : encodeText(input, col, column);
      const limit = col.kind === 'blob' ? col.bytes : col.kind === 'geometry' ? Infinity : col.length;
      if (bytes.length > limit) throw new DataError(`Data too long for column '${column}' at row 1`);
      if (col.kind === 'binary' && bytes.length < col.length) {
        // BINARY(n) is right-padded with 0x00 by MySQL, and Vitess re-pads binlog values the same way.
        return Buffer.concat([bytes, Buffer.alloc(col.length - bytes.length)]);
      }
      return bytes;
    }
    case 'bit':
      return normalizeBit(input, col, column);
    case 'enum':
      return normalizeEnum(input, col, column);
    case 'set':
      return normalizeSet(input, col, column);
    case 'json':
      return normalizeJson(input, column);
  }
}

/** The value MySQL fills in for a NOT NULL column without a default (ALTER TABLE ... ADD COLUMN). */
export function implicitDefault(col: ColumnType): Cell {
  switch (col.kind) {
    case 'int':
    case 'bit':
      return 0n;
    case 'float':
    case 'double':
    case 'year':
      return 0;
    case 'decimal':
      return normalizeDecimal(0, col.precision, col.scale, col.unsigned, '');
    case 'date':
      return '0000-00-00';
    case 'datetime':
    case 'timestamp':
      return normalizeDateTime('0000-00-00 00:00:00', col.fsp, false, '');
    case 'time':
      return normalizeTime('00:00:00', col.fsp, '');
    case 'binary':
      return Buffer.alloc(col.length);
    case 'enum':
      return 1;
    case 'set':
      return 0n;
    case 'json':
      return 'null';
    default:
      return Buffer.alloc(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

function memberText(col: ColumnType, index: number): Buffer {
  return index === 0 ? Buffer.alloc(0) : Buffer.from(col.members[index - 1]!, 'utf8');
}

function setText(col: ColumnType, mask: bigint): Buffer {
  const labels = col.members.filter((_, i) => (mask >> BigInt(i)) & 1n);
  return Buffer.from(labels.join(','), 'utf8');
}

function bitBytes(col: ColumnType, value: bigint): Buffer {
  const out = Buffer.alloc(Math.ceil(col.length / 8));
  let v = value;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const ascii = (s: string) => Buffer.from(s, 'latin1');

/** Bytes of one cell as the copy phase (MySQL SELECT text, UTC session) returns them. */
export function encodeCopyCell(col: ColumnType, cell: Cell): Buffer | null {
  if (cell === null) return null;
  switch (col.kind) {
    case 'float':
    case 'double':
      return ascii(formatMysqlFloat(cell as number, col.kind === 'float' ? 32 : 64));
    case 'year':
      return ascii(String(cell).padStart(4, '0'));
    case 'bit':
      return bitBytes(col, cell as bigint);
    case 'enum':
      return memberText(col, cell as number);
    case 'set':
      return setText(col, cell as bigint);
    case 'json':
      return Buffer.from(cell as string, 'utf8');
    default:
      if (Buffer.isBuffer(cell)) return cell;
      return ascii(String(cell));
  }
}

/** Bytes of one cell as vttablet's binlog decoder produces them in the running phase. */
export function encodeBinlogCell(col: ColumnType, cell: Cell, options: EncodeOptions): Buffer | null {
  if (cell === null) return null;
  switch (col.kind) {
    case 'float':
    case 'double':
      return ascii(formatGoExponent(cell as number, col.kind === 'float' ? 32 : 64));
    case 'decimal':
      return ascii(formatBinlogDecimal(cell as string, col.precision, col.scale, options.decimalQuirks));
    case 'enum':
      return options.enumSetAsText ? memberText(col, cell as number) : ascii(String(cell));
    case 'set':
      return options.enumSetAsText ? setText(col, cell as bigint) : ascii((cell as bigint).toString());
    default:
      return encodeCopyCell(col, cell);
  }
}

/** A query.Row from encoded cells: lengths (-1 = NULL) and the non-NULL bytes concatenated. */
export function buildRow(cells: readonly (Buffer | null)[]): { lengths: number[]; values: Buffer } {
  const lengths: number[] = [];
  const parts: Buffer[] = [];
  for (const c of cells) {
    if (c === null) lengths.push(-1);
    else {
      lengths.push(c.length);
      parts.push(c);
    }
  }
  return { lengths, values: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
}

/** Reads a copy-phase text cell back (a client's lastpk) into the stored form. */
export function parseCopyText(col: ColumnType, bytes: Uint8Array | null, column: string): Cell {
  if (bytes === null) return null;
  const buf = Buffer.from(bytes);
  switch (col.kind) {
    case 'bit': {
      let v = 0n;
      for (const b of buf) v = (v << 8n) | BigInt(b);
      return v;
    }
    case 'char':
    case 'varchar':
    case 'text':
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return buf;
    case 'enum':
    case 'set':
      return normalizeCell(col, buf.toString('utf8'), column);
    case 'json':
      return buf.toString('utf8');
    default:
      return normalizeCell(col, buf.toString('latin1'), column);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison (primary-key order of the copy phase, WHERE filters)

function compareBytes(col: ColumnType, a: Buffer, b: Buffer): number {
  if (col.charset.caseInsensitive) {
    const x = a.toString('utf8').toLowerCase();
    const y = b.toString('utf8').toLowerCase();
    if (x !== y) return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
    return 0;
  }
  return Buffer.compare(a, b);
}

/**
 * Orders two stored cells of one column like MySQL would (NULL first). Case-insensitive collations
 * compare lower-cased text; accent-insensitivity and other collation rules are not modelled.
 */
export function compareCells(col: ColumnType, a: Cell, b: Cell): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  switch (col.kind) {
    case 'decimal':
      return compareDecimal(a as string, b as string);
    case 'time':
      return Math.sign(timeToMicros(a as string) - timeToMicros(b as string));
    default:
      if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return compareBytes(col, a, b);
      return a < b ? -1 : a > b ? 1 : 0;
  }
}

export function cellsEqual(a: Cell, b: Cell): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
