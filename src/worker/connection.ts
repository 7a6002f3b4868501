import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import fs from 'node:fs';
import type { WorkerEnv } from './env.js';

/** Connection options for the Temporal frontend built from the worker environment (TLS, mTLS, API key). */
export function temporalConnectionOptions(env: WorkerEnv): NativeConnectionOptions {
  const tlsWanted = env.TEMPORAL_TLS_CA_FILE || env.TEMPORAL_TLS_CERT_FILE || env.TEMPORAL_API_KEY;
  return {
    address: env.TEMPORAL_ADDRESS,
    apiKey: env.TEMPORAL_API_KEY,
    tls: tlsWanted
      ? {
          serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: env.TEMPORAL_TLS_CA_FILE
            ? fs.readFileSync(env.TEMPORAL_TLS_CA_FILE)
            : undefined,
          clientCertPair:
            env.TEMPORAL_TLS_CERT_FILE && env.TEMPORAL_TLS_KEY_FILE
              ? {
                  crt: fs.readFileSync(env.TEMPORAL_TLS_CERT_FILE),
                  key: fs.readFileSync(env.TEMPORAL_TLS_KEY_FILE),
                }
              : undefined,
        }
      : undefined,
  };
}

export async function connectToTemporal(env: WorkerEnv): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(env));
}
