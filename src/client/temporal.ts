// The connection to Temporal used by the client commands (not the worker, which has its own).
import { Client, Connection } from '@temporalio/client';
import { PayloadKeyError, payloadCodecFromSettings } from '../codec/index.js';
import type { WorkerEnv } from '../worker/env.js';
import { CliError, UsageError } from './errors.js';
import { clientConnectionOptions } from './settings.js';

export interface TemporalSession {
  client: Client;
  connection: Connection;
  address: string;
  namespace: string;
  taskQueue: string;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Connects, failing within `connectTimeoutMs` with a message naming the address (not the SDK's generic one). */
export async function openSession(
  settings: WorkerEnv,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<TemporalSession> {
  const address = settings.TEMPORAL_ADDRESS;
  // The same payload codec as the worker (VSTREAM_RELAY_PAYLOAD_KEY), or none; a bad key is a usage error.
  let codec: ReturnType<typeof payloadCodecFromSettings>;
  try {
    codec = payloadCodecFromSettings(settings);
  } catch (err) {
    if (err instanceof PayloadKeyError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...clientConnectionOptions(settings),
      connectTimeout: connectTimeoutMs,
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot reach Temporal at ${address}: ${reason}`, undefined, { cause: err });
  }
  const namespace = settings.TEMPORAL_NAMESPACE;
  return {
    client: new Client({
      connection,
      namespace,
      dataConverter: codec ? { payloadCodecs: [codec] } : undefined,
    }),
    connection,
    address,
    namespace,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    close: () => connection.close(),
  };
}

/** A call that got no answer in time; for queries that usually means no worker is polling. */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: no answer within ${timeoutMs / 1000} s`);
  }
}

/**
 * Runs one Temporal call with a time limit. The SDK reports an aborted call as a plain "Call cancelled", so
 * the timer's firing is what tells a timeout apart.
 */
export async function withTimeout<T>(
  connection: Connection,
  timeoutMs: number,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await connection.withAbortSignal(controller.signal, call);
  } catch (err) {
    if (controller.signal.aborted) throw new CallTimeoutError(what, timeoutMs);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
