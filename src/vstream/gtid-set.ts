// MySQL56 and MariaDB GTID sets: parsing, normal form, containment and comparison of positions.
import { VgtidError } from './vgtid-error.js';

/** Inclusive range of transaction numbers. */
export interface GtidInterval {
  readonly start: bigint;
  readonly end: bigint;
}

/** A MySQL GTID set. Keys are the lower-case source UUID, or `uuid:tag` for tagged GTIDs (MySQL 8.3+). */
export interface Mysql56GtidSet {
  readonly flavor: 'MySQL56';
  /** Sorted, merged intervals per key. */
  readonly intervals: ReadonlyMap<string, readonly GtidInterval[]>;
}

/** A MariaDB GTID position: the last sequence number per replication domain. */
export interface MariadbGtidSet {
  readonly flavor: 'MariaDB';
  readonly domains: ReadonlyMap<number, { readonly server: number; readonly sequence: bigint }>;
}

export type GtidSet = Mysql56GtidSet | MariadbGtidSet;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GTID_TAG_RE = /^[a-z_][a-z0-9_]{0,31}$/i;
const INTERVAL_RE = /^(\d+)(?:-(\d+))?$/;
const MARIADB_GTID_RE = /^(\d+)-(\d+)-(\d+)$/;
const MAX_INT63 = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT32 = 0xffff_ffff;

function gtidError(position: string, problem: string): VgtidError {
  return new VgtidError('invalid_gtid', `GTID set ${JSON.stringify(position)}: ${problem}`);
}

/**
 * Parses a Vitess position string with its flavor prefix: `MySQL56/<uuid>:1-5:7,<uuid>:1-3` or
 * `MariaDB/0-1-100,1-2-50`. Whitespace around elements (as in `@@gtid_executed`) is ignored.
 */
export function parseGtidSet(position: string): GtidSet {
  const slash = position.indexOf('/');
  const flavor = slash < 0 ? '' : position.slice(0, slash);
  const body = position.slice(slash + 1).trim();
  switch (flavor) {
    case 'MySQL56':
      return parseMysql56(position, body);
    case 'MariaDB':
      return parseMariadb(position, body);
    default:
      throw gtidError(position, 'expected a "MySQL56/" or "MariaDB/" prefix');
  }
}

function parseMysql56(position: string, body: string): Mysql56GtidSet {
  const raw = new Map<string, GtidInterval[]>();
  if (body !== '') {
    for (const element of body.split(',')) {
      const parts = element.trim().split(':');
      const uuid = parts[0]!.toLowerCase();
      if (!UUID_RE.test(uuid)) throw gtidError(position, `"${parts[0]}" is not a source UUID`);
      let key = uuid;
      let keyHasInterval = false;
      for (const part of parts.slice(1)) {
        const interval = INTERVAL_RE.exec(part);
        if (interval === null) {
          if (!GTID_TAG_RE.test(part))
            throw gtidError(position, `"${part}" is neither an interval nor a tag`);
          if (key !== uuid && !keyHasInterval) throw gtidError(position, `tag of ${key} has no interval`);
          key = `${uuid}:${part.toLowerCase()}`;
          keyHasInterval = false;
          continue;
        }
        const start = BigInt(interval[1]!);
        const end = interval[2] === undefined ? start : BigInt(interval[2]);
        if (start < 1n || end < start || end > MAX_INT63) {
          throw gtidError(position, `"${part}" is not a valid interval`);
        }
        const list = raw.get(key) ?? [];
        list.push({ start, end });
        raw.set(key, list);
        keyHasInterval = true;
      }
      if (!keyHasInterval) throw gtidError(position, `${key} has no interval`);
    }
  }
  const intervals = new Map<string, readonly GtidInterval[]>();
  for (const key of [...raw.keys()].sort()) intervals.set(key, mergeIntervals(raw.get(key)!));
  return { flavor: 'MySQL56', intervals };
}

