import type { FailureContext } from '../explain-error.js';
import type { CliIo } from '../io.js';
import { clientSettings, type TemporalFlags } from '../settings.js';
import { openSession, type TemporalSession } from '../temporal.js';

/**
 * Runs `use` with a Temporal session and closes it afterwards. Records the address, namespace and task queue
 * in `failure`, so an error message can name them.
 */
export async function withSession<T>(
  io: CliIo,
  flags: TemporalFlags,
  failure: FailureContext,
  use: (session: TemporalSession) => Promise<T>,
): Promise<T> {
  const settings = clientSettings(io.env, flags);
  failure.address = settings.TEMPORAL_ADDRESS;
  failure.namespace = settings.TEMPORAL_NAMESPACE;
  failure.taskQueue ??= settings.TEMPORAL_TASK_QUEUE;
  const session = await openSession(settings, flags.connectTimeoutMs);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

export function now(io: CliIo): Date {
  return io.now ? io.now() : new Date();
}
