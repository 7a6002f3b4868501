/**
 * Checks for values Postgres would refuse or (worse) silently change. A failed check throws a ValueProblem; the
 * sink turns it into a quarantine row or an UnapplicableValueError, per the stream's policy.
 */
export class ValueProblem extends Error {
  override readonly name = 'ValueProblem';
  constructor(readonly reason: string) {
    super(reason);
  }
}

// NUL cannot be stored in Postgres text; a lone surrogate would be replaced by U+FFFD on the way out.
const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

/** Throws unless `text` can be stored in a Postgres text value exactly. */
export function checkText(text: string): void {
  if (!UNSTORABLE_TEXT.test(text)) return;
  throw new ValueProblem(
    text.includes('\0')
      ? 'text contains a NUL character (U+0000), which Postgres text cannot store'
      : 'text contains an unpaired UTF-16 surrogate, which Postgres text cannot store',
  );
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?$/;
const TIME_RE = /^-?(\d{2,3}):[0-5]\d:[0-5]\d(?:\.\d{1,6})?$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

function checkDateParts(match: RegExpExecArray, what: string): void {
  if (!isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new ValueProblem(`${what} is a zero or impossible date (year 0, month 0, day 0 or past month end)`);
  }
}

/** `YYYY-MM-DD` that Postgres `date` reads as the same day. */
export function checkDate(text: string): void {
  const match = DATE_RE.exec(text);
  if (match === null) throw new ValueProblem('DATE is not in YYYY-MM-DD form');
  checkDateParts(match, 'DATE');
}

/** `YYYY-MM-DD hh:mm:ss[.ffffff]` that Postgres `timestamp` reads as the same instant. */
export function checkDateTime(text: string): void {
  const match = DATETIME_RE.exec(text);
  if (match === null) throw new ValueProblem('DATETIME/TIMESTAMP is not in YYYY-MM-DD hh:mm:ss[.f] form');
  checkDateParts(match, 'DATETIME/TIMESTAMP');
}

/** MySQL TIME text, -838:59:59.000000 .. 838:59:59.000000. */
export function checkTime(text: string): void {
  const match = TIME_RE.exec(text);
  if (match === null || Number(match[1]) > 838)
    throw new ValueProblem('TIME is outside -838:59:59..838:59:59');
}

const NOT_JSON = 'JSON column holds text that is not valid JSON';
const UNPAIRED_HIGH = 'JSON contains an unpaired \\ud8xx surrogate escape';
const UNPAIRED_LOW = 'JSON contains an unpaired \\udcxx surrogate escape';
const NUL_ESCAPE = 'JSON contains \\u0000, which jsonb cannot store';

/**
 * JSON text that `jsonb` stores without change: valid JSON (RFC 8259, as JSON.parse reads it), and no `\u0000`
 * or unpaired surrogate escapes, which jsonb refuses although JSON allows them, nor raw unpaired surrogates. One
 * pass over the text, building nothing (JSON.parse would build the whole value only to throw it away).
 */
export function checkJsonForJsonb(text: string): void {
  const problem = jsonbProblem(text);
  if (problem !== null) throw new ValueProblem(problem);
}

const IN_OBJECT = 1;
const IN_ARRAY = 2;

// State of the scan in progress (module-level: helpers defined inside the function would be recreated per call).
let scanRawSurrogate = false;
let scanEscapeProblem: string | null = null;

function skipSpace(text: string, at: number): number {
  let c = text.charCodeAt(at);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
  return at;
}

function hexValue(c: number): number {
  return c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The string starting at `at` (its opening quote); returns the index after its closing quote, or -1. */
function scanString(text: string, at: number): number {
  const n = text.length;
  let pendingHigh = false;
  for (let j = at + 1; j < n;) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      const e = text.charCodeAt(j + 1);
      if (e === 0x75) {
        const h0 = hexValue(text.charCodeAt(j + 2));
        const h1 = hexValue(text.charCodeAt(j + 3));
        const h2 = hexValue(text.charCodeAt(j + 4));
        const h3 = hexValue(text.charCodeAt(j + 5));
        if ((h0 | h1 | h2 | h3) < 0) return -1;
        if (scanEscapeProblem === null) {
          const code = (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
          const high = code >= 0xd800 && code <= 0xdbff;
          const low = code >= 0xdc00 && code <= 0xdfff;
          if (code === 0) scanEscapeProblem = NUL_ESCAPE;
          else if (pendingHigh && !low) scanEscapeProblem = UNPAIRED_HIGH;
          else if (low && !pendingHigh) scanEscapeProblem = UNPAIRED_LOW;
          // A high surrogate must be followed immediately by the low one.
          else if (high && !(text.charCodeAt(j + 6) === 0x5c && text.charCodeAt(j + 7) === 0x75)) {
            scanEscapeProblem = UNPAIRED_HIGH;
          }
          pendingHigh = high;
        }
        j += 6;
        continue;
      }
      if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        return -1;
      }
      pendingHigh = false;
      j += 2;
      continue;
    }
    if (c < 0x20) return -1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(j + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        j += 2;
        continue;
      }
      scanRawSurrogate = true;
    }
    j++;
  }
  return -1;
}

