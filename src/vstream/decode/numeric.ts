import { invalidValue } from './errors.js';
import { latin1String } from './latin1.js';

// Numeric cells are ASCII text. They are parsed straight from the bytes: no TextDecoder, and no string at all
// for integers that fit a double exactly.
//
// The parsers run once per cell, inside the row decoder's loop. Their common case is kept to a few hundred
// bytes of bytecode, with error messages built in helpers and rare cases in separate functions, because V8
// only inlines small functions and only up to a budget per caller: that inlining is worth a lot per row.

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
  if (i === end) throw notAnInteger();
  let value = 0;
  for (; i < end; i++) {
    const digit = buf[i]! - ZERO;
    if (digit >>> 0 > 9) throw notAnInteger();
    value = value * 10 + digit;
  }
  // 0 - value turns "-0" into +0.
  if (negative) value = 0 - value;
  if (value < min || value > max) throw outOfRange(min, max);
  return value;
}

function notAnInteger(): Error {
  return invalidValue('not an integer');
}

function outOfRange(min: number, max: number): Error {
  return invalidValue(`integer out of range ${min}..${max}`);
}

/** A BIGINT (signed) or BIGINT UNSIGNED cell as an exact bigint. */
export function parseInt64(buf: Buffer, start: number, end: number, unsigned: boolean): bigint {
  return isSmallInt64(buf, start, end)
    ? parseSmallInt64(buf, start, end)
    : parseWideInt64(buf, start, end, unsigned);
}

/**
 * Whether {@link parseSmallInt64} can take the cell: 1 to 9 characters, the first not a sign. The row decoder
 * tests this itself so that only these two small functions need inlining into its loop.
 */
export function isSmallInt64(buf: Buffer, start: number, end: number): boolean {
  return end > start && end - start <= CHUNK_DIGITS && buf[start] !== MINUS;
}

/** {@link parseInt64} of a cell {@link isSmallInt64} accepts: a small integer, which BigInt() takes cheaply. */
export function parseSmallInt64(buf: Buffer, start: number, end: number): bigint {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = buf[i]! - ZERO;
    if (digit >>> 0 > 9) throw notAnInteger();
    value = value * 10 + digit;
  }
  return BigInt(value | 0);
}

/** {@link parseInt64} of a cell {@link isSmallInt64} refuses (a sign, more than 9 digits, or none). */
export function parseWideInt64(buf: Buffer, start: number, end: number, unsigned: boolean): bigint {
  let i = start;
  const negative = i < end && buf[i] === MINUS;
  if (negative) {
    if (unsigned) throw invalidValue('negative value in an unsigned column');
    i++;
  }
  if (i === end) throw notAnInteger();
  if (end - i <= CHUNK_DIGITS) {
    const value = chunkValue(buf, i, end);
    return BigInt(negative ? 0 - (value | 0) : value | 0);
  }
  // Otherwise top * 10^18 + mid * 10^9 + low, from the last 9 digits, the 9 before them, and any others.
  const lowStart = end - CHUNK_DIGITS;
  const midStart = lowStart - CHUNK_DIGITS > i ? lowStart - CHUNK_DIGITS : i;
  let top = 0;
  for (; i < midStart; i++) {
    const digit = buf[i]! - ZERO;
    if (digit >>> 0 > 9) throw notAnInteger();
    top = top * 10 + digit;
  }
  const mid = chunkValue(buf, midStart, lowStart);
  const low = chunkValue(buf, lowStart, end);
  return wideInt64(top, mid, low, negative, unsigned);
}

/** Digits per chunk: 10^9 < 2^31, so a chunk's value is a small integer. */
const CHUNK_DIGITS = 9;

