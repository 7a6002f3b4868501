// Where the CLI finds Temporal: the worker's own environment variables, with command-line flags on top.
import type { ConnectionOptions } from '@temporalio/client';
import fs from 'node:fs';
import { readWorkerEnv, type WorkerEnv } from '../worker/env.js';
import { UsageError } from './errors.js';

export interface TemporalFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** How long to try reaching the server before giving up (client commands only). */
  connectTimeoutMs?: number;
}

export type Env = Record<string, string | undefined>;

function withFlags(env: Env, flags: TemporalFlags): Env {
  return {
    ...env,
    ...(flags.address !== undefined && { TEMPORAL_ADDRESS: flags.address }),
    ...(flags.namespace !== undefined && { TEMPORAL_NAMESPACE: flags.namespace }),
    ...(flags.taskQueue !== undefined && { TEMPORAL_TASK_QUEUE: flags.taskQueue }),
  };
}

function parse(env: Env): WorkerEnv {
  try {
    return readWorkerEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The Temporal settings of client commands: the same TEMPORAL_* variables and defaults as the worker, so a
 * CLI and a worker started from one shell talk to the same server, namespace and task queue. Only the
 * TEMPORAL_* variables and the payload keys are read: a worker-only variable that is invalid must not break
 * `status`.
 */
export function clientSettings(env: Env, flags: TemporalFlags): WorkerEnv {
  const temporalOnly = Object.fromEntries(
    Object.entries(env).filter(
      // The payload keys too: the CLI must encrypt what it sends and decrypt what it reads like the worker.
      ([name]) => name.startsWith('TEMPORAL_') || name.startsWith('VSTREAM_RELAY_PAYLOAD_KEY'),
    ),
  );
  return parse(withFlags(temporalOnly, flags));
}

/** The whole worker environment, with the flags applied (for `vstream-relay worker`). */
export function workerSettings(env: Env, flags: TemporalFlags): WorkerEnv {
  return parse(withFlags(env, flags));
}

type ReadFile = (file: string) => Buffer;

/** @temporalio/client connection options; the same TLS / mTLS / API key rules as the worker's connection. */
export function clientConnectionOptions(
  settings: WorkerEnv,
  readFile: ReadFile = fs.readFileSync,
): ConnectionOptions {
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFile(file);
    } catch (err) {
      throw new UsageError(
        `cannot read ${variable} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  };
  const tlsWanted =
    settings.TEMPORAL_TLS_CA_FILE || settings.TEMPORAL_TLS_CERT_FILE || settings.TEMPORAL_API_KEY;
  const {
    TEMPORAL_TLS_CA_FILE: caFile,
    TEMPORAL_TLS_CERT_FILE: certFile,
    TEMPORAL_TLS_KEY_FILE: keyFile,
  } = settings;
  return {
    address: settings.TEMPORAL_ADDRESS,
    apiKey: settings.TEMPORAL_API_KEY,
    tls: tlsWanted
      ? {
          serverNameOverride: settings.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: caFile ? read('TEMPORAL_TLS_CA_FILE', caFile) : undefined,
          clientCertPair:
            certFile && keyFile
              ? { crt: read('TEMPORAL_TLS_CERT_FILE', certFile), key: read('TEMPORAL_TLS_KEY_FILE', keyFile) }
              : undefined,
        }
      : undefined,
  };
}
