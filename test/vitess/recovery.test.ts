// Conformance against a real Vitess: recovery. A worker process is killed with SIGKILL in the middle of a
// stream under write load, and a new one resumes from the committed checkpoint; then the real vttestserver
// (vtgate, tablets and mysqld) is restarted mid-stream, and the stream reconnects on its own. After each, the
// mirror equals the source and the changelog holds every source change exactly once, in order per row.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stopSignal } from '../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createSinkDatabase,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../support/e2e.js';
import {
  readCheckpoint,
  seededRandom,
  sleep,
  startWorkerProcess,
  tempLogDir,
  type WorkerProcess,
} from '../support/e2e-recovery.js';
import { uniqueName } from '../support/isolation.js';
import {
  changelog,
  connectVtgate,
  mysqlRows,
  pgRows,
  restartVitess,
  sameRows,
  uniqueTable,
  vitessStreamConfig,
  type Sql,
} from './support.js';

const SEED = Number(process.env.E2E_SEED ?? 4242);

/**
 * Transactions of 1-3 statements (multi-row inserts, updates, deletes) on a real table through vtgate. Every
 * insert and update writes a never-used email, so a change is identified by `op id email` (a delete by the
 * email the row had); `expected` lists them in commit order.
 */
class SqlWorkload {
  readonly expected: string[] = [];
  private readonly random: () => number;
  private readonly live = new Map<number, string>();
  private nextId = 1;
  private serial = 0;
  private loop: Promise<void> | undefined;
  private stopRequested = false;
  private failure: unknown;

