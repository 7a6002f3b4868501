// The chaos workload: a seeded random mix of transactions over three tables of a multi-shard keyspace on the
// test vtgate — inserts, updates, deletes, primary-key updates (which move rows between shards) and a cycle of
// online DDL (add, widen, rename, drop and re-add columns). It keeps no expectations of its own: the test
// vtgate's binlogs and current rows are the source model the mirror and the changelog are checked against.
import type { ColumnSchema, TableSchema } from '../../src/devtools/vtgate/schema.js';
import type { DdlOp, TableDef, TestVtgate, TxnOp } from '../../src/devtools/vtgate/index.js';
import { seededRandom, sleep } from '../support/e2e-recovery.js';

export const CHAOS_KEYSPACE = 'chaos';

/**
 * Types whose source text and mirror text compare exactly (see compare.ts); `events` is sharded by its account
 * so a primary-key update of `n` stays on its shard, while one of `accounts.id` or `tags.tag` usually moves the
 * row to another shard (a delete there, an insert here).
 */
export const CHAOS_TABLES: TableDef[] = [
  {
    name: 'accounts',
    columns: [
      'id bigint primary key',
      'name varchar(100) not null',
      'balance decimal(12,2) not null',
      "tier enum('free','pro','enterprise') not null default 'free'",
      'updated_at datetime(6) null',
      'avatar varbinary(32) null',
    ],
  },
  {
    name: 'events',
    columns: [
      'account_id bigint not null',
      'n int not null',
      'kind varchar(20) not null',
      'payload json null',
    ],
    primaryKey: ['account_id', 'n'],
    shardKey: ['account_id'],
  },
  {
    name: 'tags',
    columns: ['tag varchar(40) primary key', 'label text null', 'weight int not null'],
  },
];

/** Primary-key columns of each chaos table (they never change). */
export const CHAOS_KEYS: Record<string, string[]> = {
  accounts: ['id'],
  events: ['account_id', 'n'],
  tags: ['tag'],
};

/** The online DDL the workload runs, in order, one step every `ddlEveryMs` of the live phase. */
const DDL_CYCLE: DdlOp[] = [
  { op: 'addColumn', table: 'accounts', column: 'note varchar(64) null' },
  { op: 'modifyColumn', table: 'events', column: 'kind varchar(40) not null' },
  { op: 'addColumn', table: 'tags', column: 'score int null', after: 'label' },
  { op: 'renameColumn', table: 'accounts', column: 'note', to: 'remark' },
  { op: 'modifyColumn', table: 'tags', column: 'score bigint null' },
  { op: 'modifyColumn', table: 'accounts', column: 'balance decimal(14,2) not null' },
  { op: 'dropColumn', table: 'accounts', column: 'remark' },
  { op: 'addColumn', table: 'events', column: 'source varchar(16) null' },
  // A new name: re-adding a dropped name brings old values back in the mirror (chaos-regressions.test.ts).
  { op: 'addColumn', table: 'accounts', column: 'memo varchar(64) null' },
  { op: 'dropColumn', table: 'tags', column: 'score' },
];

const NAMES = [
  'Ann',
  'Zoë',
  'Jürgen',
  "O'Brien",
  '王芳',
  'Søren',
  'José; DROP',
  'Ngozi',
  'Ødegaard',
  '"quoted"',
];
const KINDS = ['view', 'click', 'buy', 'refund', 'login'];

export interface ChaosWorkloadStats {
  transactions: number;
  statements: number;
  ddl: number;
  failedTransactions: number;
}

/**
 * Generates and runs transactions. Keys are tracked locally (committed only when vtgate accepted the
 * transaction), so every update and delete addresses a live row; a transaction the source refuses (it cannot
 * happen by construction, but the model is strict) is counted and skipped, and changes nothing.
 */
export class ChaosWorkload {
  readonly stats: ChaosWorkloadStats = { transactions: 0, statements: 0, ddl: 0, failedTransactions: 0 };
  private readonly random: () => number;
  private readonly keys = new Map<string, string[][]>([
    ['accounts', []],
    ['events', []],
    ['tags', []],
  ]);
  private nextAccount = 1;
  private nextEvent = new Map<string, number>();
  private nextTag = 1;
  private serial = 0;
  private ddlStep = 0;
  private loop: Promise<void> | undefined;
  private stopRequested = false;
  private failure: unknown;

