import type { Logger } from 'pino';
import type { StreamMetrics } from '../worker/metrics.js';
import type { SecretResolver } from '../worker/secrets.js';
import { createSinkOpener } from './open-sink.js';
import { runStream } from './stream-activity.js';
import type { StreamActivities } from './types.js';

export interface ActivityDeps {
  resolveSecret: SecretResolver;
  logger: Logger;
  metrics: StreamMetrics;
  /** Aborted when the worker starts shutting down (see StreamActivityDeps.workerShutdown). */
  workerShutdown?: AbortSignal;
}

/**
 * The activities a worker registers. They are closures over worker-side resources (secrets resolver, logger,
 * metrics), so nothing sensitive has to travel through workflow input.
 */
export function createActivities(deps: ActivityDeps): StreamActivities {
  const openSink = createSinkOpener(deps.resolveSecret);
  return {
    runStream: (input) => runStream(input, { ...deps, openSink }),
  };
}
