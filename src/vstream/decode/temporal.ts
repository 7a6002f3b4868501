import { CellValueError, invalidValue } from './errors.js';
import { latin1String } from './latin1.js';
import type { ZeroDatePolicy } from './types.js';

// Temporal cells stay canonical strings rather than JS Dates: a Date has only millisecond precision, a
// limited range, and would drag in a time zone. DATETIME and TIMESTAMP arrive in the same layout (TIMESTAMP
// rendered in UTC by both the binlog decoder and the UTC copy session), so one parser serves both.

const ZERO = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const SPACE = 0x20;
const DOT = 0x2e;

const MAX_FSP = 6;
const MAX_TIME_HOURS = 838;

/** The number written by `count` ASCII digits at `pos`, or -1 when one of them is not a digit. */
function readDigits(buf: Buffer, pos: number, count: number): number {
  let value = 0;
  for (let i = pos; i < pos + count; i++) {
    const digit = buf[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The number written by the two ASCII digits at `pos`, or -1 when either is not a digit. */
function twoDigits(buf: Buffer, pos: number): number {
  const tens = buf[pos]! - ZERO;
  const ones = buf[pos + 1]! - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** Whether `buf[start, end)` is all ASCII digits. */
function allDigits(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte < ZERO || byte > ZERO + 9) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads `YYYY-MM-DD` at `start`. Returns true for a real calendar date, false for one MySQL can store but a
 * calendar cannot hold (zero year, month or day, or a day past the month's end), and throws for garbage.
 */
function readDate(buf: Buffer, start: number): boolean {
  if (buf[start + 4] !== DASH || buf[start + 7] !== DASH) throw invalidValue('not a YYYY-MM-DD date');
  const century = twoDigits(buf, start);
  const yearOfCentury = twoDigits(buf, start + 2);
  const month = twoDigits(buf, start + 5);
  const day = twoDigits(buf, start + 8);
  if (century < 0 || yearOfCentury < 0 || month < 0 || day < 0) throw invalidValue('not a YYYY-MM-DD date');
  const year = century * 100 + yearOfCentury;
  if (month > 12 || day > 31) throw invalidValue('month or day out of range');
  return year !== 0 && month !== 0 && day !== 0 && day <= daysInMonth(year, month);
}

function applyZeroDatePolicy(text: string, policy: ZeroDatePolicy): string | null {
  if (policy === 'null') return null;
  if (policy === 'keep') return text;
  throw new CellValueError('zero_date', 'zero or impossible date (zeroDate policy is "fail")');
}

/**
 * A DATE cell as `YYYY-MM-DD`; zero and impossible dates follow `policy`. `rowText`, when given, is the row's
 * bytes as one string, one character per byte at the same offsets as in `buf`, to slice the result from.
 */
export function normalizeDate(
  buf: Buffer,
  start: number,
  end: number,
  policy: ZeroDatePolicy,
  rowText?: string,
): string | null {
  if (end - start !== 10) throw invalidValue('not a YYYY-MM-DD date');
  const real = isRealDate(buf, start) || readDate(buf, start);
  const text = rowText === undefined ? latin1String(buf, start, end) : rowText.slice(start, end);
  return real ? text : applyZeroDatePolicy(text, policy);
}

/**
 * A DATETIME or TIMESTAMP cell as `YYYY-MM-DD hh:mm:ss` plus exactly `fsp` fraction digits; zero and
 * impossible dates follow `policy`. `rowText` as for {@link normalizeDate}.
 */
export function normalizeDateTime(
  buf: Buffer,
  start: number,
  end: number,
  fsp: number,
  policy: ZeroDatePolicy,
  rowText?: string,
): string | null {
  if (isPlainDateTime(buf, start, end, fsp)) {
    return rowText === undefined ? latin1String(buf, start, end) : rowText.slice(start, end);
  }
  return checkDateTime(buf, start, end, fsp, policy);
}

/**
 * Whether the cell is a real date and time with exactly `fsp` (0..6) fraction digits, the common case, whose
 * text is its bytes. Small enough for V8 to inline into the row loop; anything else is for
 * {@link checkDateTime}, which also rejects what is invalid.
 */
function isPlainDateTime(buf: Buffer, start: number, end: number, fsp: number): boolean {
  if (fsp < 0 || fsp > MAX_FSP || end - start !== (fsp === 0 ? 19 : 20 + fsp)) return false;
  if (buf[start + 10] !== SPACE || buf[start + 13] !== COLON || buf[start + 16] !== COLON) return false;
  if (fsp > 0 && (buf[start + 19] !== DOT || !allDigits(buf, start + 20, end))) return false;
  const hour = twoDigits(buf, start + 11);
  const minute = twoDigits(buf, start + 14);
  const second = twoDigits(buf, start + 17);
  // twoDigits gives -1 for a non-digit, which makes the OR negative.
  return (
    (hour | minute | second) >= 0 && hour <= 23 && minute <= 59 && second <= 59 && isRealDate(buf, start)
  );
}

/** Whether `YYYY-MM-DD` at `start` is a real calendar date (no zero parts, no day past the month's end). */
function isRealDate(buf: Buffer, start: number): boolean {
  if (buf[start + 4] !== DASH || buf[start + 7] !== DASH) return false;
  const century = twoDigits(buf, start);
  const yearOfCentury = twoDigits(buf, start + 2);
  const month = twoDigits(buf, start + 5);
  const day = twoDigits(buf, start + 8);
  if ((century | yearOfCentury | month | day) < 0) return false;
  const year = century * 100 + yearOfCentury;
  return (
    year !== 0 && month >= 1 && month <= 12 && day >= 1 && (day <= 28 || day <= daysInMonth(year, month))
  );
}

/** {@link normalizeDateTime} of a cell that is not plain: checked, then made canonical or refused. */
function checkDateTime(
  buf: Buffer,
  start: number,
  end: number,
  fsp: number,
  policy: ZeroDatePolicy,
): string | null {
  if (end - start < 19) throw invalidValue('not a YYYY-MM-DD hh:mm:ss value');
  const real = readDate(buf, start);
  if (buf[start + 10] !== SPACE || buf[start + 13] !== COLON || buf[start + 16] !== COLON) {
    throw invalidValue('not a YYYY-MM-DD hh:mm:ss value');
  }
  const hour = twoDigits(buf, start + 11);
  const minute = twoDigits(buf, start + 14);
  const second = twoDigits(buf, start + 17);
  if (hour < 0 || minute < 0 || second < 0) throw invalidValue('not a YYYY-MM-DD hh:mm:ss value');
  if (hour > 23 || minute > 59 || second > 59) throw invalidValue('time of day out of range');
  const text = withFraction(buf, start, start + 19, end, fsp);
  return real ? text : applyZeroDatePolicy(text, policy);
}

/**
 * A TIME cell as `[-]hh:mm:ss` plus exactly `fsp` fraction digits. Hours keep at least two digits and may
 * exceed 24 (MySQL's range is -838:59:59 to 838:59:59); a negative zero loses its sign.
 */
export function normalizeTime(buf: Buffer, start: number, end: number, fsp: number): string {
  let i = start;
  const negative = buf[i] === DASH;
  if (negative) i++;
  let hourEnd = i;
  while (hourEnd < end && hourEnd - i < 4 && buf[hourEnd] !== COLON) hourEnd++;
  const hourDigits = hourEnd - i;
  if (hourDigits < 1 || hourDigits > 3 || end - hourEnd < 6) throw invalidValue('not a [-]hh:mm:ss time');
  if (buf[hourEnd] !== COLON || buf[hourEnd + 3] !== COLON) throw invalidValue('not a [-]hh:mm:ss time');
  const hour = readDigits(buf, i, hourDigits);
  const minute = readDigits(buf, hourEnd + 1, 2);
  const second = readDigits(buf, hourEnd + 4, 2);
  if (hour < 0 || minute < 0 || second < 0) throw invalidValue('not a [-]hh:mm:ss time');
  if (minute > 59 || second > 59) throw invalidValue('minute or second out of range');

  const fraction = fractionText(buf, hourEnd + 6, end, fsp);
  const fractionIsZero = !/[1-9]/.test(fraction);
  if (
    hour > MAX_TIME_HOURS ||
    (hour === MAX_TIME_HOURS && minute === 59 && second === 59 && !fractionIsZero)
  ) {
    throw invalidValue('time out of range -838:59:59..838:59:59');
  }
  const isZero = hour === 0 && minute === 0 && second === 0 && fractionIsZero;
  const sign = negative && !isZero ? '-' : '';
  const hh = hour < 10 ? `0${hour}` : String(hour);
  return `${sign}${hh}:${buf.toString('latin1', hourEnd + 1, hourEnd + 6)}${fraction}`;
}

/** `buf[start, wholeEnd)` followed by the canonical fraction of `buf[wholeEnd, end)`. */
function withFraction(buf: Buffer, start: number, wholeEnd: number, end: number, fsp: number): string {
  const sent = fractionDigits(buf, wholeEnd, end);
  // Canonical already when it only missed the fast path (a zero or impossible date, an fsp outside 0..6).
  if (sent === canonicalDigits(fsp, sent)) return latin1String(buf, start, end);
  return buf.toString('latin1', start, wholeEnd) + fractionText(buf, wholeEnd, end, fsp);
}

/** How many digits the optional `.digits` at `buf[start, end)` has (0 when absent); throws when malformed. */
function fractionDigits(buf: Buffer, start: number, end: number): number {
  if (start === end) return 0;
  if (buf[start] !== DOT || end - start < 2 || !allDigits(buf, start + 1, end)) {
    throw invalidValue('malformed fractional seconds');
  }
  return end - start - 1;
}

/** The column's fsp; one outside 0..6 is not a real precision, so then the digits sent count (up to 6). */
function canonicalDigits(fsp: number, sent: number): number {
  return fsp >= 0 && fsp <= MAX_FSP ? fsp : Math.min(sent, MAX_FSP);
}

/**
 * The canonical fraction (`''`, or `.` plus exactly the canonical digit count) of the optional `.digits` at
 * `buf[start, end)`. Missing digits are zero-padded; surplus digits must be zeros, since dropping others
 * would lose precision.
 */
function fractionText(buf: Buffer, start: number, end: number, fsp: number): string {
  const sent = fractionDigits(buf, start, end);
  const target = canonicalDigits(fsp, sent);
  let digits = sent === 0 ? '' : buf.toString('latin1', start + 1, end);
  if (sent > target) {
    if (/[1-9]/.test(digits.slice(target))) {
      throw invalidValue(`more fractional-second digits than the column precision ${target}`);
    }
    digits = digits.slice(0, target);
  }
  return target === 0 ? '' : `.${digits.padEnd(target, '0')}`;
}

/** A YEAR cell: 0 (MySQL's zero year, sent as `0000`) or 1901..2155. */
export function parseYear(buf: Buffer, start: number, end: number): number {
  if (end === start || end - start > 4) throw invalidValue('not a YEAR');
  const year = readDigits(buf, start, end - start);
  if (year < 0) throw invalidValue('not a YEAR');
  if (year !== 0 && (year < 1901 || year > 2155)) throw invalidValue('YEAR out of range 1901..2155');
  return year;
}
