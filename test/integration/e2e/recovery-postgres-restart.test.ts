// Recovery: the target PostgreSQL restarts (fast shutdown) and crashes (SIGKILL) while a stream applies a
// workload. The sink's connection errors are retryable: the stream waits, reconnects, resumes from the
// checkpoint that committed with the data, and ends with the mirror equal to the source, every change once.
// The cluster is this file's own, so restarting it disturbs no other test file.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../src/devtools/postgres-server.js';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { stopSignal } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  connectTemporal,
  createWorker,
  mirrorCustomers,
  startSourceVtgate,
  streamConfig,
  waitUntil,
  type TemporalHandles,
} from '../../support/e2e.js';
import {
  CustomerWorkload,
  expectExactlyOnce,
  observeStatus,
  readCheckpoint,
  seededRandom,
  sleep,
  waitForNewRun,
  withFreshClient,
} from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const SEED = Number(process.env.E2E_SEED ?? 991);

let vtgate: TestVtgate;
let postgres: PostgresServer;
let temporal: TemporalHandles;

beforeAll(async () => {
  [vtgate, postgres, temporal] = await Promise.all([
    startSourceVtgate(),
    // A durable commit survives a crash of the server processes: with synchronous_commit off (the harness
    // default, for speed) Postgres may lose the last acknowledged commits on SIGKILL, which a real target
    // configured for durability does not, and which the stream rightly refuses to paper over.
    startPostgres({ settings: { synchronous_commit: 'on' } }),
    connectTemporal(),
  ]);
});

afterAll(async () => {
  await vtgate?.close();
  await postgres?.stop();
  await temporal?.close();
});

describe('the target PostgreSQL restarting under a running stream', () => {
  test('restart and crash: the stream waits, reconnects and resumes exactly once', async () => {
    const random = seededRandom(SEED);
    const url = await postgres.createDatabase(uniqueName('restart'));
    const envName = uniqueName('VSR_E2E_PG_RESTART').toUpperCase();
    process.env[envName] = url;
    const query = <T>(fn: Parameters<typeof withFreshClient<T>>[1]) => withFreshClient(url, fn);
    for (let id = 1; id <= 25; id++) vtgate.insert('customer', [{ id, email: `c${id}@example.com` }]);
    const workload = new CustomerWorkload(vtgate, {
      seed: SEED,
      maxTransactions: 2_000,
      minDelayMs: 15,
      maxDelayMs: 45,
    });
    const taskQueue = uniqueName('e2e-pg-restart');
    const worker = await createWorker(temporal.nativeConnection, taskQueue);
    try {
      await worker.runUntil(async () => {
        const streamId = uniqueName('pgrestart');
        const handle = await temporal.client.workflow.start(vstreamToPostgres, {
          taskQueue,
          workflowId: `vstream-${streamId}`,
          args: [{ config: streamConfig(streamId, vtgate, { url, envName, db: undefined as never }) }],
        });
        const checkpoint = () => query(async (db) => (await readCheckpoint(db, streamId))!);
        await waitUntil(
          'the copy phase',
          () => query(mirrorCustomers),
          (rows) => rows.length === 25,
        );
        const observer = observeStatus(handle);
        workload.start();
        let before = await waitUntil('first batches', checkpoint, (c) => c.batchSeq >= 3);

        const outages: [string, () => Promise<void>][] = [
          ['restart (fast shutdown)', () => postgres.restart()],
          ['crash (SIGKILL) and restart', () => postgres.crashAndRestart()],
          ['second crash and restart', () => postgres.crashAndRestart()],
        ];
        for (const [label, outage] of outages) {
          await sleep(300 + Math.floor(random() * 1_500));
          const started = Date.now();
          await outage();
          const downMs = Date.now() - started;
          // Each outage ends the running activity; a later attempt claims the stream and commits again.
          before = await waitForNewRun(
            { query: (text, values) => query((db) => db.query(text, values)) },
            streamId,
            before,
            `recovery after the ${label}`,
            { timeoutMs: 45_000 },
          );
          console.log(
            `[recovery-postgres-restart] ${label}: Postgres back after ${downMs} ms, stream committing ` +
              `again (batch ${before.batchSeq}, epoch ${before.epoch}) ${Date.now() - started} ms after the outage began`,
          );
        }

        await workload.stop();
        await query((db) => expectExactlyOnce(db, streamId, vtgate, workload, { copyRows: 25 }));
        await observer.stop();
        console.log(
          `[recovery-postgres-restart] ${workload.transactions} transactions, ${workload.changes} changes; ` +
            `states seen: ${[...observer.states].join(', ')}; errors seen: ` +
            observer.errors.map((e) => `${e.kind}: ${e.message}`).join(' | '),
        );
        expect(observer.states.has('paused')).toBe(false);
        expect(observer.errors.every((e) => e.retryable)).toBe(true);

        await handle.signal(stopSignal);
        const final = await handle.result();
        expect(final.state).toBe('stopped');
        expect(final.lastError).toBeNull();
        expect(final.batchSeq).toBe((await checkpoint()).batchSeq);
      });
    } finally {
      await workload.stop().catch(() => undefined);
      Reflect.deleteProperty(process.env, envName);
    }
  });
});
