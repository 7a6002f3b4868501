import type { CliIo } from '../io.js';
import { workerSettings, type TemporalFlags } from '../settings.js';

/** Runs a worker in this process until SIGINT/SIGTERM (or `io.signal`) stops it. */
export async function runWorkerCommand(io: CliIo, flags: TemporalFlags): Promise<void> {
  const env = workerSettings(io.env, flags);
  // Loaded on demand: the worker pulls in the native Temporal core and every activity's dependencies.
  const { runWorker } = await import('../../worker/worker.js');
  await runWorker(env, io.signal);
}
