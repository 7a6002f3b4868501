import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { z } from 'zod';
import { asSinkError } from './errors.js';

/**
 * How the sink reaches Postgres when it is not handed a pool. The worker builds this from its own environment
 * (never from workflow input, which is stored in Temporal history in clear).
 */
export const pgConnectionSchema = z.object({
  /** `postgresql://…` URL or libpq key=value string; the fields below override its parts. */
  connectionString: z.string().optional(),
  host: z.string().optional(),
  port: z.number().int().positive().optional(),
  user: z.string().optional(),
  password: z.string().optional(),
  database: z.string().optional(),
  /**
   * libpq's sslmode: `disable`; `require` (encrypted, server not verified); `verify-ca` (certificate chain checked
   * against `sslRootCert`); `verify-full` (chain and host name). When set, it replaces any ssl settings in the
   * connection string.
   */
  sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
  /** PEM text of the CA certificate(s) to trust (not a path). Default: Node's bundled CAs. */
  sslRootCert: z.string().optional(),
  /** PEM client certificate and key for certificate authentication. */
  sslCert: z.string().optional(),
  sslKey: z.string().optional(),
  applicationName: z.string().default('vstream-relay-sink'),
  connectTimeoutMs: z.number().int().positive().default(10_000),
});

export type PgConnectionOptions = z.input<typeof pgConnectionSchema>;

/** node-postgres client configuration for the options above. */
export function pgClientConfig(input: PgConnectionOptions): pg.ClientConfig {
  const options = pgConnectionSchema.parse(input);
  const config: pg.ClientConfig = {
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
  };
  if (options.connectionString !== undefined) {
    config.connectionString =
      options.sslmode === undefined ? options.connectionString : withoutSslParams(options.connectionString);
  }
  if (options.host !== undefined) config.host = options.host;
  if (options.port !== undefined) config.port = options.port;
  if (options.user !== undefined) config.user = options.user;
  if (options.password !== undefined) config.password = options.password;
  if (options.database !== undefined) config.database = options.database;
  if (options.sslmode !== undefined) config.ssl = tlsOptions(options);
  return config;
}

function tlsOptions(options: z.output<typeof pgConnectionSchema>): false | ConnectionOptions {
  if (options.sslmode === 'disable') return false;
  const tls: ConnectionOptions = {};
  if (options.sslRootCert !== undefined) tls.ca = options.sslRootCert;
  if (options.sslCert !== undefined) tls.cert = options.sslCert;
  if (options.sslKey !== undefined) tls.key = options.sslKey;
  switch (options.sslmode) {
    case 'require':
      tls.rejectUnauthorized = false;
      break;
    case 'verify-ca':
      // Chain verified, host name not: libpq's verify-ca.
      tls.rejectUnauthorized = true;
      tls.checkServerIdentity = () => undefined;
      break;
    default:
      tls.rejectUnauthorized = true;
  }
  return tls;
}

const SSL_URL_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

/**
 * node-postgres lets connection-string ssl parameters override the `ssl` object, so when sslmode is given
 * explicitly they are removed from a URL-form connection string.
 */
function withoutSslParams(connectionString: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return connectionString;
  }
  for (const name of SSL_URL_PARAMS) url.searchParams.delete(name);
  return url.toString();
}

/**
 * One dedicated connection for the sink's lifetime (its transactions span many calls). An 'error' listener is
 * attached at once: node-postgres emits socket errors as events, and an unhandled one would end the process.
 */
export async function acquireClient(options: {
  pool?: pg.Pool;
  connection?: PgConnectionOptions;
}): Promise<{ client: pg.ClientBase; release: (destroy: boolean) => Promise<void> }> {
  const ignore = (): void => undefined;
  try {
    if (options.pool !== undefined) {
      const client = await options.pool.connect();
      client.on('error', ignore);
      return {
        client,
        // A failed client (or one that may still be in a transaction) is destroyed, never reused by the pool.
        release: async (destroy) => {
          // Session settings made by the sink must not leak to the pool's next user.
          const reset = destroy
            ? false
            : await client.query('RESET ALL').then(
                () => true,
                () => false,
              );
          client.removeListener('error', ignore);
          client.release(!reset);
        },
      };
    }
    const client = new pg.Client(pgClientConfig(options.connection!));
    client.on('error', ignore);
    await client.connect();
    return { client, release: () => client.end() };
  } catch (err) {
    throw asSinkError(err, 'connecting to Postgres');
  }
}
