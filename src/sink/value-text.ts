import type { DecodedValue, GeometryValue } from '../vstream/decode/types.js';
import type { PgType } from './pg-types.js';
import type { SourceKind } from './type-mapping.js';
import {
  ValueProblem,
  checkDate,
  checkDateTime,
  checkJsonForJsonb,
  checkText,
  checkTime,
  wrongType,
} from './value-checks.js';

/**
 * Turns one decoded value into the Postgres text input of its mirror column (null for SQL NULL). Values reach
 * Postgres as text inside `unnest($n::text[])` and are cast to the column type there, so every encoder only
 * needs to produce the exact input form, and to refuse what Postgres would reject or alter.
 */
export type PgTextEncoder = (value: DecodedValue) => string | null;

export function compilePgTextEncoder(source: SourceKind, target: PgType): PgTextEncoder {
  const encode = encoderFor(source, target);
  return (value) => (value === null ? null : encode(value));
}

type NonNullEncoder = (value: Exclude<DecodedValue, null>) => string;

function encoderFor(source: SourceKind, target: PgType): NonNullEncoder {
  switch (source) {
    case 'integer':
    case 'year':
      return (v) => {
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType('an integer number', v);
        return String(v);
      };
    case 'bigint':
      return (v) => {
        if (typeof v !== 'bigint') throw wrongType('a bigint', v);
        return v.toString();
      };
    case 'float':
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType('a finite number', v);
        // The shortest text that reads back as the same double (and, for FLOAT, as the same float4).
        return String(v);
      };
    case 'decimal':
      return (v) => {
        if (typeof v !== 'string' || !/^-?\d+(?:\.\d+)?$/.test(v)) throw wrongType('decimal text', v);
        return v;
      };
    case 'date':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('date text', v);
        checkDate(v);
        return v;
      };
    case 'datetime':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('datetime text', v);
        checkDateTime(v);
        return v;
      };
    case 'timestamp':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('timestamp text', v);
        checkDateTime(v);
        // The decoder renders TIMESTAMP in UTC; say so, whatever the session time zone.
        return `${v}+00`;
      };
    case 'time':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('time text', v);
        checkTime(v);
        return v;
      };
    case 'bit':
      return bitEncoder(target.kind === 'varbit' ? target.length : null);
    case 'enum':
    case 'text':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('text', v);
        checkText(v);
        return v;
      };
    case 'set':
      return (v) => {
        if (!Array.isArray(v) || v.some((label) => typeof label !== 'string'))
          throw wrongType('SET labels', v);
        return textArrayLiteral(v as string[]);
      };
    case 'json':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('JSON text', v);
        checkJsonForJsonb(v);
        return v;
      };
    case 'bytes':
      return (v) => {
        if (!Buffer.isBuffer(v)) throw wrongType('bytes', v);
        return `\\x${v.toString('hex')}`;
      };
    case 'geometry':
      return (v) => {
        if (!isGeometry(v)) throw wrongType('a geometry', v);
        return `\\x${geometryToEwkb(v).toString('hex')}`;
      };
    case 'vector':
      return (v) => {
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
          throw wrongType('VECTOR elements', v);
        }
        return `{${v.join(',')}}`;
      };
  }
}

/** BIT text, left-padded to the column's width when the column was widened after the value was written. */
function bitEncoder(width: number | null): NonNullEncoder {
  return (v) => {
    if (typeof v !== 'string' || !/^[01]*$/.test(v)) throw wrongType('bit text', v);
    if (width === null || v.length === width) return v;
    if (v.length < width) return v.padStart(width, '0');
    throw new ValueProblem(`BIT value has ${v.length} bits, wider than the column's ${width}`);
  };
}

const TEXT_OID = 25;

/**
 * A column of cells as one `text[]` statement parameter. node-postgres would turn the JS array into an array
 * literal, escaping every element with two regex replacements and concatenating; instead:
 * - a column with no NULL, `"` or `\\` goes as the literal `{"a","b",…}` built with one `join`;
 * - any other column goes in the binary array format (a Buffer, which the driver sends as a binary parameter):
 *   each element's UTF-8 bytes behind its length, so nothing needs escaping (JSON documents, text with quotes).
 * Either way Postgres receives the very same text elements; the statement casts them to the column types.
 */
export function pgTextArrayParam(cells: readonly (string | null)[]): string | Buffer {
  let plain = true;
  for (let i = 0; i < cells.length && plain; i++) {
    const cell = cells[i]!;
    plain = cell !== null && !cell.includes('"') && !cell.includes('\\');
  }
  if (plain) return cells.length === 0 ? '{}' : `{"${cells.join('","')}"}`;
  return binaryTextArray(cells);
}

/** PostgreSQL's binary array format (array_recv) of a one-dimensional `text[]`. */
export function binaryTextArray(cells: readonly (string | null)[]): Buffer {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  let capacity = 20;
  for (const cell of cells) capacity += 4 + (cell === null ? 0 : cell.length * 3);
  const out = Buffer.allocUnsafe(capacity);
  out.writeInt32BE(1, 0); // dimensions
  out.writeInt32BE(TEXT_OID, 8); // element type
  out.writeInt32BE(cells.length, 12); // length of the dimension
  out.writeInt32BE(1, 16); // its lower bound
  let hasNull = 0;
  let at = 20;
  for (const cell of cells) {
    if (cell === null) {
      out.writeInt32BE(-1, at);
      at += 4;
      hasNull = 1;
      continue;
    }
    const bytes = out.write(cell, at + 4);
    out.writeInt32BE(bytes, at);
    at += 4 + bytes;
  }
  out.writeInt32BE(hasNull, 4);
  return out.subarray(0, at);
}

/** A Postgres text[] literal: every element double-quoted, `"` and `\` escaped. */
export function textArrayLiteral(labels: readonly string[]): string {
  for (const label of labels) checkText(label);
  return `{${labels.map((label) => `"${label.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

export function isGeometry(value: unknown): value is GeometryValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    !Array.isArray(value) &&
    typeof (value as GeometryValue).srid === 'number' &&
    Buffer.isBuffer((value as GeometryValue).wkb)
  );
}

const EWKB_SRID_FLAG = 0x20000000;

/**
 * WKB when the SRID is 0; otherwise EWKB (the PostGIS extension of WKB): the SRID flag set in the geometry type
 * and the SRID written after it, in the WKB's byte order. Lossless, and what `ST_GeomFromEWKB` reads.
 */
export function geometryToEwkb(geometry: GeometryValue): Buffer {
  const { srid, wkb } = geometry;
  if (srid === 0) return wkb;
  if (wkb.length < 5) throw new ValueProblem('GEOMETRY WKB is shorter than its header');
  const littleEndian = wkb[0] === 1;
  const type = littleEndian ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  const out = Buffer.allocUnsafe(wkb.length + 4);
  out[0] = wkb[0]!;
  if (littleEndian) {
    out.writeUInt32LE((type | EWKB_SRID_FLAG) >>> 0, 1);
    out.writeUInt32LE(srid >>> 0, 5);
  } else {
    out.writeUInt32BE((type | EWKB_SRID_FLAG) >>> 0, 1);
    out.writeUInt32BE(srid >>> 0, 5);
  }
  wkb.copy(out, 9, 5);
  return out;
}
