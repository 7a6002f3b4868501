// Entry point of `npm start` / `vstream-relay worker`.
import { readWorkerEnv } from './env.js';
import { runWorker } from './worker.js';

try {
  await runWorker(readWorkerEnv());
} catch (err) {
  process.stderr.write(`vstream-relay worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