  constructor(
    private readonly vtgate: TestVtgate,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private schema(table: string): TableSchema {
    return this.vtgate.cluster.keyspaces.get(CHAOS_KEYSPACE)!.tables.get(table)!;
  }

  /** A random value for a non-key column, from its current type. */
  private value(column: ColumnSchema): unknown {
    if (column.nullable && this.random() < 0.15) return null;
    const type = column.type;
    const s = ++this.serial;
    switch (type.kind) {
      case 'int':
        return type.bytes === 8
          ? BigInt(this.int(-1e9, 1e9)) * 1000n + BigInt(s % 1000)
          : this.int(-1e6, 1e6);
      case 'decimal':
        return `${this.int(0, 9_999_999)}.${String(this.int(0, 99)).padStart(2, '0')}`;
      case 'datetime':
        return `2024-${String(this.int(1, 12)).padStart(2, '0')}-${String(this.int(1, 28)).padStart(2, '0')} ${String(
          this.int(0, 23),
        ).padStart(2, '0')}:${String(this.int(0, 59)).padStart(2, '0')}:${String(this.int(0, 59)).padStart(
          2,
          '0',
        )}.${String(this.int(0, 999_999)).padStart(6, '0')}`;
      case 'enum':
        return this.pick(type.members);
      case 'varbinary':
        return Buffer.from(
          Array.from({ length: this.int(0, Math.min(32, type.length)) }, () => this.int(0, 255)),
        );
      case 'json':
        return {
          serial: s,
          kind: this.pick(KINDS),
          tags: [this.int(0, 9), this.pick(NAMES)],
          ok: this.random() < 0.5,
        };
      case 'varchar':
      case 'char':
      case 'text': {
        const text = `${this.pick(NAMES)} #${s}`;
        return type.kind === 'text' ? text : text.slice(0, type.length);
      }
      default:
        throw new Error(`the chaos workload has no values for ${type.sql}`);
    }
  }

  /** Values for every non-key column (inserts), or for a random subset (updates). */
  private values(table: string, all: boolean): Record<string, unknown> {
    const schema = this.schema(table);
    const keyCols = new Set(CHAOS_KEYS[table]);
    const out: Record<string, unknown> = {};
    for (const column of schema.columns) {
      if (keyCols.has(column.name)) continue;
      if (all || this.random() < 0.5) out[column.name] = this.value(column);
    }
    if (!all && Object.keys(out).length === 0) {
      const column = this.pick(schema.columns.filter((c) => !keyCols.has(c.name)));
      out[column.name] = this.value(column);
    }
    return out;
  }

  private keyObject(table: string, key: string[]): Record<string, unknown> {
    return Object.fromEntries(CHAOS_KEYS[table]!.map((c, i) => [c, key[i]]));
  }

  /** New keys, unique for the whole run (a deleted key is never reused, so every change is identifiable). */
  private newKey(table: string, staged: Map<string, string[][]>): string[] {
    switch (table) {
      case 'accounts':
        return [String(this.nextAccount++)];
      case 'events': {
        const accounts = staged.get('accounts')!;
        const account = accounts.length > 0 ? this.pick(accounts)[0]! : String(this.int(1, 50));
        const n = (this.nextEvent.get(account) ?? 0) + 1;
        this.nextEvent.set(account, n);
        return [account, String(n)];
      }
      default:
        return [`tag-${this.nextTag++}-${this.int(0, 9999)}`];
    }
  }

  /** One transaction of 1–4 statements over random tables. */
  private transaction(staged: Map<string, string[][]>): TxnOp[] {
    const ops: TxnOp[] = [];
    for (let n = this.int(1, 4); n > 0; n--) {
      const table = this.pick(['accounts', 'accounts', 'events', 'events', 'events', 'tags']);
      const keys = staged.get(table)!;
      const r = this.random();
      if (r < 0.4 || keys.length < 20) {
        const rows = [];
        for (let k = this.int(1, 3); k > 0; k--) {
          const key = this.newKey(table, staged);
          keys.push(key);
          rows.push({ ...this.keyObject(table, key), ...this.values(table, true) });
        }
        ops.push({ op: 'insert', table, keyspace: CHAOS_KEYSPACE, rows });
      } else if (r < 0.75) {
        const key = this.pick(keys);
        ops.push({
          op: 'update',
          table,
          keyspace: CHAOS_KEYSPACE,
          where: this.keyObject(table, key),
          set: this.values(table, false),
        });
      } else if (r < 0.87) {
        // A primary-key update: the row gets a never-used key (and often another shard).
        const index = Math.floor(this.random() * keys.length);
        const key = keys[index]!;
        const next =
          table === 'events' ? [key[0]!, String(this.bumpEvent(key[0]!))] : this.newKey(table, staged);
        keys[index] = next;
        const set = {
          ...this.keyObject(table, next),
          ...(this.random() < 0.5 ? this.values(table, false) : {}),
        };
        if (table === 'events') delete set.account_id;
        ops.push({ op: 'update', table, keyspace: CHAOS_KEYSPACE, where: this.keyObject(table, key), set });
      } else {
        const index = Math.floor(this.random() * keys.length);
        const [key] = keys.splice(index, 1);
        ops.push({ op: 'delete', table, keyspace: CHAOS_KEYSPACE, where: this.keyObject(table, key!) });
      }
    }
    return ops;
  }

  private bumpEvent(account: string): number {
    const n = (this.nextEvent.get(account) ?? 0) + 1;
    this.nextEvent.set(account, n);
    return n;
  }

  /** Runs one transaction now; returns false when the source refused it (nothing changed). */
  step(): boolean {
    const staged = new Map([...this.keys].map(([t, list]) => [t, list.map((k) => [...k])]));
    const ops = this.transaction(staged);
    try {
      this.vtgate.run(ops);
    } catch (err) {
      this.stats.failedTransactions++;
      if (this.stats.failedTransactions > 20) throw err;
      return false;
    }
    for (const [t, list] of staged) this.keys.set(t, list);
    this.stats.transactions++;
    this.stats.statements += ops.length;
    return true;
  }

  /** Loads `rows` rows per table before the stream starts (what the copy phase snapshots). */
  preload(rowsPerTable: number, perTransaction = 200): void {
    for (const table of ['accounts', 'events', 'tags']) {
      for (let done = 0; done < rowsPerTable; done += perTransaction) {
        const rows = [];
        for (let i = 0; i < Math.min(perTransaction, rowsPerTable - done); i++) {
          const key = this.newKey(table, this.keys);
          this.keys.get(table)!.push(key);
          rows.push({ ...this.keyObject(table, key), ...this.values(table, true) });
        }
        this.vtgate.run([{ op: 'insert', table, keyspace: CHAOS_KEYSPACE, rows }]);
      }
    }
  }

  /** The next DDL of the cycle (false once the cycle is done). */
  ddl(): boolean {
    const op = DDL_CYCLE[this.ddlStep];
    if (!op) return false;
    this.vtgate.ddl({ ...op, keyspace: CHAOS_KEYSPACE });
    this.ddlStep++;
    this.stats.ddl++;
    return true;
  }

  /**
   * Runs transactions in the background at about `ratePerSecond`, and one DDL of the cycle every `ddlEveryMs`,
   * until stop() or `maxTransactions`.
   */
  start(options: { ratePerSecond: number; ddlEveryMs: number; maxTransactions: number }): void {
    if (this.loop) throw new Error('the chaos workload is already running');
    this.stopRequested = false;
    const started = Date.now();
    let lastDdl = started;
    this.loop = (async () => {
      while (!this.stopRequested && this.stats.transactions < options.maxTransactions) {
        const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSecond);
        const target = Math.min(due, options.maxTransactions);
        // Never more than a second's worth at once after a stall of the event loop.
        for (let i = 0; this.stats.transactions < target && i < options.ratePerSecond; i++) this.step();
        if (Date.now() - lastDdl >= options.ddlEveryMs) {
          lastDdl = Date.now();
          this.ddl();
        }
        await sleep(20);
      }
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    const loop = this.loop;
    this.loop = undefined;
    await loop;
    if (this.failure !== undefined) throw this.failure;
  }
}
