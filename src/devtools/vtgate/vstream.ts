// vtgate's side of one VStream call (vstream_manager.go): resolves the requested VGTID into shard
// positions, runs one tablet stream per shard, and forwards their events:
// - FIELD/ROW table names get the "keyspace." prefix unless exclude_keyspace_from_table_name;
// - a shard's events are held until COMMIT/DDL/OTHER/COPY_COMPLETED and then sent back to back, one
//   response per tablet packet, with GTID and LASTPK turned into a VGTID that lists every shard;
// - tablet heartbeats are dropped; with heartbeat_interval vtgate sends its own after N idle seconds;
// - a reshard JOURNAL is forwarded only with stop_on_reshard / include_reshard_journal_events; once
//   every participant reached it, the stream either ends (stop_on_reshard) or swaps the old shards for
//   the new ones in its VGTID and continues there.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MigrationType,
  TabletType,
  VEventType,
  VtrpcCode,
  type VStreamRequest,
} from '../../vstream/proto.js';
import type { Cluster } from './cluster.js';
import { VtgateError, asVtgateError, internalError, invalidArgument } from './errors.js';
import type { FaultController, FaultTarget } from './faults.js';
import type { FilterLike } from './filter.js';
import type {
  JournalInit,
  TableLastPKInit,
  VEventInit,
  VGtidInit,
  VStreamResponseInit,
} from './proto-types.js';
import { TabletStream, type TabletStreamOptions } from './tablet-stream.js';

export interface SessionOptions {
  readonly tablet: TabletStreamOptions;
  readonly cell: string;
  /** Milliseconds per heartbeat_interval unit (1000 in Vitess; smaller to keep tests fast). */
  readonly heartbeatUnitMs: number;
  /** How long vtgate waits after a stop_on_reshard journal before ending the stream (500 ms in Vitess). */
  readonly stopOnReshardDelayMs: number;
}

/** Where responses go; resolves when the transport is ready for more. */
export type ResponseSink = (response: VStreamResponseInit) => Promise<void>;

/** One entry of the stream's VGTID, updated as events pass. */
interface ShardCursor {
  readonly keyspace: string;
  readonly shard: string;
  gtid: string;
  tablePKs: TableLastPKInit[];
}

interface JournalWait {
  readonly participants: Map<ShardCursor, boolean>;
  readonly done: Promise<void>;
  resolve(): void;
}

const STREAMABLE_TABLET_TYPES: readonly number[] = [
  TabletType.PRIMARY,
  TabletType.REPLICA,
  TabletType.RDONLY,
];

const TABLET_TYPE_NAMES: Record<number, string> = {
  0: 'UNKNOWN',
  1: 'PRIMARY',
  2: 'REPLICA',
  3: 'RDONLY',
  4: 'SPARE',
  5: 'EXPERIMENTAL',
  6: 'BACKUP',
  7: 'RESTORE',
  8: 'DRAINED',
};

/** A ShardGtid in Go's %v form, for error messages. */
function shardGtidText(sg: {
  keyspace?: string | null;
  shard?: string | null;
  gtid?: string | null;
}): string {
  return `keyspace:${JSON.stringify(sg.keyspace ?? '')} shard:${JSON.stringify(sg.shard ?? '')} gtid:${JSON.stringify(sg.gtid ?? '')}`;
}

function vgtidText(
  shardGtids: readonly { keyspace?: string | null; shard?: string | null; gtid?: string | null }[],
): string {
  return shardGtids.map((sg) => `shard_gtids:{${shardGtidText(sg)}}`).join(' ');
}

export class VStreamSession implements FaultTarget {
  eventsSent = 0;
  responsesSent = 0;

