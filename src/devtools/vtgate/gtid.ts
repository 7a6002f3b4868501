// Per-shard GTID bookkeeping. Each shard's primary has its own server UUID (MySQL) or server id
// (MariaDB) and numbers its transactions 1..N; the executed set after transaction N is
// "MySQL56/<uuid>:1-N" or "MariaDB/0-<server id>-N". Transaction 1 is the shard's setup and is
// always purged, so a stream can only resume from positions this model handed out.
import { createHash } from 'node:crypto';

export type GtidFlavor = 'MySQL56' | 'MariaDB';

export type PositionCheck =
  | { kind: 'ok'; seq: number }
  | { kind: 'malformed'; message: string }
  | { kind: 'mismatch' }
  | { kind: 'unsupported'; message: string };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function serverUuid(seed: number, keyspace: string, shard: string, generation: number): string {
  const h = createHash('sha256').update(`${seed}/${keyspace}/${shard}/${generation}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class ShardGtids {
  /** Last executed transaction number. */
  seq = 1;
  /** Transactions up to this number are no longer in the binlog. */
  purgedThrough = 1;

  constructor(
    readonly flavor: GtidFlavor,
    readonly uuid: string,
    readonly serverId: number,
  ) {}

  next(): number {
    return ++this.seq;
  }

  /** The executed GTID set after transaction `seq`, in Vitess's "<flavor>/<set>" encoding. */
  position(seq = this.seq): string {
    return this.flavor === 'MySQL56' ? `MySQL56/${this.uuid}:1-${seq}` : `MariaDB/0-${this.serverId}-${seq}`;
  }

  /**
   * Where a requested position falls in this shard's history: the number of the last transaction it
   * covers, or why it cannot be served (unparsable text, or transactions this shard never had).
   */
  check(position: string): PositionCheck {
    const slash = position.indexOf('/');
    if (slash < 0)
      return {
        kind: 'malformed',
        message: `parse error: unknown GTIDSet flavor in ${JSON.stringify(position)}`,
      };
    const flavor = position.slice(0, slash);
    const set = position.slice(slash + 1).trim();
    if (flavor === 'MySQL56')
      return this.flavor === 'MySQL56' ? this.checkMysql56(set) : { kind: 'mismatch' };
    if (flavor === 'MariaDB')
      return this.flavor === 'MariaDB' ? this.checkMariadb(set) : { kind: 'mismatch' };
    if (flavor === 'FilePos') return { kind: 'mismatch' };
    return { kind: 'malformed', message: `parse error: unknown GTIDSet flavor ${JSON.stringify(flavor)}` };
  }

  private checkMysql56(set: string): PositionCheck {
    if (set === '') return { kind: 'ok', seq: 0 };
    let seq = 0;
    for (const entry of set.split(',')) {
      const parts = entry.trim().split(':');
      const sid = parts[0]!;
      if (!UUID.test(sid) || parts.length < 2)
        return { kind: 'malformed', message: `invalid MySQL 5.6 GTID set ${JSON.stringify(set)}` };
      const intervals: [number, number][] = [];
      for (const iv of parts.slice(1)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(iv.trim());
        if (!m) return { kind: 'malformed', message: `invalid MySQL 5.6 GTID set ${JSON.stringify(set)}` };
        const lo = Number(m[1]);
        const hi = m[2] ? Number(m[2]) : lo;
        if (lo < 1 || hi < lo)
          return { kind: 'malformed', message: `invalid MySQL 5.6 GTID set ${JSON.stringify(set)}` };
        intervals.push([lo, hi]);
      }
      if (sid.toLowerCase() !== this.uuid) return { kind: 'mismatch' };
      intervals.sort((a, b) => a[0] - b[0]);
      let covered = 0;
      for (const [lo, hi] of intervals) {
        if (lo > covered + 1) {
          return {
            kind: 'unsupported',
            message: `GTID sets with gaps are not modelled: ${JSON.stringify(set)}`,
          };
        }
        covered = Math.max(covered, hi);
      }
      seq = covered;
    }
    return seq > this.seq ? { kind: 'mismatch' } : { kind: 'ok', seq };
  }

  private checkMariadb(set: string): PositionCheck {
    if (set === '') return { kind: 'ok', seq: 0 };
    let seq = 0;
    for (const gtid of set.split(',')) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(gtid.trim());
      if (!m) return { kind: 'malformed', message: `invalid MariaDB GTID ${JSON.stringify(gtid)}` };
      if (Number(m[1]) !== 0 || Number(m[2]) !== this.serverId) return { kind: 'mismatch' };
      seq = Number(m[3]);
    }
    return seq > this.seq ? { kind: 'mismatch' } : { kind: 'ok', seq };
  }
}
