// JSON column values as MySQL prints them: `{"a": 1, "bb": [1, 2]}` with ", " and ": " separators and
// object keys in MySQL's storage order (shorter keys first, then bytewise). Vitess's binlog decoder
// re-serialises binary JSON with the same separators, so both phases share this text here.
import { DataError } from './errors.js';

function escapeJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function compareKeys(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}

function serialize(value: unknown, depth: number): string {
  if (depth > 100) throw new DataError('Invalid JSON text: document too deep');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new DataError('Invalid JSON text: not a finite number');
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return escapeJsonString(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => serialize(v, depth + 1)).join(', ')}]`;
      if (value instanceof Date) return escapeJsonString(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => compareKeys(a, b));
      return `{${entries.map(([k, v]) => `${escapeJsonString(k)}: ${serialize(v, depth + 1)}`).join(', ')}}`;
    }
    default:
      throw new DataError(`Invalid JSON text: cannot store a ${typeof value}`);
  }
}

/**
 * MySQL's text for a JSON cell. A string argument is JSON text to parse (as when inserting a string
 * into a JSON column); anything else is the document itself.
 */
export function normalizeJson(input: unknown, column: string): string {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input) as unknown;
    } catch (err) {
      throw new DataError(`Invalid JSON text: "${(err as Error).message}" in value for column '${column}'.`);
    }
  }
  return serialize(doc, 0);
}