  private readonly abort = new AbortController();
  private cursors: ShardCursor[] = [];
  private readonly journals = new Map<string, JournalWait>();
  private readonly copyCompleted = new Set<string>();
  private filter: FilterLike = { rules: [] };
  private lock: Promise<void> = Promise.resolve();
  private running = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeatMs = 0;
  private outcome: { ok: true } | { ok: false; error: VtgateError } | undefined;
  private settle!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly cluster: Cluster,
    private readonly request: VStreamRequest,
    private readonly options: SessionOptions,
    private readonly sink: ResponseSink,
    private readonly faults: FaultController,
  ) {}

  /** Runs the stream until it ends (resolves) or fails (rejects with a VtgateError). */
  async run(): Promise<void> {
    this.cursors = this.resolveParams();
    const rules = this.request.filter ? this.request.filter.rules : [{ match: '/.*', filter: '' }];
    this.filter = { rules: rules.map((r) => ({ match: r.match, filter: r.filter })) };
    const interval = this.request.flags?.heartbeatInterval ?? 0;
    this.heartbeatMs = interval * this.options.heartbeatUnitMs;
    this.faults.attach(this);
    try {
      this.resetHeartbeat();
      for (const cursor of [...this.cursors]) this.startShard(cursor);
      await this.finished;
    } finally {
      this.faults.detach(this);
      clearTimeout(this.heartbeat);
    }
    if (this.outcome && !this.outcome.ok) throw this.outcome.error;
  }

  /** Stops everything without a result (the client went away). */
  cancel(): void {
    this.finish({ ok: true });
  }

  terminate(action: 'end' | 'fail', code: number, message: string): void {
    this.finish(action === 'end' ? { ok: true } : { ok: false, error: new VtgateError(code, message) });
  }

  private finish(outcome: { ok: true } | { ok: false; error: VtgateError }): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.abort.abort();
    clearTimeout(this.heartbeat);
    this.settle();
  }

  // -------------------------------------------------------------------------------------------
  // Request resolution (resolveParams)

  private resolveParams(): ShardCursor[] {
    const wrap = (err: VtgateError) => err.wrap('failed to resolve vstream parameters');
    const input = this.request.vgtid?.shardGtids ?? [];
    if (input.length === 0) {
      throw wrap(
        invalidArgument('vgtid must have at least one value with a starting position in ShardGtids'),
      );
    }
    let list = input.map((sg) => ({
      keyspace: sg.keyspace,
      shard: sg.shard,
      gtid: sg.gtid,
      tablePKs: sg.tablePKs,
    }));
    const first = list[0]!;
    if (list.length === 1 && (first.keyspace === '' || first.keyspace.startsWith('/'))) {
      const names = [...this.cluster.keyspaces.keys()].sort();
      if (first.keyspace === '') {
        if (first.gtid !== 'current') {
          throw wrap(
            invalidArgument(`for an empty keyspace, the Gtid value must be 'current': ${vgtidText(input)}`),
          );
        }
        list = names.map((keyspace) => ({ keyspace, shard: '', gtid: 'current', tablePKs: [] }));
      } else {
        let re: RegExp;
        try {
          re = new RegExp(first.keyspace.replace(/^\/+|\/+$/g, ''));
        } catch (err) {
          throw wrap(
            invalidArgument(`failed to compile regexp using ${first.keyspace}: ${(err as Error).message}`),
          );
        }
        list = names
          .filter((n) => re.test(n))
          .map((keyspace) => ({ keyspace, shard: '', gtid: first.gtid, tablePKs: [] }));
      }
    }
    const cursors: ShardCursor[] = [];
    for (const sg of list) {
      if (sg.shard !== '') {
        cursors.push({ keyspace: sg.keyspace, shard: sg.shard, gtid: sg.gtid, tablePKs: [...sg.tablePKs] });
        continue;
      }
      if (sg.gtid !== 'current' && sg.gtid !== '') {
        throw wrap(
          invalidArgument(
            `if shards are unspecified, the Gtid value must be 'current' or empty; got: ${vgtidText(input)}`,
          ),
        );
      }
      const ks = this.cluster.keyspaces.get(sg.keyspace);
      if (!ks) {
        throw wrap(
          new VtgateError(
            VtrpcCode.UNKNOWN,
            `failed to get shards in keyspace ${sg.keyspace}: keyspace ${sg.keyspace} fetch error: node doesn't exist: keyspaces/${sg.keyspace}/SrvKeyspace`,
          ),
        );
      }
      for (const shard of ks.servingShards()) {
        cursors.push({ keyspace: sg.keyspace, shard: shard.name, gtid: sg.gtid, tablePKs: [] });
      }
    }
    return cursors;
  }

  // -------------------------------------------------------------------------------------------
  // Shard streams (streamFromTablet)

  private startShard(cursor: ShardCursor): void {
    this.running++;
    this.streamShard(cursor).then(
      () => {
        if (--this.running === 0) this.finish({ ok: true });
      },
      (err: unknown) => {
        this.running--;
        const error = asVtgateError(err).wrap(
          `error starting stream from shard GTID ${shardGtidText(cursor)}`,
        );
        this.finish({ ok: false, error });
      },
    );
  }

  private pickTablet(cursor: ShardCursor) {
    const typeName = TABLET_TYPE_NAMES[this.request.tabletType] ?? String(this.request.tabletType);
    const cells = (this.request.flags?.cells ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const cellList = cells.length > 0 ? cells : [this.options.cell];
    // Vitess's tablet picker retries for 90 s before giving up; the test vtgate gives up at once.
    const noTablet = () =>
      new VtgateError(
        VtrpcCode.CANCELED,
        `failed to find a ${typeName} tablet for VStream in ${cursor.keyspace}/${cursor.shard} within the ${cellList.join(',')} cell(s): context has expired`,
      );
    const ks = this.cluster.keyspaces.get(cursor.keyspace);
    if (!ks) throw noTablet();
    const shard = ks.shards.get(cursor.shard);
    if (!shard) {
      throw new VtgateError(
        VtrpcCode.FAILED_PRECONDITION,
        `failed to determine if keyspace ${ks.name} has been resharded: shard provided in VGTID, ${cursor.shard}, not found in the ${ks.name} keyspace`,
      );
    }
    if (!STREAMABLE_TABLET_TYPES.includes(this.request.tabletType) || !cellList.includes(this.options.cell)) {
      throw noTablet();
    }
    return { ks, shard };
  }

  private async streamShard(cursor: ShardCursor): Promise<void> {
    const { ks, shard } = this.pickTablet(cursor);
    const flags = this.request.flags;
    const stream = new TabletStream(
      {
        keyspace: ks,
        shard,
        position: cursor.gtid,
        tablePKs: cursor.tablePKs,
        filter: this.filter,
        tablesToCopy: flags?.tablesToCopy ?? [],
        signal: this.abort.signal,
      },
      this.options.tablet,
    );
    const prefix = flags?.excludeKeyspaceFromTableName ? '' : `${cursor.keyspace}.`;
    const journalsForwarded = Boolean(flags?.stopOnReshard || flags?.includeReshardJournalEvents);
    let pending: VEventInit[][] = [];
    try {
      for await (const packet of stream.run()) {
        let current: VEventInit[] = [];
        for (let i = 0; i < packet.length; i++) {
          const ev = packet[i]!;
          switch (ev.type) {
            case VEventType.FIELD:
              ev.fieldEvent!.tableName = prefix + ev.fieldEvent!.tableName!;
              current.push(ev);
              break;
            case VEventType.ROW:
              ev.rowEvent!.tableName = prefix + ev.rowEvent!.tableName!;
              current.push(ev);
              break;
            case VEventType.COMMIT:
            case VEventType.DDL:
            case VEventType.OTHER:
            case VEventType.COPY_COMPLETED:
              current.push(ev);
              if (ev.type === VEventType.COPY_COMPLETED && this.copyFullyCompleted(ev)) {
                current.push({ type: VEventType.COPY_COMPLETED });
              }
              pending.push(current);
              await this.sendAll(cursor, pending);
              pending = [];
              current = [];
              break;
            case VEventType.HEARTBEAT:
              break; // tablet heartbeats only feed minimize_skew
            case VEventType.JOURNAL: {
              const journal = ev.journal!;
              if (journalsForwarded && journal.migrationType === MigrationType.SHARDS) {
                current.push(ev);
                // The journal rides in an autocommit transaction: forward up to its COMMIT.
                for (i++; i < packet.length; i++) {
                  current.push(packet[i]!);
                  if (packet[i]!.type === VEventType.COMMIT) break;
                }
                pending.push(current);
                await this.sendAll(cursor, pending);
                pending = [];
                current = [];
              }
              const wait = this.joinJournal(cursor, journal);
              if (wait) {
                const started = Date.now();
                await Promise.race([wait.done, this.finished]);
                if (flags?.stopOnReshard) {
                  const left = this.options.stopOnReshardDelayMs - (Date.now() - started);
                  if (left > 0)
                    await sleep(left, undefined, { signal: this.abort.signal }).catch(() => undefined);
                  this.finish({ ok: true });
                }
                return;
              }
              break;
            }
            default:
              current.push(ev);
          }
        }
        if (current.length > 0) pending.push(current);
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const e = asVtgateError(err);
      const retryable = e.code === VtrpcCode.FAILED_PRECONDITION || e.code === VtrpcCode.UNAVAILABLE;
      // vtgate retries those three times on a fresh tablet; the model's tablets fail the same way each time.
      throw e.wrap(
        retryable
          ? `persistent error in vstream for ${cursor.keyspace}/${cursor.shard} on tablet ${shard.tabletAlias}; giving up`
          : `error in vstream for ${cursor.keyspace}/${cursor.shard} on tablet ${shard.tabletAlias}`,
      );
    }
  }

  private copyFullyCompleted(ev: VEventInit): boolean {
    this.copyCompleted.add(`${ev.keyspace}/${ev.shard}`);
    return this.cursors.every((c) => this.copyCompleted.has(`${c.keyspace}/${c.shard}`));
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  private vgtidSnapshot(): VGtidInit {
    return {
      shardGtids: this.cursors.map((c) => ({
        keyspace: c.keyspace,
        shard: c.shard,
        gtid: c.gtid,
        tablePKs: [...c.tablePKs],
      })),
    };
  }

  /** Sends a shard's held chunks back to back (one response each), under the stream-wide lock. */
  private sendAll(cursor: ShardCursor, chunks: VEventInit[][]): Promise<void> {
    const run = async () => {
      for (const events of chunks) {
        if (this.outcome) return;
        for (let j = 0; j < events.length; j++) {
          const ev = events[j]!;
          if (ev.type === VEventType.GTID) {
            cursor.gtid = ev.gtid!;
          } else if (ev.type === VEventType.LASTPK) {
            this.applyLastPk(cursor, ev);
          } else {
            continue;
          }
          events[j] = {
            type: VEventType.VGTID,
            vgtid: this.vgtidSnapshot(),
            keyspace: ev.keyspace,
            shard: ev.shard,
          };
        }
        await this.faults.beforeSend(this.abort.signal);
        if (this.outcome) return;
        await this.sink({ events });
        this.eventsSent += events.length;
        this.responsesSent++;
        this.resetHeartbeat();
        this.faults.afterSend(this, events);
      }
    };
    const next = this.lock.then(run);
    this.lock = next.catch(() => undefined);
    return next;
  }

  private applyLastPk(cursor: ShardCursor, ev: VEventInit): void {
    const tablePK = ev.lastPKEvent!.tableLastPK!;
    const completed = Boolean(ev.lastPKEvent!.completed);
    const index = cursor.tablePKs.findIndex((t) => t.tableName === tablePK.tableName);
    if (index < 0) {
      if (!completed) cursor.tablePKs.push(tablePK);
    } else if (completed) {
      // Go removes by moving the last entry into the hole, so the order can change.
      cursor.tablePKs[index] = cursor.tablePKs[cursor.tablePKs.length - 1]!;
      cursor.tablePKs.pop();
    } else {
      cursor.tablePKs[index] = tablePK;
    }
  }

  private resetHeartbeat(): void {
    if (this.heartbeatMs <= 0 || this.outcome) return;
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => void this.sendHeartbeat(), this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private async sendHeartbeat(): Promise<void> {
    if (this.outcome) return;
    if (this.faults.silenced) {
      this.resetHeartbeat();
      return;
    }
    const nowMs = this.options.tablet.clock();
    const ev: VEventInit = {
      type: VEventType.HEARTBEAT,
      timestamp: Math.floor(nowMs / 1000),
      currentTime: (BigInt(Math.round(nowMs * 1000)) * 1000n).toString(),
    };
    this.resetHeartbeat();
    try {
      await this.sink({ events: [ev] });
      this.eventsSent++;
      this.responsesSent++;
      this.faults.afterSend(this, [ev]);
    } catch (err) {
      this.finish({ ok: false, error: asVtgateError(err) });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reshard journals (getJournalEvent)

  private joinJournal(cursor: ShardCursor, journal: JournalInit): JournalWait | null {
    if (journal.migrationType !== MigrationType.SHARDS) return null;
    const id = String(journal.id);
    let wait = this.journals.get(id);
    if (!wait) {
      const participants = new Map<ShardCursor, boolean>();
      let mode: 'undecided' | 'all' | 'none' = 'undecided';
      for (const p of journal.participants ?? []) {
        const inner = this.cursors.find((c) => c.keyspace === p.keyspace && c.shard === p.shard);
        if (inner ? mode === 'none' : mode === 'all') {
          throw internalError(
            `not all journaling participants are in the stream: journal: ${JSON.stringify(journal.participants)}, stream: ${vgtidText(this.cursors)}`,
          );
        }
        mode = inner ? 'all' : 'none';
        if (inner) participants.set(inner, false);
      }
      if (mode !== 'all') return null;
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      wait = { participants, done, resolve };
      this.journals.set(id, wait);
    }
    if (!wait.participants.has(cursor)) return null;
    wait.participants.set(cursor, true);
    if ([...wait.participants.values()].some((joined) => !joined)) return wait;
    if (!this.request.flags?.stopOnReshard) {
      const kept = this.cursors.filter((c) => !wait.participants.has(c));
      const added: ShardCursor[] = (journal.shardGtids ?? []).map((sg) => ({
        keyspace: sg.keyspace ?? '',
        shard: sg.shard ?? '',
        gtid: sg.gtid ?? '',
        tablePKs: [],
      }));
      this.cursors = [...kept, ...added];
      for (const c of added) this.startShard(c);
    }
    wait.resolve();
    return wait;
  }
}
