import { Buffer } from 'node:buffer';
import { invalidValue } from './errors.js';

/**
 * An own copy of `buf[start, end)`. Copying (rather than a view) keeps a decoded row from pinning the whole
 * gRPC message buffer while it waits in a transaction buffer.
 */
export function copyBytes(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

const BYTE_BITS: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(2).padStart(8, '0'),
);

/**
 * A BIT(width) cell (big-endian bytes, ceil(width/8) of them) as exactly `width` characters `'0'`/`'1'`, most
 * significant first, e.g. BIT(3) 0x05 → `'101'`. This is Postgres `bit(n)` input syntax. Width 0 (unknown)
 * keeps all 8 bits of every byte.
 */
export function decodeBitString(width: number): (buf: Buffer, start: number, end: number) => string {
  return (buf, start, end) => {
    let bits = '';
    for (let i = start; i < end; i++) bits += BYTE_BITS[buf[i]!]!;
    if (width === 0 || bits.length === width) return bits;
    if (bits.length < width) return bits.padStart(width, '0');
    const excess = bits.length - width;
    if (bits.lastIndexOf('1', excess - 1) >= 0) throw invalidValue(`value wider than BIT(${width})`);
    return bits.slice(excess);
  };
}

/** A VECTOR cell (MySQL 9: little-endian float32 elements) as plain numbers. */
export function decodeVector(buf: Buffer, start: number, end: number): number[] {
  if ((end - start) % 4 !== 0) throw invalidValue('VECTOR length is not a multiple of 4 bytes');
  const values = new Array<number>((end - start) / 4);
  for (let i = 0, pos = start; pos < end; i++, pos += 4) values[i] = buf.readFloatLE(pos);
  return values;
}