/** The value of at most {@link CHUNK_DIGITS} decimal digits at `buf[start, end)`, two digits per step. */
function chunkValue(buf: Buffer, start: number, end: number): number {
  let value = 0;
  let i = start;
  if ((end - start) & 1) {
    value = buf[i]! - ZERO;
    if (value >>> 0 > 9) throw notAnInteger();
    i++;
  }
  for (; i < end; i += 2) {
    const tens = buf[i]! - ZERO;
    const ones = buf[i + 1]! - ZERO;
    // `>>> 0` makes a negative difference (a byte below '0') huge, so one test per digit does.
    if (tens >>> 0 > 9 || ones >>> 0 > 9) throw notAnInteger();
    value = value * 100 + (tens * 10 + ones);
  }
  return value;
}

const TWO_16 = 0x1_0000;
const TWO_31 = 0x8000_0000;
const TWO_32 = 0x1_0000_0000;
// Multiplying by these is exact (powers of two) and much cheaper than dividing.
const INV_TWO_16 = 2 ** -16;
const INV_TWO_32 = 2 ** -32;

/**
 * `top * 10^18 + mid * 10^9 + low` (`mid`, `low` < 10^9) as an exact bigint, range-checked. Split into two
 * 32-bit words with double arithmetic in which every intermediate is an integer below 2^53, so exact.
 */
function wideInt64(top: number, mid: number, low: number, negative: boolean, unsigned: boolean): bigint {
  // 2^64 < 19 * 10^18: a larger `top` (which need not even be exact) is out of range whatever the sign.
  if (top <= 18) {
    // value = x * 10^9 + low with x < 2^35; x = xh * 2^16 + xl, p = xh * 10^9 < 2^49, p = ph * 2^16 + pl, so
    // value = ph * 2^32 + t with t = pl * 2^16 + xl * 10^9 + low < 2^47.
    const x = top * 1e9 + mid;
    const xh = Math.floor(x * INV_TWO_16);
    const p = xh * 1e9;
    const ph = Math.floor(p * INV_TWO_16);
    const t = (p - ph * TWO_16) * TWO_16 + (x - xh * TWO_16) * 1e9 + low;
    const th = Math.floor(t * INV_TWO_32);
    const word0 = t - th * TWO_32;
    const word1 = ph + th;
    if (unsigned ? word1 < TWO_32 : word1 < TWO_31 || (negative && word1 === TWO_31 && word0 === 0)) {
      return int64FromWords(word1, word0, negative);
    }
  }
  throw invalidValue(
    unsigned ? 'integer out of range for BIGINT UNSIGNED' : 'integer out of range for BIGINT',
  );
}

/**
 * `±(word1 * 2^32 + word0)` for two uint32 words, negative magnitudes at most 2^63. Written inside
 * BigInt.asUintN/asIntN(64, ...) with the words typed as uint32 (`>>> 0`), so that V8's optimizing compiler
 * does the arithmetic on machine words and allocates only the result: several times cheaper than
 * `BigInt(number)` of a large number, let alone `BigInt(text)`.
 */