  constructor(
    /** Replaced after a vtgate restart (the old session is gone). */
    public sql: Sql,
    private readonly table: string,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  async step(): Promise<void> {
    const live = new Map(this.live);
    const changes: string[] = [];
    let nextId = this.nextId;
    let serial = this.serial;
    const email = () => `w-${++serial}@example.com`;
    await this.sql.beginTransaction();
    try {
      for (let i = 1 + Math.floor(this.random() * 3); i > 0; i--) {
        const r = this.random();
        const ids = [...live.keys()];
        if (r < 0.55 && ids.length > 0) {
          const id = ids[Math.floor(this.random() * ids.length)]!;
          const value = email();
          await this.sql.query(`UPDATE ${this.table} SET email = ?, amount = ? WHERE id = ?`, [
            value,
            `${serial}.${i}5`,
            id,
          ]);
          live.set(id, value);
          changes.push(`update ${id} ${value}`);
        } else if (r < 0.75 && ids.length > 10) {
          const id = ids[Math.floor(this.random() * ids.length)]!;
          await this.sql.query(`DELETE FROM ${this.table} WHERE id = ?`, [id]);
          changes.push(`delete ${id} ${live.get(id)}`);
          live.delete(id);
        } else {
          const rows: [number, string, string | null][] = [];
          for (let n = 1 + Math.floor(this.random() * 3); n > 0; n--) {
            const id = nextId++;
            const value = email();
            rows.push([id, value, this.random() < 0.3 ? null : `${id}.25`]);
            live.set(id, value);
            changes.push(`insert ${id} ${value}`);
          }
          await this.sql.query(`INSERT INTO ${this.table} (id, email, amount) VALUES ?`, [rows]);
        }
      }
      await this.sql.commit();
    } catch (err) {
      await this.sql.rollback().catch(() => undefined);
      throw err;
    }
    this.live.clear();
    for (const [id, value] of live) this.live.set(id, value);
    this.nextId = nextId;
    this.serial = serial;
    this.expected.push(...changes);
  }

  start(): void {
    this.stopRequested = false;
    this.loop = (async () => {
      while (!this.stopRequested) {
        await this.step();
        await sleep(15 + Math.floor(this.random() * 30));
      }
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.loop;
    this.loop = undefined;
    if (this.failure !== undefined) throw this.failure;
  }
}

let sql: Sql;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  [sql, sink, temporal] = await Promise.all([connectVtgate(), createSinkDatabase(), connectTemporal()]);
});

afterAll(async () => {
  await sql?.end().catch(() => undefined);
  await sink?.db.end();
  await temporal?.close();
});

/** The mirror equals the source; the changelog holds each change once, gap-free, in source order per row. */
async function expectExactlyOnce(streamId: string, table: string, workload: SqlWorkload, copyRows: number) {
  const source = () => mysqlRows(sql, `SELECT id, email, amount FROM ${table} ORDER BY id`);
  const mirror = () =>
    pgRows(sink.db, 'commerce', table, 'id::text AS id, email, amount::text AS amount', 't.id');
  const expectedRows = await source();
  await waitUntil(
    'the mirror to equal the source',
    mirror,
    (rows) => sameRows(rows, expectedRows),
    90_000,
  ).catch(() => undefined);
  expect(await mirror()).toEqual(expectedRows);
  await waitUntil(
    'every change in the changelog',
    async () => (await changelog(sink.db, streamId)).filter((c) => !c.is_copy).length,
    (n) => n >= workload.expected.length,
    60_000,
  ).catch(() => undefined);
  const entries = await changelog(sink.db, streamId);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  expect(entries.filter((e) => e.is_copy)).toHaveLength(copyRows);
  const changes = entries
    .filter((e) => !e.is_copy)
    .map((e) => {
      const image = (e.after ?? e.before) as { id: number; email: string };
      return `${e.op} ${image.id} ${image.email}`;
    });
  expect(
    changes.filter((c, i) => changes.indexOf(c) !== i),
    'duplicates',
  ).toEqual([]);
  expect(changes.length).toBe(workload.expected.length);
  const perRow = (list: string[]) => {
    const byId = new Map<string, string[]>();
    for (const c of list) {
      const id = c.split(' ')[1]!;
      byId.set(id, [...(byId.get(id) ?? []), c]);
    }
    return Object.fromEntries([...byId].sort(([a], [b]) => Number(a) - Number(b)));
  };
  expect(perRow(changes)).toEqual(perRow(workload.expected));
  expect((await readCheckpoint(sink.db, streamId))?.changelogSeq).toBe(entries.length);
}

describe('recovery against a real vtgate', () => {
  test(`a worker killed with SIGKILL, then a vttestserver restart: exactly once (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const table = uniqueTable('recovery');
    await sql.query(
      `CREATE TABLE ${table} (id bigint NOT NULL PRIMARY KEY, email varchar(128) NOT NULL, amount decimal(12,2) NULL)
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    const workload = new SqlWorkload(sql, table, SEED);
    for (let i = 0; i < 10; i++) await workload.step();
    const [count] = await sql.query<RowDataPacket[]>(`SELECT count(*) AS n FROM ${table}`);
    const copyRows = Number(count[0]!.n);
    // Rows present at the start arrive through the copy phase, not as changes.
    workload.expected.length = 0;

    const taskQueue = uniqueName('vitess-recovery');
    const logs = tempLogDir('vsr-vitess-recovery');
    const workers: WorkerProcess[] = [];
    const streamId = uniqueName('recovery');
    const config = vitessStreamConfig(streamId, sink, { tables: [table] });
    // Temporal notices a dead worker by its missing heartbeats: keep that short (the schema's minimum is 5 s).
    config.run = { ...config.run, heartbeatTimeoutSeconds: 6 };
    try {
      workers.push(await startWorkerProcess({ taskQueue, logDir: logs.dir, name: 'worker-0' }));
      const handle = await temporal.client.workflow.start(vstreamToPostgres, {
        taskQueue,
        workflowId: `vstream-${streamId}`,
        args: [{ config }],
      });
      await waitUntil(
        'the copy phase',
        async () => (await changelog(sink.db, streamId)).filter((c) => c.is_copy).length,
        (n) => n === copyRows,
        60_000,
      );

      // 1. kill -9 of the worker under load; a new worker process takes over.
      workload.start();
      const before = await waitUntil(
        'the first worker committing',
        () => readCheckpoint(sink.db, streamId),
        (c) => c !== null && c.batchSeq >= 5,
        60_000,
      );
      await sleep(300 + Math.floor(random() * 1_500));
      await workers.at(-1)!.kill9();
      const atKill = (await readCheckpoint(sink.db, streamId))!;
      workers.push(await startWorkerProcess({ taskQueue, logDir: logs.dir, name: 'worker-1' }));
      await waitUntil(
        'a commit by the new worker',
        () => readCheckpoint(sink.db, streamId),
        (c) => c!.epoch > atKill.epoch && c!.batchSeq > atKill.batchSeq,
        60_000,
      );
      expect(atKill.batchSeq).toBeGreaterThanOrEqual(before!.batchSeq);

      // 2. vttestserver restart mid-stream: a burst of changes the stream has not seen yet, then vtgate and
      // its tablets go away (the workload stops: vtgate's MySQL port goes too) and come back.
      await workload.stop();
      for (let i = 0; i < 20; i++) await workload.step();
      await sql.end();
      const beforeRestart = (await readCheckpoint(sink.db, streamId))!;
      const restartMs = await restartVitess();
      sql = await connectVtgate();
      const resumed = await waitUntil(
        'a commit after the vtgate restart',
        () => readCheckpoint(sink.db, streamId),
        (c) => c!.batchSeq > beforeRestart.batchSeq,
        90_000,
      );
      workload.sql = sql;
      for (let i = 0; i < 20; i++) await workload.step();
      console.log(
        `[vitess recovery] killed at batch ${atKill.batchSeq}; vttestserver restarted in ${restartMs} ms; ` +
          `${workload.expected.length} source changes; checkpoint batch ${resumed!.batchSeq}`,
      );

      await expectExactlyOnce(streamId, table, workload, copyRows);
      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    } finally {
      await workload.stop().catch(() => undefined);
      for (const worker of workers) await worker.stop().catch(() => undefined);
      logs.remove();
    }
  });
});
