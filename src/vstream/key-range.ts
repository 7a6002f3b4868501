// Vitess shard names as key ranges (`-80`, `80-`, `40-80`, `-`, `0`) and whether two shard sets cover the same keys.
/**
 * A half-open key range [start, end) of keyspace ids, as lower-case hex with trailing zeros
 * dropped (so `80` and `8000` are the same bound). start "" = the lowest id; end "" = past the highest.
 */
export interface KeyRange {
  readonly start: string;
  readonly end: string;
}

const HEX_RE = /^[0-9a-f]*$/;

/**
 * The key range a shard name stands for: `-80`, `80-`, `40-80`, hex of any length. "", `-` and `0`
 * (the usual unsharded name) are the whole range. Returns undefined for any other name (custom
 * shard names) and for empty or inverted ranges.
 */
export function parseShardKeyRange(shard: string): KeyRange | undefined {
  if (shard === '' || shard === '-' || shard === '0') return { start: '', end: '' };
  const parts = shard.toLowerCase().split('-');
  if (parts.length !== 2) return undefined;
  const [rawStart, rawEnd] = parts as [string, string];
  if (!HEX_RE.test(rawStart) || !HEX_RE.test(rawEnd)) return undefined;
  const start = rawStart.replace(/0+$/, '');
  const end = rawEnd.replace(/0+$/, '');
  // An end of all zeros is key id 0, not "unbounded": the range would be empty.
  if (rawEnd !== '' && end === '') return undefined;
  if (end !== '' && start >= end) return undefined;
  return { start, end };
}

/** Sorted, merged ranges; undefined when two ranges overlap (not a valid set of shards). */
function mergeKeyRanges(ranges: readonly KeyRange[]): KeyRange[] | undefined {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: KeyRange[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last === undefined) {
      merged.push(next);
      continue;
    }
    if (last.end === '' || next.start < last.end) return undefined;
    if (next.start === last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    else merged.push(next);
  }
  return merged;
}

export function keyRangesOf(shards: readonly string[]): KeyRange[] | undefined {
  const ranges: KeyRange[] = [];
  for (const shard of shards) {
    const range = parseShardKeyRange(shard);
    if (range === undefined) return undefined;
    ranges.push(range);
  }
  return ranges;
}

/**
 * True when two shard lists cover the same key space, i.e. one can be a reshard of the other
 * (`-` vs `-80`,`80-`). Each list must be free of overlaps. Lists with a shard name that is not a
 * key range compare as plain name sets.
 */
export function sameKeyRangeCoverage(a: readonly string[], b: readonly string[]): boolean {
  const rangesA = keyRangesOf(a);
  const rangesB = keyRangesOf(b);
  if (rangesA === undefined || rangesB === undefined) {
    const setA = new Set(a);
    const setB = new Set(b);
    return setA.size === setB.size && [...setA].every((s) => setB.has(s));
  }
  const mergedA = mergeKeyRanges(rangesA);
  const mergedB = mergeKeyRanges(rangesB);
  if (mergedA === undefined || mergedB === undefined) return false;
  return (
    mergedA.length === mergedB.length &&
    mergedA.every((r, i) => r.start === mergedB[i]!.start && r.end === mergedB[i]!.end)
  );
}

/** True when the shard names are key ranges that cover the whole key space without overlap. */
export function coversWholeKeySpace(shards: readonly string[]): boolean {
  return sameKeyRangeCoverage(shards, ['-']);
}
