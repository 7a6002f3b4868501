// TLS end to end, with certificates made in the test: a stream reads the test vtgate over mutual TLS (CA
// verification, client certificate) and writes to a PostgreSQL that serves TLS, with `sslMode: verify-full`
// against the test CA — and each side refuses what it must: an expired vtgate certificate, a Postgres
// certificate from another CA. Refusals pause the stream with a clear lastError; nothing is written.
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StreamConfigInput } from '../../../src/config/stream-config.js';
import { startPostgres, type PostgresServer } from '../../../src/devtools/postgres-server.js';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { statusQuery, stopSignal, type StreamStatus } from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  CUSTOMER_COLUMNS,
  connectTemporal,
  createWorker,
  mirrorCustomers,
  waitUntil,
  type TemporalHandles,
} from '../../support/e2e.js';
import { makeExpiredCertificate, makeTestCertificates, type TestCertificates } from '../../support/certs.js';
import { uniqueName } from '../../support/isolation.js';

let temporal: TemporalHandles;
let worker: Worker;
let workerRun: Promise<void>;
let postgres: PostgresServer;
let certs: TestCertificates;
let other: TestCertificates;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-e2e-tls-'));
const taskQueue = uniqueName('e2e-tls');
const envNames: string[] = [];

/** Postgres refuses a key file others can read, and runs as `postgres` under root: give it the files. */
function handToPostgres(files: string[]): void {
  fs.chmodSync(dir, 0o755);
  const uid =
    process.getuid?.() === 0
      ? Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout)
      : undefined;
  for (const file of files) {
    fs.chmodSync(file, 0o600);
    if (uid !== undefined) fs.chownSync(file, uid, -1);
  }
}

beforeAll(async () => {
  certs = makeTestCertificates(dir, 'ok-');
  other = makeTestCertificates(dir, 'other-');
  const serverCert = path.join(dir, 'pg-server.crt');
  const serverKey = path.join(dir, 'pg-server.key');
  fs.copyFileSync(certs.files.serverCert, serverCert);
  fs.copyFileSync(certs.files.serverKey, serverKey);
  handToPostgres([serverCert, serverKey]);
  [temporal, postgres] = await Promise.all([
    connectTemporal(),
    startPostgres({ settings: { ssl: 'on', ssl_cert_file: serverCert, ssl_key_file: serverKey } }),
  ]);
  worker = await createWorker(temporal.nativeConnection, taskQueue);
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await temporal?.close();
  await postgres?.stop();
  for (const name of envNames) Reflect.deleteProperty(process.env, name);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function vtgateWith(tls: Parameters<typeof startTestVtgate>[0]['tls']): Promise<TestVtgate> {
  const vtgate = await startTestVtgate({
    keyspaces: [
      { name: 'commerce', shards: ['-80', '80-'], tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }] },
    ],
    heartbeatUnitMs: 200,
    tls,
  });
  vtgate.insert('customer', [
    { id: 1, email: 'a@example.com' },
    { id: 2, email: 'b@example.com' },
  ]);
  return vtgate;
}

async function startStream(vtgate: TestVtgate, edit: (config: StreamConfigInput) => void) {
  const url = await postgres.createDatabase(uniqueName('tls'));
  const envName = uniqueName('VSR_E2E_TLS_PG').toUpperCase();
  envNames.push(envName);
  process.env[envName] = url;
  const streamId = uniqueName('tls');
  const config: StreamConfigInput = {
    streamId,
    source: {
      vtgate: {
        address: vtgate.address,
        tls: {
          caFile: certs.files.ca,
          certFile: certs.files.clientCert,
          keyFile: certs.files.clientKey,
          serverName: 'localhost',
        },
      },
      keyspaces: [{ name: 'commerce' }],
      heartbeatIntervalSeconds: 1,
    },
    sink: {
      postgres: { url: `env:${envName}`, sslMode: 'verify-full', sslCaFile: certs.files.ca },
      batch: { maxDelayMs: 50 },
    },
    run: { progressIntervalSeconds: 1, retryInitialSeconds: 0.2, retryMaxSeconds: 2 },
  };
  edit(config);
  const handle = await temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${streamId}`,
    args: [{ config }],
  });
  return { streamId, handle, url };
}

async function pausedWith(
  handle: WorkflowHandle<typeof vstreamToPostgres>,
  message: RegExp,
): Promise<StreamStatus> {
  const status = await waitUntil(
    'the stream to pause on the TLS error',
    () => handle.query(statusQuery),
    (s) => s.state === 'paused' && s.lastError !== null,
  );
  expect(status.lastError!.retryable).toBe(false);
  expect(status.lastError!.message).toMatch(message);
  expect(status.batchSeq).toBe(0);
  return status;
}

async function stop(handle: WorkflowHandle<typeof vstreamToPostgres>): Promise<void> {
  await handle.signal(stopSignal);
  expect((await handle.result()).state).toBe('stopped');
}

describe('TLS on both sides of a stream', () => {
  test('mTLS to vtgate and verify-full to Postgres: the rows arrive over encrypted connections', async () => {
    const vtgate = await vtgateWith({
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
      requireClientCert: true,
    });
    try {
      const { streamId, handle, url } = await startStream(vtgate, () => undefined);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        await waitUntil(
          'the rows',
          () => mirrorCustomers(db),
          (rows) => rows.length === 2,
        );
        const { rows } = await db.query<{ ssl: boolean; version: string }>(
          `SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.application_name = $1`,
          [`vstream-relay/${streamId}`],
        );
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.ssl && /^TLSv1\.[23]$/.test(r.version))).toBe(true);
      } finally {
        await db.end();
      }
      await stop(handle);
    } finally {
      await vtgate.close();
    }
  });

  test('an expired vtgate certificate pauses the stream with kind tls', async () => {
    const expired = makeExpiredCertificate(certs, 'expired-vtgate');
    const vtgate = await vtgateWith({
      cert: expired.cert,
      key: expired.key,
      ca: certs.ca,
      requireClientCert: true,
    });
    try {
      const { handle } = await startStream(vtgate, () => undefined);
      const status = await pausedWith(
        handle,
        /TLS to vtgate .* failed: .*certificate has expired.*Check source\.vtgate\.tls/,
      );
      expect(status.lastError!.kind).toBe('tls');
      await stop(handle);
    } finally {
      await vtgate.close();
    }
  });

  test('a vtgate certificate from another CA pauses the stream with kind tls', async () => {
    const vtgate = await vtgateWith({ cert: other.serverCert, key: other.serverKey });
    try {
      const { handle } = await startStream(
        vtgate,
        (c) => (c.source.vtgate.tls = { caFile: certs.files.ca, serverName: 'localhost' }),
      );
      const status = await pausedWith(handle, /TLS to vtgate .* failed/);
      expect(status.lastError!.kind).toBe('tls');
      await stop(handle);
    } finally {
      await vtgate.close();
    }
  });

  test('a Postgres certificate the configured CA did not sign is refused (verify-full), naming the problem', async () => {
    const vtgate = await vtgateWith({
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
      requireClientCert: true,
    });
    try {
      const { handle, url } = await startStream(vtgate, (c) => (c.sink.postgres.sslCaFile = other.files.ca));
      const status = await pausedWith(
        handle,
        /connecting to Postgres: unable to verify the first certificate/,
      );
      expect(status.lastError!.kind).toBe('database');
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        expect(await mirrorCustomers(db)).toEqual([]);
      } finally {
        await db.end();
      }
      await stop(handle);
    } finally {
      await vtgate.close();
    }
  });
});
