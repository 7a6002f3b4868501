import type { DecodedValue } from '../vstream/decode/types.js';
import type { SourceKind } from './type-mapping.js';
import { checkJsonForJsonb, checkText, wrongType } from './value-checks.js';
import { isGeometry } from './value-text.js';

/**
 * JSON encoding of decoded values for the changelog's jsonb columns (documented in docs/type-mapping.md):
 * - integers as JSON numbers; BIGINT values outside ±(2^53 - 1) as JSON strings of their exact digits, so no
 *   JSON reader rounds them;
 * - DECIMAL as a JSON string with the exact digits;
 * - dates, times, BIT, ENUM and text as JSON strings, exactly as decoded (TIMESTAMP text is UTC);
 * - SET as an array of strings, VECTOR as an array of numbers;
 * - JSON columns embedded as JSON (the source text, never re-parsed in JS, so big numbers stay exact);
 * - bytes as standard base64 strings; GEOMETRY as `{"srid": n, "wkb": "<base64>"}`.
 * Text jsonb cannot hold (NUL, unpaired surrogates) raises a ValueProblem.
 */
export type JsonEncoder = (value: DecodedValue) => string;

/** Largest integer every JSON reader (doubles) keeps exact. */
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export function bigintToJson(value: bigint): string {
  return value <= MAX_EXACT && value >= -MAX_EXACT ? value.toString() : `"${value.toString()}"`;
}

export function compileJsonEncoder(source: SourceKind): JsonEncoder {
  const encode = jsonEncoderFor(source);
  return (value) => (value === null ? 'null' : encode(value));
}

function jsonEncoderFor(source: SourceKind): (value: Exclude<DecodedValue, null>) => string {
  switch (source) {
    case 'integer':
    case 'year':
    case 'float':
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType('a number', v);
        return String(v);
      };
    case 'bigint':
      return (v) => {
        if (typeof v !== 'bigint') throw wrongType('a bigint', v);
        return bigintToJson(v);
      };
    case 'json':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('JSON text', v);
        checkJsonForJsonb(v);
        return v;
      };
    case 'set':
      return (v) => {
        if (!Array.isArray(v) || v.some((label) => typeof label !== 'string'))
          throw wrongType('SET labels', v);
        for (const label of v as string[]) checkText(label);
        return JSON.stringify(v);
      };
    case 'vector':
      return (v) => {
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
          throw wrongType('VECTOR elements', v);
        }
        return JSON.stringify(v);
      };
    case 'bytes':
      return (v) => {
        if (!Buffer.isBuffer(v)) throw wrongType('bytes', v);
        return `"${v.toString('base64')}"`;
      };
    case 'geometry':
      return (v) => {
        if (!isGeometry(v)) throw wrongType('a geometry', v);
        return `{"srid":${v.srid},"wkb":"${v.wkb.toString('base64')}"}`;
      };
    case 'decimal':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'bit':
    case 'enum':
    case 'text':
      return (v) => {
        if (typeof v !== 'string') throw wrongType('text', v);
        const json = JSON.stringify(v);
        // JSON.stringify writes NUL and unpaired surrogates as \u escapes: text without any needs no check.
        if (json.includes('\\u')) checkText(v);
        return json;
      };
  }
}

/** `{"col": value, …}` from column names and already-encoded JSON values. */
export function jsonObject(names: readonly string[], encodedValues: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${JSON.stringify(names[i])}:${encodedValues[i]}`;
  }
  return `${out}}`;
}

/**
 * A lossless JSON form of any decoded value for the quarantine table's `json` columns, which (unlike jsonb) keep
 * `\u0000` and unpaired surrogate escapes: nothing is refused here, since these are the values that failed.
 * Same conventions as the changelog, except that JSON column text is kept as a string (it may be invalid).
 */
export function quarantineJson(value: DecodedValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return bigintToJson(value);
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'string') return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return `"${value.toString('base64')}"`;
  if (Array.isArray(value)) return JSON.stringify(value);
  return `{"srid":${value.srid},"wkb":"${value.wkb.toString('base64')}"}`;
}

/** A quarantined row image as a JSON object keyed by source column name. */
export function quarantineRowJson(names: readonly string[], values: readonly DecodedValue[]): string {
  return jsonObject(
    names,
    values.map((v) => quarantineJson(v)),
  );
}
