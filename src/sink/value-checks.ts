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

/**
 * JSON text that `jsonb` stores without change: valid JSON, and no `\u0000` or unpaired surrogate escapes,
 * which jsonb refuses although JSON allows them.
 */
export function checkJsonForJsonb(text: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw new ValueProblem('JSON column holds text that is not valid JSON');
  }
  checkText(text);
  if (text.includes('\\u')) checkJsonEscapes(text);
}

function checkJsonEscapes(text: string): void {
  let pendingHigh = false;
  for (let i = text.indexOf('\\'); i >= 0 && i < text.length;) {
    const next = text[i + 1];
    if (next !== 'u') {
      pendingHigh = false;
      i = text.indexOf('\\', i + 2);
      continue;
    }
    const code = parseInt(text.slice(i + 2, i + 6), 16);
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = code >= 0xdc00 && code <= 0xdfff;
    if (code === 0) throw new ValueProblem('JSON contains \\u0000, which jsonb cannot store');
    if (pendingHigh && !low) throw new ValueProblem('JSON contains an unpaired \\ud8xx surrogate escape');
    if (low && !pendingHigh) throw new ValueProblem('JSON contains an unpaired \\udcxx surrogate escape');
    pendingHigh = high;
    const after = i + 6;
    // A high surrogate must be followed immediately by the low one.
    if (high && text.slice(after, after + 2) !== '\\u') {
      throw new ValueProblem('JSON contains an unpaired \\ud8xx surrogate escape');
    }
    i = text.indexOf('\\', after);
  }
  if (pendingHigh) throw new ValueProblem('JSON contains an unpaired \\ud8xx surrogate escape');
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
