import { copyBytes } from './binary.js';
import { invalidValue } from './errors.js';
import type { GeometryValue } from './types.js';

/** 4-byte SRID plus the smallest WKB (byte order + geometry type). */
const MIN_GEOMETRY_BYTES = 4 + 5;

/** A GEOMETRY cell: MySQL's internal form is a little-endian uint32 SRID followed by standard WKB. */
export function decodeGeometry(buf: Buffer, start: number, end: number): GeometryValue {
  if (end - start < MIN_GEOMETRY_BYTES) throw invalidValue('GEOMETRY shorter than SRID + WKB header');
  const byteOrder = buf[start + 4];
  if (byteOrder !== 0 && byteOrder !== 1) throw invalidValue('GEOMETRY does not hold WKB after its SRID');
  return { srid: buf.readUInt32LE(start), wkb: copyBytes(buf, start + 4, end) };
}
