import fs from 'node:fs';

/**
 * Resolves a secret reference from a stream config on the worker: `env:NAME` reads the worker's environment,
 * `file:/path` reads a file (trailing newline trimmed), e.g. a mounted Kubernetes secret. The value never goes
 * back into workflow state, heartbeats or logs.
 */
export type SecretResolver = (ref: string, field: string) => string;

export class SecretResolutionError extends Error {
  override readonly name = 'SecretResolutionError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function createSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return (ref, field) => {
    if (ref.startsWith('env:')) {
      const name = ref.slice(4);
      const value = env[name];
      if (value === undefined || value === '') {
        throw new SecretResolutionError(field, `environment variable ${name} is not set on the worker`);
      }
      return value;
    }
    if (ref.startsWith('file:')) {
      const file = ref.slice(5);
      try {
        return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new SecretResolutionError(
          field,
          `cannot read ${file} on the worker: ${(err as Error).message}`,
        );
      }
    }
    throw new SecretResolutionError(field, 'is not a secret reference (env:NAME or file:/path)');
  };
}