/** The number starting at `at`; returns the index after it, or -1. */
function scanNumber(text: string, at: number): number {
  let j = at;
  if (text.charCodeAt(j) === 0x2d) j++;
  const first = text.charCodeAt(j);
  if (first === 0x30) j++;
  else if (first >= 0x31 && first <= 0x39) while (isDigit(text.charCodeAt(++j)));
  else return -1;
  if (text.charCodeAt(j) === 0x2e) {
    if (!isDigit(text.charCodeAt(++j))) return -1;
    while (isDigit(text.charCodeAt(++j)));
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    const sign = text.charCodeAt(++j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(++j)));
  }
  return j;
}

/** An object member's `"key":`, starting at `at`; returns the index of its value, or -1. */
function scanKey(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x22) return -1;
  const end = scanString(text, at);
  if (end < 0) return -1;
  const colon = skipSpace(text, end);
  return text.charCodeAt(colon) === 0x3a ? skipSpace(text, colon + 1) : -1;
}

/** Why jsonb would refuse or alter `text`, or null. Invalid JSON is reported before anything else. */
export function jsonbProblem(text: string): string | null {
  scanRawSurrogate = false;
  scanEscapeProblem = null;
  const valid = scanJson(text);
  if (!valid) return NOT_JSON;
  if (scanRawSurrogate) return 'text contains an unpaired UTF-16 surrogate, which Postgres text cannot store';
  return scanEscapeProblem;
}

function scanJson(text: string): boolean {
  const n = text.length;
  const stack: number[] = [];
  let i = skipSpace(text, 0);
  for (;;) {
    // A value starts at i.
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === 0x7d) {
        i++;
      } else {
        stack.push(IN_OBJECT);
        i = scanKey(text, i);
        if (i < 0) return false;
        continue;
      }
    } else if (c === 0x5b) {
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === 0x5d) {
        i++;
      } else {
        stack.push(IN_ARRAY);
        continue;
      }
    } else if (c === 0x22) {
      i = scanString(text, i);
    } else if (c === 0x2d || isDigit(c)) {
      i = scanNumber(text, i);
    } else if (c === 0x74 && text.startsWith('true', i)) {
      i += 4;
    } else if (c === 0x66 && text.startsWith('false', i)) {
      i += 5;
    } else if (c === 0x6e && text.startsWith('null', i)) {
      i += 4;
    } else {
      return false;
    }
    if (i < 0) return false;
    // A value ended at i: close the containers it ends, or move to the next member or element.
    for (;;) {
      i = skipSpace(text, i);
      const top = stack[stack.length - 1];
      if (top === undefined) return i === n;
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i = skipSpace(text, i + 1);
        if (top === IN_OBJECT) {
          i = scanKey(text, i);
          if (i < 0) return false;
        }
        break;
      }
      if ((top === IN_OBJECT && d === 0x7d) || (top === IN_ARRAY && d === 0x5d)) {
        stack.pop();
        i++;
      } else {
        return false;
      }
    }
  }
}

export function describeJsType(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A value whose JS type does not match its column: a decoder/sink mismatch, reported like any bad value. */
export function wrongType(expected: string, value: unknown): ValueProblem {
  return new ValueProblem(`expected ${expected} for this column, got ${describeJsType(value)}`);
}
