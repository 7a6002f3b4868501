import { createHash } from 'node:crypto';

/** Postgres keeps identifiers up to NAMEDATALEN - 1 bytes and silently truncates longer ones. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * A double-quoted identifier. Every table, column and schema name the sink sends goes through here: names from
 * Vitess can hold quotes, semicolons, spaces or any Unicode.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * The Postgres name for a MySQL schema, table or column name. Names are kept verbatim (case and all) when they
 * fit in 63 bytes; longer ones (MySQL allows 64 characters, i.e. up to 256 UTF-8 bytes) are cut on a character
 * boundary and suffixed with a hash of the full name, so two long names sharing a prefix never collide and the
 * result is the same on every run. A NUL (which neither database allows) is refused.
 */
export function pgName(sourceName: string): string {
  if (sourceName === '') throw new Error('empty identifier');
  if (sourceName.includes('\0')) throw new Error(`identifier ${JSON.stringify(sourceName)} contains NUL`);
  if (Buffer.byteLength(sourceName, 'utf8') <= MAX_IDENTIFIER_BYTES) return sourceName;
  return withHashSuffix(sourceName);
}

// Names of system columns every Postgres table has; a user column cannot use them (MySQL allows them).
const SYSTEM_COLUMNS = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

/** pgName for a column; system column names get a hash suffix (the same way long names do). */
export function pgColumnName(sourceName: string): string {
  return SYSTEM_COLUMNS.has(sourceName) ? withHashSuffix(sourceName) : pgName(sourceName);
}

/** pgName for a schema; `pg_` is reserved for system schemas, so such names are prefixed. */
export function pgSchemaName(sourceName: string): string {
  return pgName(sourceName.startsWith('pg_') ? `vsr_${sourceName}` : sourceName);
}

function withHashSuffix(name: string): string {
  const suffix = `_${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8)}`;
  return truncateUtf8(name, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
}

/** The longest prefix of `text` whose UTF-8 form fits in `maxBytes`, never splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
