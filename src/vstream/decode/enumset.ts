import { invalidValue } from './errors.js';
import { parseUnsignedIndex } from './numeric.js';
import { ASCII_TRANSPARENT_CHARSETS } from './charsets.js';
import type { TextCellDecoder } from './charsets.js';

/**
 * The member labels of an `enum(...)` or `set(...)` column type, in declaration order, or undefined when
 * `columnType` is not one. MySQL writes each label as a quoted literal: `''` stands for a quote, and a
 * backslash escapes the next character (`\\`, `\n`, `\0`, ...). Labels may contain commas, parentheses and
 * any Unicode.
 */
export function parseEnumSetLabels(columnType: string): string[] | undefined {
  const open = columnType.indexOf('(');
  if (open < 0) return undefined;
  const kind = columnType.slice(0, open).trim().toLowerCase();
  if (kind !== 'enum' && kind !== 'set') return undefined;

  const labels: string[] = [];
  let i = open + 1;
  for (;;) {
    while (columnType[i] === ' ') i++;
    if (columnType[i] === ')' && labels.length === 0) return labels;
    if (columnType[i] !== "'") return undefined;
    i++;
    let label = '';
    for (;;) {
      const ch = columnType[i];
      if (ch === undefined) return undefined;
      if (ch === "'") {
        if (columnType[i + 1] === "'") {
          label += "'";
          i += 2;
          continue;
        }
        i++;
        break;
      }
      if (ch === '\\') {
        const next = columnType[i + 1];
        if (next === undefined) return undefined;
        label += unescape(next);
        i += 2;
        continue;
      }
      label += ch;
      i++;
    }
    labels.push(label);
    while (columnType[i] === ' ') i++;
    if (columnType[i] === ',') {
      i++;
      continue;
    }
    return columnType[i] === ')' ? labels : undefined;
  }
}

/** MySQL's backslash escapes in string literals; any other escaped character stands for itself. */
function unescape(ch: string): string {
  switch (ch) {
    case '0':
      return '\0';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'Z':
      return '\x1a';
    default:
      return ch;
  }
}

/**
 * SET sent as text (copy phase, or FIELD `enum_set_string_values`): comma-joined labels in the column charset
 * (MySQL forbids commas inside SET labels); `''` is the empty set.
 */
export function setFromText(
  decodeText: TextCellDecoder,
): (buf: Buffer, start: number, end: number) => string[] {
  return (buf, start, end) => (start === end ? [] : decodeText(buf, start, end).split(','));
}

/** Enums with more members than this are decoded as plain text: matching bytes against them would cost more. */
const MAX_MATCHED_LABELS = 64;

/**
 * ENUM sent as its label (v20+ `enum_set_string_values`, and the copy phase). A cell whose bytes are exactly
 * those of an ASCII label of the column returns that label's string, which is what `decodeText` would build
 * from them in an ASCII-transparent charset; any other cell goes to `decodeText`. Undefined when the charset or
 * the labels do not allow that.
 */
export function enumFromText(
  labels: readonly string[],
  charset: string,
  decodeText: TextCellDecoder,
): TextCellDecoder | undefined {
  if (!ASCII_TRANSPARENT_CHARSETS.has(charset) || labels.length > MAX_MATCHED_LABELS) return undefined;
  // byLength[n]: the ASCII labels of n bytes, with their bytes.
  const byLength: { bytes: Buffer; label: string }[][] = [];
  for (const label of labels) {
    if (!isAsciiLabel(label)) continue;
    (byLength[label.length] ??= []).push({ bytes: Buffer.from(label, 'latin1'), label });
  }
  // Indexed loops, not for...of: this runs per cell and stays small enough to inline.
  return (buf, start, end) => {
    const candidates = byLength[end - start];
    if (candidates !== undefined) {
      for (let c = 0; c < candidates.length; c++) {
        const { bytes, label } = candidates[c]!;
        let i = 0;
        while (i < bytes.length && bytes[i] === buf[start + i]) i++;
        if (i === bytes.length) return label;
      }
    }
    return decodeText(buf, start, end);
  };
}

function isAsciiLabel(label: string): boolean {
  for (let i = 0; i < label.length; i++) if (label.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** ENUM sent as its 1-based index (pre-v20 binlog streaming); 0 is MySQL's invalid-value member `''`. */
export function enumFromIndex(
  labels: readonly string[],
): (buf: Buffer, start: number, end: number) => string {
  return (buf, start, end) => {
    const index = parseUnsignedIndex(buf, start, end);
    if (index === 0) return '';
    const label = typeof index === 'number' ? labels[index - 1] : undefined;
    if (label === undefined) throw invalidValue(`ENUM index beyond the ${labels.length} declared members`);
    return label;
  };
}

/** SET sent as its member bitmask in decimal (pre-v20 binlog streaming): bit i selects label i. */
export function setFromBitmask(
  labels: readonly string[],
): (buf: Buffer, start: number, end: number) => string[] {
  return (buf, start, end) => {
    const mask = parseUnsignedIndex(buf, start, end);
    const members: string[] = [];
    if (typeof mask === 'number') {
      let rest = mask;
      for (let bit = 0; rest > 0; bit++) {
        if (rest % 2 === 1) members.push(memberAt(labels, bit));
        rest = Math.floor(rest / 2);
      }
    } else {
      for (let bit = 0; mask >> BigInt(bit) > 0n; bit++) {
        if ((mask >> BigInt(bit)) & 1n) members.push(memberAt(labels, bit));
      }
    }
    return members;
  };
}

function memberAt(labels: readonly string[], bit: number): string {
  const label = labels[bit];
  if (label === undefined)
    throw invalidValue(`SET bitmask has bit ${bit} beyond the ${labels.length} declared members`);
  return label;
}
