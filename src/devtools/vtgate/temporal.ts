// DATE, DATETIME, TIMESTAMP, TIME and YEAR values normalised to the text MySQL prints (and Vitess's
// binlog decoder reproduces): "YYYY-MM-DD hh:mm:ss" plus exactly fsp fraction digits. Fractions are
// rounded as MySQL does by default. TIMESTAMP values are kept in UTC, the session zone of the copy phase.
import { DataError } from './errors.js';

const DATE_TIME =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:\d{2})?\s*$/i;
const TIME = /^\s*(-)?(\d{1,3}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?\s*$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function bad(kind: string, input: unknown, column: string): DataError {
  const shown = input instanceof Date ? input.toISOString() : String(input);
  return new DataError(`Incorrect ${kind} value: '${shown}' for column '${column}' at row 1`);
}

/** Microseconds rounded to `fsp` digits (half up), possibly carrying into the next second. */
function roundMicros(micros: number, fsp: number): number {
  const unit = 10 ** (6 - fsp);
  return Math.round(micros / unit) * unit;
}

function fractionMicros(digits: string | undefined): number {
  if (!digits) return 0;
  // Keep 7 digits so the rounding to 6 is right, then round once more to fsp by the caller.
  return Math.round(Number(digits.padEnd(7, '0').slice(0, 7)) / 10);
}

function formatFraction(micros: number, fsp: number): string {
  return fsp ? `.${pad(micros, 6).slice(0, fsp)}` : '';
}

interface Parts {
  ms: number; // epoch milliseconds (UTC) of the whole seconds
  micros: number;
  zero: boolean;
}

function parseDateTime(input: unknown, kind: string, column: string): Parts {
  if (input instanceof Date) {
    const t = input.getTime();
    if (Number.isNaN(t)) throw bad(kind, input, column);
    const ms = Math.floor(t / 1000) * 1000;
    return { ms, micros: (t - ms) * 1000, zero: false };
  }
  if (typeof input !== 'string') throw bad(kind, input, column);
  const m = DATE_TIME.exec(input);
  if (!m) throw bad(kind, input, column);
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) =>
    Number(x ?? 0),
  ) as [number, number, number, number?, number?, number?];
  const micros = fractionMicros(m[7]);
  if (y === 0 && mo === 0 && d === 0 && h === 0 && mi === 0 && s === 0 && micros === 0) {
    return { ms: 0, micros: 0, zero: true };
  }
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) throw bad(kind, input, column);
  if (new Date(utcMs(y, mo, d, 0, 0, 0)).getUTCDate() !== d) throw bad(kind, input, column); // 2023-02-30
  const ms = utcMs(y, mo, d, h, mi, s) - (m[8] ? offsetMinutes(m[8]) * 60_000 : 0);
  return { ms, micros, zero: false };
}

/** Date.UTC without its mapping of years 0-99 to 1900-1999. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h, m] = zone.slice(1).split(':').map(Number) as [number, number];
  return sign * (h * 60 + m);
}

function formatParts(ms: number, micros: number, fsp: number, withTime: boolean): string {
  const dt = new Date(ms);
  const date = `${pad(dt.getUTCFullYear(), 4)}-${pad(dt.getUTCMonth() + 1)}-${pad(dt.getUTCDate())}`;
  if (!withTime) return date;
  const time = `${pad(dt.getUTCHours())}:${pad(dt.getUTCMinutes())}:${pad(dt.getUTCSeconds())}`;
  return `${date} ${time}${formatFraction(micros, fsp)}`;
}

export function normalizeDate(input: unknown, column: string): string {
  const p = parseDateTime(input, 'date', column);
  if (p.zero) return '0000-00-00';
  return formatParts(p.ms, 0, 0, false);
}

const TIMESTAMP_MIN = utcMs(1970, 1, 1, 0, 0, 1);
const TIMESTAMP_MAX = utcMs(2038, 1, 19, 3, 14, 7);

/** DATETIME(fsp) or, with `timestamp`, TIMESTAMP(fsp) (range-checked, in UTC). */
export function normalizeDateTime(input: unknown, fsp: number, timestamp: boolean, column: string): string {
  const kind = timestamp ? 'timestamp' : 'datetime';
  const p = parseDateTime(input, kind, column);
  if (p.zero) return `0000-00-00 00:00:00${formatFraction(0, fsp)}`;
  let { ms, micros } = p;
  micros = roundMicros(micros, fsp);
  if (micros >= 1_000_000) {
    ms += 1000;
    micros -= 1_000_000;
  }
  const year = new Date(ms).getUTCFullYear();
  if (year < 1 || year > 9999) throw bad(kind, input, column);
  if (timestamp && (ms < TIMESTAMP_MIN || ms > TIMESTAMP_MAX)) throw bad(kind, input, column);
  return formatParts(ms, micros, fsp, true);
}

const MAX_TIME_MICROS = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/** TIME(fsp): "[-]hh:mm:ss[.f]"; hours may exceed 24 (up to 838). Numbers are seconds. */
export function normalizeTime(input: unknown, fsp: number, column: string): string {
  let total: number;
  if (typeof input === 'number' && Number.isFinite(input)) {
    total = Math.round(input * 1_000_000);
  } else if (typeof input === 'string') {
    const m = TIME.exec(input);
    if (!m) throw bad('time', input, column);
    const minutes = Number(m[3]);
    const seconds = Number(m[4]);
    if (minutes > 59 || seconds > 59) throw bad('time', input, column);
    total = ((Number(m[2]) * 60 + minutes) * 60 + seconds) * 1_000_000 + fractionMicros(m[5]);
    if (m[1]) total = -total;
  } else {
    throw bad('time', input, column);
  }
  const negative = total < 0;
  const magnitude = roundMicros(Math.abs(total), fsp);
  if (magnitude > MAX_TIME_MICROS) throw new DataError(`Out of range value for column '${column}' at row 1`);
  const secondsTotal = Math.floor(magnitude / 1_000_000);
  const micros = magnitude - secondsTotal * 1_000_000;
  const h = Math.floor(secondsTotal / 3600);
  const mi = Math.floor((secondsTotal % 3600) / 60);
  const s = secondsTotal % 60;
  const sign = negative && magnitude > 0 ? '-' : '';
  return `${sign}${pad(h)}:${pad(mi)}:${pad(s)}${formatFraction(micros, fsp)}`;
}

/** YEAR: 1901-2155 or 0; two-digit numbers map like MySQL (1-69 → 20xx, 70-99 → 19xx). */
export function normalizeYear(input: unknown, column: string): number {
  let n: number;
  if (typeof input === 'number') n = input;
  else if (typeof input === 'string' && /^\s*\d{1,4}\s*$/.test(input)) n = Number(input);
  else throw bad('year', input, column);
  if (!Number.isInteger(n)) throw bad('year', input, column);
  if (n >= 1 && n <= 69) n += 2000;
  else if (n >= 70 && n <= 99) n += 1900;
  if (n !== 0 && (n < 1901 || n > 2155))
    throw new DataError(`Out of range value for column '${column}' at row 1`);
  return n;
}

/** A TIME text as signed microseconds, for ordering. */
export function timeToMicros(text: string): number {
  const m = TIME.exec(text);
  if (!m) return 0;
  const v = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1_000_000 + fractionMicros(m[5]);
  return m[1] ? -v : v;
}
