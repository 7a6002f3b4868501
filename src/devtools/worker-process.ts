// The worker as a child process (`node bin/vstream-relay.js worker`), configured through its environment like a
// deployed one: what tests and benchmarks kill -9 and restart.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnService, startReaper, tailFile } from './processes.js';

const CLI = fileURLToPath(new URL('../../bin/vstream-relay.js', import.meta.url));

export interface WorkerProcess {
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** When the worker logged that it polls its task queue (performance.now()). */
  readyAt: number;
  /** SIGKILL, no goodbye: the activity's Postgres transaction and VStream call die with the process. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful: the worker drains and exits), SIGKILL after `stopTimeoutMs`. */
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  temporal: { address: string; namespace: string };
  taskQueue: string;
  logFile: string;
  /** On top of ours and the defaults below. */
  env?: Record<string, string>;
  /** Node options before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** WORKER_SHUTDOWN_GRACE_SECONDS (default 3). */
  shutdownGraceSeconds?: number;
  /** How long it may take to poll its task queue (default 60 s). */
  readyTimeoutMs?: number;
  /** How long stop() waits before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

/**
 * Starts the worker in its own process group and resolves once it polls its task queue. A reaper kills it if
 * this process dies without stopping it.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { logFile } = options;
  const service = spawnService(process.execPath, [...(options.nodeArgs ?? []), CLI, 'worker'], {
    logFile,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporal.address,
      TEMPORAL_NAMESPACE: options.temporal.namespace,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      METRICS_PORT: 'off',
      LOG_LEVEL: 'info',
      WORKER_SHUTDOWN_GRACE_SECONDS: String(options.shutdownGraceSeconds ?? 3),
      ...options.env,
    },
  });
  const pid = service.child.pid;
  if (pid === undefined) throw new Error(`the worker process did not start:\n${tailFile(logFile)}`);
  startReaper(process.pid, [pid], []);
  let exited: number | string | undefined;
  void service.exited.then((code) => (exited = code));
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`worker exited (${exited}) on start-up:\n${tailFile(logFile)}`);
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (log.includes('"msg":"worker polling"')) break;
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`worker did not poll within ${readyTimeoutMs / 1000} s:\n${tailFile(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid,
    logFile,
    exited: service.exited,
    readyAt: performance.now(),
    kill9: () => service.kill(),
    stop: () => service.stop('SIGTERM', options.stopTimeoutMs ?? 10_000),
  };
}
