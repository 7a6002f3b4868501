/**
 * COPY … FROM STDIN text format: one line per row, tab-separated fields, `\N` for NULL, and backslash,
 * newline, carriage return and tab escaped. Values never contain NUL (refused earlier), the one character the
 * text format cannot carry.
 */
const SPECIAL = /[\\\n\r\t]/g;
const HAS_SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  // Most values need no escaping; testing first avoids building a new string for them.
  return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (ch) => ESCAPES[ch]!) : value;
}

export function copyLine(fields: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : '\t') + copyField(fields[i] ?? null);
  return `${line}\n`;
}
