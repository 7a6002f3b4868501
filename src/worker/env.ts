import { z } from 'zod';

/**
 * Worker settings come from the environment only. Workflow input never holds secrets, so everything
 * sensitive (connection strings, passwords, keys) is resolved here, on the worker, by name.
 */
const workerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('vstream-relay'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** How long a running stream activity gets to commit its batch and return on SIGTERM. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** Port of the Prometheus `/metrics` endpoint; `off` disables it, `0` picks a free port. */
  METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).default(9464),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Encrypts Temporal payloads (src/codec): base64 of 32 bytes or `file:/path`; the CLI needs the same key. */
  VSTREAM_RELAY_PAYLOAD_KEY: z.string().min(1).optional(),
  /** Older payload keys, comma-separated, that still decrypt (key rotation). */
  VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS: z.string().min(1).optional(),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** Parses the worker environment; an invalid value fails start-up with the variable's name. */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = workerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid worker environment: ${problems}`);
  }
  const { TEMPORAL_TLS_CERT_FILE: cert, TEMPORAL_TLS_KEY_FILE: key } = parsed.data;
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(
      'invalid worker environment: TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together',
    );
  }
  return parsed.data;
}
