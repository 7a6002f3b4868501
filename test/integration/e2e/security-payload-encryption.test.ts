// Payload encryption end to end: a worker process with VSTREAM_RELAY_PAYLOAD_KEY (a `file:` reference) and our
// CLI with the same key start, query and control a stream; the workflow history, read with a client that has no
// key, holds ciphertext only — no config, no table names, no positions, no row data — and the CLI without the key
// cannot read the status (and says why).
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../../src/client/cli.js';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import type { StreamStatus } from '../../../src/workflows/definitions.js';
import {
  closeStreamEnvironment,
  mirrorCustomers,
  openStreamEnvironment,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { temporalFlags } from '../../support/e2e-control.js';
import { startWorkerProcess, tempLogDir, type WorkerProcess } from '../../support/e2e-recovery.js';
import { uniqueName } from '../../support/isolation.js';

const KEY = randomBytes(32).toString('base64');
const ROW_MARKER = `rowmark${randomBytes(4).toString('hex')}`;
const CONFIG_MARKER = `cfgmark${randomBytes(4).toString('hex')}`;

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;
let worker: WorkerProcess | undefined;
const logs = tempLogDir('vsr-encryption');

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
});

afterAll(async () => {
  await worker?.stop();
  await closeStreamEnvironment({ vtgate, sink, temporal });
  logs.remove();
});

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, ...temporalFlags()], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    cwd: logs.dir,
  });
  return { code, stdout, stderr };
}

/** Every payload in a history JSON: `{ metadata: { encoding: base64 }, data: base64 }` objects. */
function payloadsOf(json: unknown): { encoding: string; data: string }[] {
  const found: { encoding: string; data: string }[] = [];
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') {
      const v = value as { metadata?: { encoding?: string }; data?: string };
      if (v.metadata?.encoding !== undefined) {
        found.push({
          encoding: Buffer.from(v.metadata.encoding, 'base64').toString(),
          data: Buffer.from(v.data ?? '', 'base64').toString('latin1'),
        });
        return;
      }
      for (const [k, child] of Object.entries(value)) walk(child, k);
    }
  };
  walk(json, '');
  return found;
}

describe('payload encryption', () => {
  test('histories hold ciphertext only; the CLI with the key works, without it says why', async () => {
    const keyFile = path.join(logs.dir, 'payload.key');
    fs.writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const taskQueue = uniqueName('e2e-encrypted');
    worker = await startWorkerProcess({
      taskQueue,
      logDir: logs.dir,
      name: 'worker',
      env: { VSTREAM_RELAY_PAYLOAD_KEY: `file:${keyFile}`, [sink.envName]: sink.url },
    });
    const streamId = uniqueName('encrypted');
    const config = streamConfig(streamId, vtgate, sink);
    config.source.tables = { include: ['customer'] };
    config.source.vtgate.metadata = { 'x-tenant': CONFIG_MARKER };
    fs.writeFileSync(path.join(logs.dir, 'stream.json'), JSON.stringify(config));
    const withKey = { VSTREAM_RELAY_PAYLOAD_KEY: KEY };

    // Rows for the copy phase, then live changes once it is done (both must stay out of the history).
    vtgate.insert('customer', [{ id: 1, email: `${ROW_MARKER}-1@example.com`, balance: '12.50' }]);
    const started = await cli(withKey, 'start', 'stream.json', '--task-queue', taskQueue);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    await waitUntil(
      'the copy phase',
      () => mirrorCustomers(sink.db),
      (rows) => rows.length === 1,
    );
    vtgate.insert('customer', [{ id: 2, email: `${ROW_MARKER}-2@example.com` }]);
    vtgate.update('customer', { id: 1 }, { email: `${ROW_MARKER}-1b@example.com` });
    await waitUntil(
      'the stream to apply the rows',
      () => mirrorCustomers(sink.db),
      (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
    );

    // Our CLI with the key: status, pause and resume work as usual.
    const status = await waitUntil(
      'status with the rows counted',
      async () => {
        const run = await cli(withKey, 'status', streamId, '--json');
        if (run.code !== 0) throw new Error(`status exited ${run.code}: ${run.stderr}`);
        return JSON.parse(run.stdout) as StreamStatus;
      },
      (s) => (s.rowsApplied['commerce.customer']?.update ?? 0) >= 1,
    );
    expect(status.state).toBe('running');
    expect((await cli(withKey, 'pause', streamId)).code).toBe(0);
    expect((await cli(withKey, 'resume', streamId)).code).toBe(0);

    // Without the key the status cannot be read, and the message says why.
    const blind = await cli({}, 'status', streamId, '--json');
    expect(blind.code).not.toBe(0);
    expect(blind.stderr).toMatch(/encrypted/i);
    expect(blind.stdout).not.toContain('commerce.customer');

    expect((await cli(withKey, 'stop', streamId, '--wait')).code).toBe(0);

    // The history as the Temporal server stores it (a client without the key).
    const plain = new Client({
      connection: temporal.client.connection,
      namespace: temporal.client.options.namespace,
    });
    const history = historyToJSON(await plain.workflow.getHandle(`vstream-${streamId}`).fetchHistory());
    const payloads = payloadsOf(JSON.parse(history));
    const encodings = new Map<string, number>();
    for (const p of payloads) encodings.set(p.encoding, (encodings.get(p.encoding) ?? 0) + 1);
    console.log(
      `[encryption] ${payloads.length} payloads in the history by encoding: ${JSON.stringify(Object.fromEntries(encodings))}`,
    );
    // Substantial: input, signals (progress reports), updates (pause/resume), the activity's input and result.
    expect(encodings.get('binary/encrypted') ?? 0).toBeGreaterThanOrEqual(8);
    // Only the VStreamId search attribute (which the server must index) is readable.
    const readable = payloads.filter((p) => p.encoding !== 'binary/encrypted');
    expect(readable.map((p) => p.data)).toEqual(readable.map(() => JSON.stringify(streamId)));
    const everything = `${history}\n${payloads.map((p) => p.data).join('\n')}`;
    for (const secret of [
      ROW_MARKER,
      CONFIG_MARKER,
      vtgate.address,
      sink.envName,
      'commerce.customer',
      'shard_gtids',
      KEY,
    ]) {
      expect(everything, secret).not.toContain(secret);
    }
    // The worker logged that it encrypts, with the key id, never the key.
    const workerLog = fs.readFileSync(worker.logFile, 'utf8');
    expect(workerLog).toContain('Temporal payloads are encrypted (AES-256-GCM)');
    expect(workerLog).not.toContain(KEY);
  });

  test('a worker with a malformed key refuses to start and names the variable', async () => {
    const failed = await startWorkerProcess({
      taskQueue: uniqueName('e2e-badkey'),
      logDir: logs.dir,
      name: 'bad-key-worker',
      env: { VSTREAM_RELAY_PAYLOAD_KEY: 'c2hvcnQ=' },
    }).catch((err: unknown) => err as Error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/worker exited \(1\) on start-up/);
    expect((failed as Error).message).toMatch(/VSTREAM_RELAY_PAYLOAD_KEY: the key must be 32 bytes/);
  });
});
