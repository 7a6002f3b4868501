import { invalidValue } from './errors.js';

// Numeric cells are ASCII text. They are parsed straight from the bytes: no TextDecoder, and no string at all
// for integers that fit a double exactly.

const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;

/** Digits that always fit a double exactly (10^15 < 2^53). */
const SAFE_DIGITS = 15;

/**
 * A decimal integer within [min, max] (both safe integers), e.g. a TINYINT..INT or YEAR cell. Leading zeros
 * from ZEROFILL columns are accepted.
 */
export function parseBoundedInt(buf: Buffer, start: number, end: number, min: number, max: number): number {
  let i = start;
  const negative = i < end && buf[i] === MINUS;
  if (negative) i++;
  if (i === end) throw invalidValue('not an integer');
  let value = 0;
  for (; i < end; i++) {
    const digit = buf[i]! - ZERO;
    if (digit < 0 || digit > 9) throw invalidValue('not an integer');
    value = value * 10 + digit;
  }
  // 0 - value turns "-0" into +0.
  if (negative) value = 0 - value;
  if (value < min || value > max) throw invalidValue(`integer out of range ${min}..${max}`);
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A BIGINT (signed) or BIGINT UNSIGNED cell as an exact bigint. */
export function parseInt64(buf: Buffer, start: number, end: number, unsigned: boolean): bigint {
  let i = start;
  const negative = i < end && buf[i] === MINUS;
  if (negative) {
    if (unsigned) throw invalidValue('negative value in an unsigned column');
    i++;
  }
  const digits = end - i;
  if (digits === 0) throw invalidValue('not an integer');
  let value = 0;
  for (let j = i; j < end; j++) {
    const digit = buf[j]! - ZERO;
    if (digit < 0 || digit > 9) throw invalidValue('not an integer');
    value = value * 10 + digit;
  }
  if (digits <= SAFE_DIGITS) return BigInt(negative ? 0 - value : value);
  const exact = BigInt(buf.toString('latin1', start, end));
  if (unsigned ? exact > UINT64_MAX : exact < INT64_MIN || exact > INT64_MAX) {
    throw invalidValue(
      unsigned ? 'integer out of range for BIGINT UNSIGNED' : 'integer out of range for BIGINT',
    );
  }
  return exact;
}

/**
 * An unsigned decimal integer below 2^64 as a number when it is below 2^53, else as a bigint. Used for ENUM
 * indexes and SET bitmasks.
 */
export function parseUnsignedIndex(buf: Buffer, start: number, end: number): number | bigint {
  if (end - start <= SAFE_DIGITS) return parseBoundedInt(buf, start, end, 0, Number.MAX_SAFE_INTEGER);
  return parseInt64(buf, start, end, true);
}

/**
 * A DECIMAL cell as exact canonical text: `[-]int[.frac]` with no leading zeros in the integer part, at least
 * `scale` fraction digits (zero-padded, never truncated), and no `-` on zero.
 *
 * Repairs what older Vitess binlog decoding produced: a dropped zero integer part (`.5`, `-.50`), integer
 * zero-padding when the scale is 0 or a multiple of 9 (`000000001.500000000`), and MySQL's ZEROFILL text.
 */
export function normalizeDecimal(buf: Buffer, start: number, end: number, scale: number): string {
  let i = start;
  let negative = false;
  if (i < end && (buf[i] === MINUS || buf[i] === PLUS)) {
    negative = buf[i] === MINUS;
    i++;
  }
  const intStart = i;
  while (i < end && isDigit(buf[i]!)) i++;
  const intEnd = i;
  let fracStart = end;
  let fracEnd = end;
  if (i < end) {
    if (buf[i] !== DOT) throw invalidValue('not a decimal number');
    fracStart = ++i;
    while (i < end && isDigit(buf[i]!)) i++;
    fracEnd = i;
    if (i < end || fracStart === fracEnd) throw invalidValue('not a decimal number');
  }
  if (intStart === intEnd && fracStart === fracEnd) throw invalidValue('not a decimal number');

  let firstSignificant = intStart;
  while (firstSignificant < intEnd && buf[firstSignificant] === ZERO) firstSignificant++;
  const intIsZero = firstSignificant === intEnd;
  let fracIsZero = true;
  for (let j = fracStart; j < fracEnd && fracIsZero; j++) fracIsZero = buf[j] === ZERO;
  const dropSign = buf[start] === PLUS || (negative && intIsZero && fracIsZero);

  // Common case: the text is canonical already, so one native string copy does.
  const intCanonical = intIsZero ? intEnd - intStart === 1 : firstSignificant === intStart;
  if (!dropSign && intCanonical && fracEnd - fracStart >= scale) return buf.toString('latin1', start, end);

  const sign = negative && !dropSign ? '-' : '';
  const intText = intIsZero ? '0' : buf.toString('latin1', firstSignificant, intEnd);
  const fracText = (fracStart === fracEnd ? '' : buf.toString('latin1', fracStart, fracEnd)).padEnd(
    scale,
    '0',
  );
  return fracText === '' ? sign + intText : `${sign}${intText}.${fracText}`;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= ZERO + 9;
}

/**
 * A FLOAT/DOUBLE cell. Accepts both Go's exponent form from binlog decoding (`1.5E+00`, `1E+02`, `0E+00`) and
 * MySQL's text from the copy phase (`1.5`, `1e-10`). NaN and infinities cannot be stored in MySQL and are
 * refused.
 */
export function parseFloatText(buf: Buffer, start: number, end: number): number {
  if (start === end) throw invalidValue('not a floating-point number');
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    // Only sign, digits, point and exponent characters; keeps out "0x10", "Infinity", spaces and "1_0".
    const allowed =
      isDigit(byte) || byte === DOT || byte === MINUS || byte === PLUS || (byte | 0x20) === 0x65;
    if (!allowed) throw invalidValue('not a floating-point number');
  }
  const value = Number(buf.toString('latin1', start, end));
  if (!Number.isFinite(value)) throw invalidValue('not a finite floating-point number');
  return value;
}