function int64FromWords(word1: number, word0: number, negative: boolean): bigint {
  return negative
    ? BigInt.asIntN(64, -((BigInt(word1 >>> 0) << 32n) | BigInt(word0 >>> 0)))
    : BigInt.asUintN(64, (BigInt(word1 >>> 0) << 32n) | BigInt(word0 >>> 0));
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
 *
 * `rowText`, when given, is the row's bytes as one string, one character per byte at the same offsets as in
 * `buf`: text already canonical is then sliced from it rather than built.
 */
export function normalizeDecimal(
  buf: Buffer,
  start: number,
  end: number,
  scale: number,
  rowText?: string,
): string {
  if (isCanonicalDecimal(buf, start, end, scale)) {
    return rowText === undefined ? latin1String(buf, start, end) : rowText.slice(start, end);
  }
  return rebuildDecimal(buf, start, end, scale);
}

/**
 * Whether the cell is a valid DECIMAL already in the canonical form, so that its text is its bytes: `[-]`, an
 * integer part without leading zeros (or one `0`), optionally `.` and digits, at least `scale` of them, and
 * not a negative zero. Anything else is for {@link rebuildDecimal}, which also rejects what is invalid.
 */
function isCanonicalDecimal(buf: Buffer, start: number, end: number, scale: number): boolean {
  let i = start;
  if (buf[i] === MINUS) i++;
  const intStart = i;
  let nonZero = 0;
  for (; i < end; i++) {
    const digit = buf[i]! - ZERO;
    if (digit >>> 0 > 9) break;
    nonZero |= digit;
  }
  const intDigits = i - intStart;
  if (intDigits === 0 || (intDigits > 1 && buf[intStart] === ZERO)) return false;
  let fracDigits = 0;
  if (i < end) {
    if (buf[i] !== DOT) return false;
    const fracStart = ++i;
    for (; i < end; i++) {
      const digit = buf[i]! - ZERO;
      if (digit >>> 0 > 9) return false;
      nonZero |= digit;
    }
    fracDigits = i - fracStart;
    if (fracDigits === 0) return false;
  }
  return fracDigits >= scale && (nonZero !== 0 || buf[start] !== MINUS);
}

/** {@link normalizeDecimal} of a cell that is not canonical already: checked, then rebuilt. */
function rebuildDecimal(buf: Buffer, start: number, end: number, scale: number): string {
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

  const intCanonical = intIsZero ? intEnd - intStart === 1 : firstSignificant === intStart;
  if (!dropSign && intCanonical && fracEnd - fracStart >= scale) return latin1String(buf, start, end);

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

/** 10^0..10^22: the powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];
const MAX_EXACT_POWER = 22;

/**
 * A FLOAT/DOUBLE cell. Accepts both Go's exponent form from binlog decoding (`1.5E+00`, `1E+02`, `0E+00`) and
 * MySQL's text from the copy phase (`1.5`, `1e-10`). NaN and infinities cannot be stored in MySQL and are
 * refused.
 */
export function parseFloatText(buf: Buffer, start: number, end: number): number {
  const value = parseShortFloat(buf, start, end);
  return value === undefined ? parseFloatSlow(buf, start, end) : value;
}

/**
 * Clinger's fast path: a decimal `[+-]digits[.digits][(e|E)[+-]digits]` with at most 15 significant digits
 * and a decimal exponent within ±22 is a product or quotient of two doubles that are both exact, and IEEE
 * rounds that one operation correctly, so the result is exactly what `Number(text)` gives. Anything else
 * (more digits, larger exponents, malformed text) is undefined and left to {@link parseFloatSlow}.
 */
function parseShortFloat(buf: Buffer, start: number, end: number): number | undefined {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative || buf[i] === PLUS) i++;
  let mantissa = 0;
  let digits = 0;
  /** Digits before the point, once there was one. */
  let point = -1;
  for (; i < end; i++) {
    const byte = buf[i]!;
    const digit = byte - ZERO;
    if (digit >>> 0 <= 9) {
      mantissa = mantissa * 10 + digit;
      digits++;
    } else if (byte === DOT && point < 0) {
      point = digits;
    } else break;
  }
  // At most 15 digits in all keeps the mantissa exact.
  if (digits === 0 || digits > SAFE_DIGITS) return undefined;
  let exponent = point < 0 ? 0 : point - digits;
  if (i < end) {
    if ((buf[i]! | 0x20) !== 0x65) return undefined;
    const sign = buf[++i];
    if (sign === MINUS || sign === PLUS) i++;
    if (i >= end) return undefined;
    let written = 0;
    for (; i < end; i++) {
      const digit = buf[i]! - ZERO;
      if (digit >>> 0 > 9 || written > MAX_EXACT_POWER) return undefined;
      written = written * 10 + digit;
    }
    exponent += sign === MINUS ? -written : written;
  }
  if (exponent > MAX_EXACT_POWER || exponent < -MAX_EXACT_POWER) return undefined;
  const magnitude =
    exponent >= 0 ? mantissa * EXACT_POWERS_OF_TEN[exponent]! : mantissa / EXACT_POWERS_OF_TEN[-exponent]!;
  return negative ? -magnitude : magnitude;
}

function parseFloatSlow(buf: Buffer, start: number, end: number): number {
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
