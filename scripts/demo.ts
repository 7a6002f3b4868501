// `npm run demo`: everything a newcomer needs to watch a stream work, on one machine, in a minute —
// a Temporal dev server with its Web UI, a throw-away PostgreSQL, a VStream source, a worker, and one stream
// started through our CLI. Prints where to look and live progress until Ctrl-C, which stops all of it.
//
// The source is a real Vitess (vttestserver on MariaDB) when the conformance lane's binaries are cached
// (`npx tsx scripts/vitess/build.ts`), else — or with `--test-vtgate` — the test vtgate (src/devtools/vtgate);
// either runs a labelled synthetic workload over a 2-shard keyspace for at most an hour (scripts/demo-source.ts).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runCli } from '../src/client/cli.js';
import { streamWorkflowId } from '../src/config/stream-config.js';
import { startPostgres } from '../src/devtools/postgres-server.js';
import { freePort } from '../src/devtools/ports.js';
import { startTemporalDevServer } from '../src/devtools/temporal-server.js';
import { readWorkerEnv } from '../src/worker/env.js';
import { runWorker } from '../src/worker/worker.js';
import { statusQuery, type StreamStatus } from '../src/workflows/definitions.js';
import { startDemoSource } from './demo-source.js';

const STREAM_ID = 'demo';
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The well-known port when it is free (so bookmarks keep working), else any free one. */
async function preferredPort(port: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  return free ? port : freePort();
}

say('Starting the demo (the first run builds the Temporal CLI and may install PostgreSQL)…');
const [temporal, postgres, source] = await Promise.all([
  startTemporalDevServer({
    ui: true,
    port: await preferredPort(7233),
    uiPort: await preferredPort(8233),
    searchAttributes: { VStreamId: 'Keyword' },
  }),
  startPostgres(),
  startDemoSource(process.argv.includes('--test-vtgate')),
]);

// The stream config holds only a reference to the connection string; the worker resolves it.
process.env.VSTREAM_RELAY_DEMO_PG_URL = postgres.connectionString();
const env = readWorkerEnv({
  ...process.env,
  TEMPORAL_ADDRESS: temporal.address,
  TEMPORAL_NAMESPACE: temporal.namespace,
  METRICS_PORT: String(await preferredPort(9464)),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const stop = new AbortController();
const worker = runWorker(env, stop.signal);

const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-demo-'));
const configFile = path.join(configDir, 'demo-stream.json');
fs.writeFileSync(
  configFile,
  JSON.stringify(
    {
      streamId: STREAM_ID,
      source: {
        vtgate: { address: source.address },
        keyspaces: [{ name: source.keyspace }],
        heartbeatIntervalSeconds: 1,
      },
      sink: { postgres: { url: 'env:VSTREAM_RELAY_DEMO_PG_URL' }, mode: 'both' },
      run: { progressIntervalSeconds: 2 },
    },
    null,
    2,
  ),
);
const cliEnv = { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace };
const started = await runCli(['start', configFile], {
  stdout: process.stdout,
  stderr: process.stderr,
  env: cliEnv,
});
if (started !== 0) throw new Error(`vstream-relay start exited with ${started}`);

const workflowId = streamWorkflowId(STREAM_ID);
say('');
say(`Temporal UI   ${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${workflowId}`);
say(`Workflow id   ${workflowId}   (Queries tab: currentVgtid, status)`);
say(`Source        ${source.label}`);
say(`Mirror        psql "${postgres.connectionString()}" -c 'SELECT count(*) FROM ${source.table}'`);
say(`Metrics       http://127.0.0.1:${env.METRICS_PORT}/metrics`);
say(`CLI           TEMPORAL_ADDRESS=${temporal.address} npx vstream-relay status ${STREAM_ID}`);
say('Press Ctrl-C to stop everything.\n');

const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: temporal.namespace });
let previousRows = 0;
let previousAt = Date.now();
const progress = setInterval(() => {
  client.workflow
    .getHandle(workflowId)
    .query(statusQuery)
    .then((s: StreamStatus) => {
      const rows = Object.values(s.rowsApplied).reduce((n, c) => n + c.insert + c.update + c.delete, 0);
      const rate = ((rows - previousRows) * 1000) / (Date.now() - previousAt);
      previousRows = rows;
      previousAt = Date.now();
      const shards = ((s.vgtid?.shard_gtids ?? []) as { shard: string; gtid: string }[])
        .map((g) => `${g.shard}@${g.gtid.replace(/^MySQL56\/[0-9a-f-]+:/, '…:')}`)
        .join(' ');
      const lag = s.lagSeconds === null ? 'n/a' : `${s.lagSeconds.toFixed(1)} s`;
      say(`${s.state.padEnd(8)} ${Math.round(rate)} rows/s  lag ${lag}  batch ${s.batchSeq}  ${shards}`);
    })
    .catch((err: Error) => say(`(status not available yet: ${err.message})`));
}, 2_000);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  say('\nStopping…');
  clearInterval(progress);
  stop.abort();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
void source.done.finally(shutdown);
try {
  await worker;
} finally {
  clearInterval(progress);
  await connection.close().catch(() => undefined);
  await Promise.allSettled([source.stop(), temporal.stop(), postgres.stop()]);
  fs.rmSync(configDir, { recursive: true, force: true });
  say('Stopped.');
}
