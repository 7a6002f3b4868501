// DECIMAL(p,s) values: normalised to MySQL's text ("-12.50", "0.05"), and the text Vitess's running
// phase derives from the binlog's packed form. Until mid-2026 (vitess PRs #20228/#20232) that decoder
// drops a zero integer part (".50", "-.50") and keeps the zero-padding of whole 9-digit groups when the
// scale is 0 or a multiple of 9 ("000000005"); `formatBinlogDecimal` reproduces both.
import { DataError } from './errors.js';

const DECIMAL_TEXT = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Value as an exact scaled integer: value = magnitude × 10^-scale. */
function parseExact(input: unknown): { negative: boolean; magnitude: bigint; scale: number } | null {
  if (typeof input === 'bigint')
    return { negative: input < 0n, magnitude: input < 0n ? -input : input, scale: 0 };
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return null;
    text = Number.isInteger(input) ? BigInt(input).toString() : String(input);
  } else if (typeof input === 'string') text = input;
  else return null;
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (!m[2] && !m[3])) return null;
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  const magnitude = BigInt(intDigits + fracDigits || '0');
  return { negative: m[1] === '-', magnitude, scale: fracDigits.length - exp };
}

/**
 * Canonical MySQL text for DECIMAL(precision, scale): exactly `scale` fraction digits, rounded half
 * away from zero like MySQL, no leading zeros. Throws when the value does not fit (strict mode).
 */
export function normalizeDecimal(
  input: unknown,
  precision: number,
  scale: number,
  unsigned: boolean,
  column: string,
): string {
  const parsed = parseExact(input);
  if (!parsed)
    throw new DataError(`Incorrect decimal value: '${String(input)}' for column '${column}' at row 1`);
  let { magnitude } = parsed;
  if (parsed.scale > scale) {
    const divisor = 10n ** BigInt(parsed.scale - scale);
    const remainder = magnitude % divisor;
    magnitude /= divisor;
    if (remainder * 2n >= divisor) magnitude += 1n;
  } else if (parsed.scale < scale) {
    magnitude *= 10n ** BigInt(scale - parsed.scale);
  }
  const negative = parsed.negative && magnitude !== 0n;
  const digits = magnitude.toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  if (intPart.length > precision - scale || (unsigned && negative)) {
    throw new DataError(`Out of range value for column '${column}' at row 1`);
  }
  const fracPart = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${intPart}${scale ? `.${fracPart}` : ''}`;
}

/** Text Vitess's binlog decoder produces for a canonical DECIMAL value (see the file comment). */
export function formatBinlogDecimal(
  canonical: string,
  precision: number,
  scale: number,
  quirks: boolean,
): string {
  if (!quirks) return canonical;
  const negative = canonical.startsWith('-');
  const unsigned = negative ? canonical.slice(1) : canonical;
  const [intText = '', fracText = ''] = unsigned.split('.');
  const intg = precision - scale;
  const leftoverDigits = intg % 9;
  const padded = intText.padStart(intg, '0');
  // The binlog packs the integer part as a short leading group plus whole 9-digit groups.
  const leftover = Number(padded.slice(0, leftoverDigits) || '0');
  let text = negative ? '-' : '';
  if (leftover > 0) text += String(leftover);
  text += padded.slice(leftoverDigits);
  if (scale === 0) return text === '' ? '0' : text;
  text += `.${fracText}`;
  if (scale % 9 === 0) return text;
  const body = (negative ? text.slice(1) : text).replace(/^0+/, '');
  return `${negative ? '-' : ''}${body}`;
}

/** Compares two canonical DECIMAL texts of the same scale numerically. */
export function compareDecimal(a: string, b: string): number {
  const scaled = (t: string) => BigInt(t.replace('.', ''));
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
