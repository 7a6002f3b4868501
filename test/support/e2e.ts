// Shared set-up of the end-to-end tests: the test vtgate as the source, a fresh database as the sink, and a
// worker polling a fresh task queue — all real components but the vtgate, which follows Vitess semantics.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import type { StreamConfigInput } from '../../src/config/stream-config.js';
import { startTestVtgate, type TestVtgate } from '../../src/devtools/vtgate/index.js';
import { StreamMetrics } from '../../src/worker/metrics.js';
import { createSecretResolver } from '../../src/worker/secrets.js';
import { workflowsPath } from '../../src/worker/worker.js';
import { createTestDatabase, uniqueName } from './isolation.js';

export const CUSTOMER_COLUMNS = [
  'id bigint unsigned not null primary key',
  'email varchar(255) not null',
  "tier enum('free','pro') not null default 'free'",
  'balance decimal(10,2) null',
  'updated_at datetime(6) null',
];

export async function startSourceVtgate(shards = ['-80', '80-']): Promise<TestVtgate> {
  return startTestVtgate({
    keyspaces: [{ name: 'commerce', shards, tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }] }],
    heartbeatUnitMs: 200,
  });
}

export interface SinkDatabase {
  url: string;
  /** Name of the environment variable the worker resolves the connection string from (`env:NAME`). */
  envName: string;
  db: pg.Client;
}

export async function createSinkDatabase(): Promise<SinkDatabase> {
  const url = await createTestDatabase('e2e');
  const envName = uniqueName('VSR_E2E_PG').toUpperCase();
  process.env[envName] = url;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { url, envName, db };
}

export function streamConfig(streamId: string, vtgate: TestVtgate, sink: SinkDatabase): StreamConfigInput {
  return {
    streamId,
    source: {
      vtgate: { address: vtgate.address },
      keyspaces: [{ name: 'commerce' }],
      heartbeatIntervalSeconds: 1,
    },
    sink: { postgres: { url: `env:${sink.envName}` }, mode: 'both', batch: { maxDelayMs: 50 } },
    run: {
      progressIntervalSeconds: 1,
      heartbeatTimeoutSeconds: 10,
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 2,
    },
  };
}

export interface TemporalHandles {
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function connectTemporal(): Promise<TemporalHandles> {
  const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection, namespace: inject('temporalNamespace') });
  return {
    client,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A worker in this process with the real activities. */
export async function createWorker(
  nativeConnection: NativeConnection,
  taskQueue: string,
  logger: Logger = pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
): Promise<Worker> {
  return Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowsPath,
    activities: createActivities({
      resolveSecret: createSecretResolver(),
      logger,
      metrics: new StreamMetrics(),
    }),
    maxHeartbeatThrottleInterval: '500ms',
    shutdownGraceTime: '5s',
  });
}

/** The mirror's customer rows, normalised to the vtgate's text form. */
export async function mirrorCustomers(db: pg.Client): Promise<Record<string, string | null>[]> {
  const exists = await db.query(`SELECT to_regclass('commerce.customer') AS t`);
  if (exists.rows[0].t === null) return [];
  const { rows } = await db.query(
    `SELECT id::text AS id, email, tier, balance::text AS balance,
            to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') AS updated_at
       FROM commerce.customer c ORDER BY c.id`,
  );
  return rows;
}

/** The source's customer rows as the mirror should hold them. */
export function sourceCustomers(vtgate: TestVtgate): Record<string, string | null>[] {
  return vtgate
    .rows('customer')
    .map((r) => ({
      id: String(r.id),
      email: String(r.email),
      tier: String(r.tier),
      balance: r.balance === null ? null : String(r.balance),
      updated_at: r.updated_at === null ? null : String(r.updated_at),
    }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await fn();
  while (!ok(value)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await fn();
  }
  return value;
}

/** What most end-to-end files need: a test vtgate, a fresh sink database, and connections to Temporal. */
export interface StreamEnvironment {
  vtgate: TestVtgate;
  sink: SinkDatabase;
  temporal: TemporalHandles;
}

export async function openStreamEnvironment(): Promise<StreamEnvironment> {
  const [vtgate, sink, temporal] = await Promise.all([
    startSourceVtgate(),
    createSinkDatabase(),
    connectTemporal(),
  ]);
  return { vtgate, sink, temporal };
}

/** Closes whatever part of the environment was opened (safe after a failed open). */
export async function closeStreamEnvironment(env: Partial<StreamEnvironment>): Promise<void> {
  await env.vtgate?.close();
  await env.sink?.db.end();
  await env.temporal?.close();
}