function mergeIntervals(list: readonly GtidInterval[]): GtidInterval[] {
  const sorted = [...list].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: GtidInterval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && next.start <= last.end + 1n) {
      if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

function parseMariadb(position: string, body: string): MariadbGtidSet {
  const domains = new Map<number, { server: number; sequence: bigint }>();
  if (body !== '') {
    for (const element of body.split(',')) {
      const match = MARIADB_GTID_RE.exec(element.trim());
      if (match === null) throw gtidError(position, `"${element.trim()}" is not domain-server-sequence`);
      const domain = Number(match[1]);
      const server = Number(match[2]);
      const sequence = BigInt(match[3]!);
      if (domain > MAX_UINT32 || server > MAX_UINT32 || sequence > MAX_UINT64) {
        throw gtidError(position, `"${element.trim()}" is out of range`);
      }
      if (domains.has(domain)) throw gtidError(position, `domain ${domain} appears twice`);
      domains.set(domain, { server, sequence });
    }
  }
  const sorted = new Map([...domains].sort(([a], [b]) => a - b));
  return { flavor: 'MariaDB', domains: sorted };
}

/** The normal text form: sorted keys, merged intervals, lower-case UUIDs (as Vitess prints them). */
export function formatGtidSet(set: GtidSet): string {
  if (set.flavor === 'MariaDB') {
    const parts = [...set.domains].map(([domain, g]) => `${domain}-${g.server}-${g.sequence}`);
    return `MariaDB/${parts.join(',')}`;
  }
  const byUuid = new Map<string, string[]>();
  for (const [key, intervals] of set.intervals) {
    const uuid = key.slice(0, 36);
    const tag = key.slice(37);
    const ranges = intervals.map((i) => (i.start === i.end ? `${i.start}` : `${i.start}-${i.end}`));
    const parts = byUuid.get(uuid) ?? [];
    parts.push(...(tag === '' ? ranges : [tag, ...ranges]));
    byUuid.set(uuid, parts);
  }
  return `MySQL56/${[...byUuid].map(([uuid, parts]) => [uuid, ...parts].join(':')).join(',')}`;
}

function asGtidSet(value: GtidSet | string): GtidSet {
  return typeof value === 'string' ? parseGtidSet(value) : value;
}

/** True when every transaction in `b` is also in `a` (for MariaDB: every domain of `b` is at or behind `a`). */
export function gtidSetContains(a: GtidSet | string, b: GtidSet | string): boolean {
  const left = asGtidSet(a);
  const right = asGtidSet(b);
  if (left.flavor === 'MariaDB' && right.flavor === 'MariaDB') {
    for (const [domain, g] of right.domains) {
      const mine = left.domains.get(domain);
      if (mine === undefined || mine.sequence < g.sequence) return false;
    }
    return true;
  }
  if (left.flavor === 'MySQL56' && right.flavor === 'MySQL56') {
    for (const [key, intervals] of right.intervals) {
      const mine = left.intervals.get(key) ?? [];
      // Both sides are merged, so each interval of b must sit inside one interval of a.
      for (const interval of intervals) {
        if (!mine.some((m) => m.start <= interval.start && interval.end <= m.end)) return false;
      }
    }
    return true;
  }
  throw new VgtidError('invalid_gtid', `cannot compare a ${left.flavor} position with a ${right.flavor} one`);
}

/** How position `a` relates to `b`. */
export function compareGtidSets(
  a: GtidSet | string,
  b: GtidSet | string,
): 'equal' | 'ahead' | 'behind' | 'diverged' {
  const left = asGtidSet(a);
  const right = asGtidSet(b);
  const aHasB = gtidSetContains(left, right);
  const bHasA = gtidSetContains(right, left);
  if (aHasB && bHasA) return 'equal';
  if (aHasB) return 'ahead';
  if (bHasA) return 'behind';
  return 'diverged';
}
