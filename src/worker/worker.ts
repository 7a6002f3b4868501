import { Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.js';
import { payloadCodecFromSettings } from '../codec/index.js';
import { connectToTemporal } from './connection.js';
import type { WorkerEnv } from './env.js';
import { TemporalPinoLogger, createLogger } from './logging.js';
import { StreamMetrics } from './metrics.js';
import { createSecretResolver } from './secrets.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Runs a worker until it is asked to stop: SIGINT/SIGTERM or `signal`. On shutdown, stream activities commit at
 * the next source-transaction boundary and return at once (their workflows reschedule them on another worker);
 * WORKER_SHUTDOWN_GRACE_SECONDS bounds how long that may take before the SDK cancels them.
 */
export async function runWorker(env: WorkerEnv, signal?: AbortSignal): Promise<void> {
  const logger = createLogger(env.LOG_LEVEL);
  // First: a bad payload key fails start-up at once, naming the variable, before anything listens.
  const codec = payloadCodecFromSettings(env);
  if (codec) logger.info({ keyIds: codec.keyIds }, 'Temporal payloads are encrypted (AES-256-GCM)');
  // We handle the signals ourselves so the activities hear about the shutdown before the grace time runs out.
  Runtime.install({ logger: new TemporalPinoLogger(logger), shutdownSignals: [] });
  const shutdown = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    logger.info({ signal: name }, 'shutting down: stream activities commit and return');
    shutdown.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  signal?.addEventListener('abort', () => shutdown.abort(), { once: true });
  const metrics = new StreamMetrics();
  const metricsServer =
    env.METRICS_PORT === 'off' ? undefined : await metrics.serve(env.METRICS_PORT, env.METRICS_HOST);
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics on /metrics');
  const connection = await connectToTemporal(env);
  try {
    const worker = await Worker.create({
      connection,
      // Codecs run outside the workflow sandbox: the bundle needs nothing, and the activities' own client
      // (progress signals) uses this converter too.
      dataConverter: codec ? { payloadCodecs: [codec] } : undefined,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowsPath,
      activities: createActivities({
        resolveSecret: createSecretResolver(),
        logger,
        metrics,
        workerShutdown: shutdown.signal,
      }),
      shutdownGraceTime: `${env.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
      // Cancellation (pause, stop) reaches an activity only with a heartbeat response; the SDK's default
      // throttle (0.8 × heartbeat timeout) would make a pause take up to ~24 s.
      maxHeartbeatThrottleInterval: '2s',
    });
    if (shutdown.signal.aborted) worker.shutdown();
    else shutdown.signal.addEventListener('abort', () => worker.shutdown(), { once: true });
    logger.info(
      {
        address: env.TEMPORAL_ADDRESS,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
      },
      'worker polling',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await connection.close();
    await metricsServer?.close();
  }
}
