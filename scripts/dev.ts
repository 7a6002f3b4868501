// `npm run dev`: a complete local stack for development — a Temporal dev server with its Web UI, a
// throw-away PostgreSQL cluster, and a worker polling the default task queue. Ctrl-C stops all of it.
import net from 'node:net';
import { startPostgres } from '../src/devtools/postgres-server.js';
import { freePort } from '../src/devtools/ports.js';
import { startTemporalDevServer } from '../src/devtools/temporal-server.js';
import { readWorkerEnv } from '../src/worker/env.js';
import { runWorker } from '../src/worker/worker.js';

/** The well-known port when it is free (so bookmarks keep working), else any free one. */
async function preferredPort(port: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  return free ? port : freePort();
}

const say = (line: string) => process.stdout.write(`${line}\n`);

say('Starting the local stack (first run builds the Temporal CLI and may install PostgreSQL)…');
const [temporal, postgres] = await Promise.all([
  startTemporalDevServer({
    ui: true,
    port: await preferredPort(7233),
    uiPort: await preferredPort(8233),
    searchAttributes: { VStreamId: 'Keyword' },
  }),
  startPostgres(),
]);
const env = readWorkerEnv({
  ...process.env,
  TEMPORAL_ADDRESS: temporal.address,
  TEMPORAL_NAMESPACE: temporal.namespace,
});
say(`Temporal UI     ${temporal.uiUrl}`);
say(
  `Temporal        ${temporal.address} (namespace ${temporal.namespace}, task queue ${env.TEMPORAL_TASK_QUEUE})`,
);
say(`PostgreSQL      psql "${postgres.connectionString()}"`);
say('Press Ctrl-C to stop everything.');

const stop = new AbortController();
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  say('\nStopping…');
  stop.abort();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
try {
  await runWorker(env, stop.signal);
} finally {
  await Promise.allSettled([temporal.stop(), postgres.stop()]);
  say('Stopped.');
}
