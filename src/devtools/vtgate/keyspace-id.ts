// Shard routing. A row's keyspace id is a 64-bit number derived from its shard-key columns; a shard
// owns a key range of that space ("-80" = [0, 0x80…), "80-" = [0x80…, 2^64), "-" or "0" = all).
//
// The hash is ours, not Vitess's `hash` vindex (3DES of a uint64): splitmix64's finaliser over
// FNV-1a-64 of the shard-key values as MySQL text, NUL-separated (NULL as a 0xFF byte). It is
// deterministic and spreads sequential ids evenly, but rows do not land where a real cluster would put them.
import { DataError } from './errors.js';

const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** The keyspace id of a row from its shard-key cells in copy-phase text form. */
export function keyspaceId(parts: readonly (Uint8Array | null)[]): bigint {
  let h = FNV_OFFSET;
  const feed = (b: number) => {
    h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  };
  parts.forEach((part, i) => {
    if (i > 0) feed(0);
    if (part === null) feed(0xff);
    else for (const b of part) feed(b);
  });
  let z = h;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** The 8 big-endian bytes of a keyspace id (what `keyspace_id()` returns). */
export function keyspaceIdBytes(id: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(id);
  return out;
}

export interface KeyRange {
  /** Inclusive lower bound. */
  readonly start: bigint;
  /** Exclusive upper bound; 2^64 for an open end. */
  readonly end: bigint;
}

const SPACE_END = 1n << 64n;

function bound(hex: string, spec: string): bigint {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length > 16) throw new DataError(`invalid key range '${spec}'`);
  return BigInt(`0x${hex.padEnd(16, '0') || '0'}`);
}

/** Parses a shard name or key-range spec: "-80", "80-c0", "c0-", "-" and "0" (the whole range). */
export function parseKeyRange(spec: string): KeyRange {
  if (spec === '-' || spec === '0' || spec === '') return { start: 0n, end: SPACE_END };
  const dash = spec.indexOf('-');
  if (dash < 0 || spec.indexOf('-', dash + 1) >= 0) throw new DataError(`invalid key range '${spec}'`);
  const lo = spec.slice(0, dash);
  const hi = spec.slice(dash + 1);
  const start = lo ? bound(lo, spec) : 0n;
  const end = hi ? bound(hi, spec) : SPACE_END;
  if (start >= end) throw new DataError(`invalid key range '${spec}'`);
  return { start, end };
}

export function isKeyRangeSpec(text: string): boolean {
  return /^[0-9a-fA-F]*-[0-9a-fA-F]*$/.test(text);
}

export function keyRangeContains(range: KeyRange, id: bigint): boolean {
  return id >= range.start && id < range.end;
}

/** True when the ranges tile exactly the same span (used to validate a reshard). */
export function sameCoverage(a: readonly KeyRange[], b: readonly KeyRange[]): boolean {
  const merge = (ranges: readonly KeyRange[]) => {
    const sorted = [...ranges].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    const out: KeyRange[] = [];
    for (const r of sorted) {
      const last = out[out.length - 1];
      if (last && r.start < last.end) return null; // overlap
      if (last && r.start === last.end) out[out.length - 1] = { start: last.start, end: r.end };
      else out.push(r);
    }
    return out;
  };
  const x = merge(a);
  const y = merge(b);
  if (!x || !y || x.length !== y.length) return false;
  return x.every((r, i) => r.start === y[i]!.start && r.end === y[i]!.end);
}
