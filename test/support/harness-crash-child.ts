// Started by test/integration/harness.test.ts: brings up the same servers the harness does, reports what
// it started, then dies the way a crashed test run would (SIGKILL, or an uncaught exception).
import { startPostgres } from '../../src/devtools/postgres-server.js';
import { startTemporalDevServer } from '../../src/devtools/temporal-server.js';

const mode = process.argv[2];
const [postgres, temporal] = await Promise.all([startPostgres(), startTemporalDevServer()]);
process.stdout.write(
  `${JSON.stringify({ pids: [postgres.pid(), temporal.pid()], dirs: [postgres.baseDir, temporal.baseDir] })}\n`,
);
if (mode === 'sigkill') process.kill(process.pid, 'SIGKILL');
setTimeout(() => {
  throw new Error('simulated crash of a test process');
}, 10);
