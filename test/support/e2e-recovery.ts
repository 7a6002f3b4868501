// Shared pieces of the recovery end-to-end tests (test/integration/e2e/recovery-*.test.ts): a seeded, bounded
// workload on the test vtgate that remembers every change it made, the exactly-once check of the mirror and
// the changelog against it, and a worker running as a child process (`node bin/vstream-relay.js worker`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, inject } from 'vitest';
import {
  startWorkerProcess as startWorkerChild,
  type WorkerProcess,
} from '../../src/devtools/worker-process.js';
import type { TestVtgate } from '../../src/devtools/vtgate/index.js';
import { statusQuery, type StreamErrorInfo, type StreamStatus } from '../../src/workflows/definitions.js';
import { mirrorCustomers, sourceCustomers, waitUntil } from './e2e.js';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WorkloadOptions {
  seed: number;
  /** Hard bound on the transactions the background loop runs (start()). */
  maxTransactions: number;
  /** Pause between two transactions of the background loop, ms (uniform in [min, max]). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Writes to `customer` on the test vtgate: transactions of 1–3 statements mixing multi-row inserts, updates and
 * deletes, across both shards. Every insert and update sets a never-used email, so each source row change is
 * identified by `op id email` (a delete by the email the row had), which is what `expected` records, in order.
 */
export class CustomerWorkload {
  readonly expected: string[] = [];
  transactions = 0;
  private readonly random: () => number;
  private readonly live = new Map<number, string>();
  private nextId: number;
  private serial = 0;
  private loop: Promise<void> | undefined;
  private stopRequested = false;
  private failure: unknown;

  constructor(
    private readonly vtgate: TestVtgate,
    private readonly options: WorkloadOptions,
  ) {
    this.random = seededRandom(options.seed);
    for (const row of vtgate.rows('customer')) this.live.set(Number(row.id), String(row.email));
    this.nextId = Math.max(0, ...this.live.keys()) + 1;
  }

  /** Source row changes made so far. */
  get changes(): number {
    return this.expected.length;
  }

  /** One transaction, now. */
  step(): void {
    const ops: Parameters<TestVtgate['run']>[0] = [];
    const changes: string[] = [];
    const live = new Map(this.live);
    let nextId = this.nextId;
    let serial = this.serial;
    const email = () => `w${this.options.seed}-${++serial}@example.com`;
    const statements = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < statements; i++) {
      const r = this.random();
      const ids = [...live.keys()];
      if (r < 0.6 && ids.length > 0) {
        const id = ids[Math.floor(this.random() * ids.length)]!;
        const value = email();
        const set: Record<string, unknown> = { email: value, tier: this.random() < 0.5 ? 'free' : 'pro' };
        if (this.random() < 0.5) set.balance = `${Math.floor(this.random() * 10_000)}.${10 + i}`;
        if (this.random() < 0.3) set.updated_at = `2024-01-02 03:04:05.${String(serial).padStart(6, '0')}`;
        ops.push({ op: 'update', table: 'customer', where: { id }, set });
        live.set(id, value);
        changes.push(`update ${id} ${value}`);
      } else if (r < 0.8 && ids.length > 8) {
        const id = ids[Math.floor(this.random() * ids.length)]!;
        ops.push({ op: 'delete', table: 'customer', where: { id } });
        changes.push(`delete ${id} ${live.get(id)}`);
        live.delete(id);
      } else {
        const rows = [];
        for (let n = 1 + Math.floor(this.random() * 2); n > 0; n--) {
          const id = nextId++;
          const value = email();
          rows.push({ id, email: value, balance: this.random() < 0.5 ? null : `${id}.25` });
          live.set(id, value);
          changes.push(`insert ${id} ${value}`);
        }
        ops.push({ op: 'insert', table: 'customer', rows });
      }
    }
    this.vtgate.run(ops);
    // Only a transaction that committed on the source counts.
    this.live.clear();
    for (const [id, value] of live) this.live.set(id, value);
    this.nextId = nextId;
    this.serial = serial;
    this.expected.push(...changes);
    this.transactions++;
  }

  /**
   * One transaction inserting `rows` rows with long emails, so that on a test vtgate with a small `packetSize`
   * it spans several responses per shard: a stream broken inside it leaves the client half a transaction.
   */
  bigTransaction(rows: number): void {
    const inserted: { id: number; email: string; balance: string }[] = [];
    for (let i = 0; i < rows; i++) {
      const id = this.nextId + i;
      inserted.push({
        id,
        email: `big-w${this.options.seed}-${this.serial + i + 1}-${'x'.repeat(150)}@example.com`,
        balance: `${i}.75`,
      });
    }
    this.vtgate.run([{ op: 'insert', table: 'customer', rows: inserted }]);
    this.nextId += rows;
    this.serial += rows;
    for (const row of inserted) {
      this.live.set(row.id, row.email);
      this.expected.push(`insert ${row.id} ${row.email}`);
    }
    this.transactions++;
  }

  /** Runs transactions in the background until stop() or maxTransactions. */
  start(): void {
    if (this.loop) throw new Error('the workload is already running');
    this.stopRequested = false;
    const { minDelayMs = 10, maxDelayMs = 40 } = this.options;
    this.loop = (async () => {
      while (!this.stopRequested && this.transactions < this.options.maxTransactions) {
        this.step();
        await sleep(minDelayMs + Math.floor(this.random() * (maxDelayMs - minDelayMs + 1)));
      }
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Stops the background loop (rethrowing what it failed with). */
  async stop(): Promise<void> {
    this.stopRequested = true;
    const loop = this.loop;
    this.loop = undefined;
    await loop;
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Something to query: a client, or a pool. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface StoredCheckpoint {
  epoch: number;
  batchSeq: number;
  changelogSeq: number;
  txnSeq: number;
  vgtid: unknown;
}

export async function readCheckpoint(db: Queryable, streamId: string): Promise<StoredCheckpoint | null> {
  const { rows } = await db.query<{
    epoch: number;
    batch_seq: number;
    changelog_seq: number;
    txn_seq: number;
    vgtid: unknown;
  }>(
    `SELECT epoch::int, batch_seq::int, changelog_seq::int, txn_seq::int, vgtid
       FROM vstream_relay.checkpoints WHERE stream_id = $1`,
    [streamId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    epoch: row.epoch,
    batchSeq: row.batch_seq,
    changelogSeq: row.changelog_seq,
    txnSeq: row.txn_seq,
    vgtid: row.vgtid,
  };
}

export async function liveChangelogCount(db: Queryable, streamId: string): Promise<number> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('vstream_relay.changelog') AS t`);
  if (exists.rows[0]?.t === null) return 0;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM vstream_relay.changelog WHERE stream_id = $1 AND NOT is_copy`,
    [streamId],
  );
  return rows[0]!.n;
}

const sameRows = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a user cares about after any failure: the mirror equals the source, and the changelog holds every source
 * change exactly once — `(stream_id, seq)` numbered 1..n without gaps, no change twice, none missing, each row's
 * changes in source order — and the checkpoint's changelog_seq is the last row's.
 */
export async function expectExactlyOnce(
  db: pg.Client,
  streamId: string,
  vtgate: TestVtgate,
  workload: CustomerWorkload,
  options: { copyRows?: number; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  await waitUntil(
    'the mirror to equal the source',
    () => mirrorCustomers(db),
    (rows) => sameRows(rows, sourceCustomers(vtgate)),
    timeoutMs,
  );
  await waitUntil(
    'every change in the changelog',
    () => liveChangelogCount(db, streamId),
    (n) => n >= workload.changes,
    timeoutMs,
  );
  const { rows } = await db.query<{ seq: number; op: string; is_copy: boolean; id: string; email: string }>(
    `SELECT seq::int, op, is_copy, coalesce(after, before)->>'id' AS id, coalesce(after, before)->>'email' AS email
       FROM vstream_relay.changelog WHERE stream_id = $1 ORDER BY seq`,
    [streamId],
  );
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  const changes = rows.filter((r) => !r.is_copy).map((r) => `${r.op} ${r.id} ${r.email}`);
  const duplicates = changes.filter((c, i) => changes.indexOf(c) !== i);
  expect(duplicates).toEqual([]);
  expect(changes.length).toBe(workload.changes);
  expect([...changes].sort()).toEqual([...workload.expected].sort());
  // A row lives on one shard, and a shard's changes must be applied in binlog order.
  const perRow = (list: string[]) => {
    const byId = new Map<string, string[]>();
    for (const c of list) {
      const id = c.split(' ')[1]!;
      byId.set(id, [...(byId.get(id) ?? []), c]);
    }
    return Object.fromEntries([...byId].sort(([a], [b]) => Number(a) - Number(b)));
  };
  expect(perRow(changes)).toEqual(perRow(workload.expected));
  if (options.copyRows !== undefined) expect(rows.filter((r) => r.is_copy)).toHaveLength(options.copyRows);
  const checkpoint = await readCheckpoint(db, streamId);
  expect(checkpoint?.changelogSeq).toBe(rows.length);
  expect(await mirrorCustomers(db)).toEqual(sourceCustomers(vtgate));
}

/**
 * Waits for a new run of the stream activity (every run claims the stream with a new epoch) that has committed
 * since `before`: the stream recovered by itself.
 */
export async function waitForNewRun(
  db: Queryable,
  streamId: string,
  before: StoredCheckpoint,
  what: string,
  options: { runs?: number; timeoutMs?: number } = {},
): Promise<StoredCheckpoint> {
  return waitUntil(
    what,
    async () => (await readCheckpoint(db, streamId))!,
    (c) => c.epoch >= before.epoch + (options.runs ?? 1) && c.batchSeq > before.batchSeq,
    options.timeoutMs ?? 30_000,
  );
}

/** Polls the workflow's status in the background and remembers every state and error it saw. */
export function observeStatus(
  handle: { query(q: typeof statusQuery): Promise<StreamStatus> },
  everyMs = 150,
): { states: Set<string>; errors: StreamErrorInfo[]; stop(): Promise<void> } {
  const states = new Set<string>();
  const errors: StreamErrorInfo[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const status = await handle.query(statusQuery);
        states.add(status.state);
        const last = status.lastError;
        if (last && !errors.some((e) => e.at === last.at && e.message === last.message)) errors.push(last);
      } catch {
        // A query can fail while the workflow task is being retried; the next one is what counts.
      }
      await sleep(everyMs);
    }
  })();
  return {
    states,
    errors,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Runs `fn` with a fresh connection (for a database whose server gets restarted under the test). */
export async function withFreshClient<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  db.on('error', () => undefined);
  try {
    await db.connect();
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

// -------------------------------------------------------------------------------------------------
// The worker as a child process

export type { WorkerProcess } from '../../src/devtools/worker-process.js';

/** Starts a worker process against the test run's Temporal server (see src/devtools/worker-process.ts). */
export function startWorkerProcess(options: {
  taskQueue: string;
  logDir: string;
  name: string;
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  return startWorkerChild({
    temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace') },
    taskQueue: options.taskQueue,
    logFile: path.join(options.logDir, `${options.name}.log`),
    env: options.env,
  });
}

/** A temp folder for worker logs; removed by the returned function unless KEEP_E2E_LOGS is set. */
export function tempLogDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return {
    dir,
    remove: () => {
      if (!process.env.KEEP_E2E_LOGS) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
