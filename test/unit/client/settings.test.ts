import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/client/errors.js';
import { clientConnectionOptions, clientSettings, workerSettings } from '../../../src/client/settings.js';

describe('clientSettings', () => {
  it("uses the worker's defaults", () => {
    expect(clientSettings({}, {})).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'vstream-relay',
    });
  });

  it('reads TEMPORAL_* from the environment; flags win', () => {
    const env = { TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_TASK_QUEUE: 'env-q' };
    expect(clientSettings(env, {})).toMatchObject({
      TEMPORAL_ADDRESS: 'env:7233',
      TEMPORAL_NAMESPACE: 'env-ns',
      TEMPORAL_TASK_QUEUE: 'env-q',
    });
    expect(
      clientSettings(env, { address: 'flag:7233', namespace: 'flag-ns', taskQueue: 'flag-q' }),
    ).toMatchObject({
      TEMPORAL_ADDRESS: 'flag:7233',
      TEMPORAL_NAMESPACE: 'flag-ns',
      TEMPORAL_TASK_QUEUE: 'flag-q',
    });
  });

  it('ignores worker-only variables, which the worker command checks', () => {
    const env = { LOG_LEVEL: 'loud', WORKER_SHUTDOWN_GRACE_SECONDS: 'soon' };
    expect(() => clientSettings(env, {})).not.toThrow();
    expect(() => workerSettings(env, {})).toThrow(UsageError);
  });

  it('refuses a half mTLS configuration as a usage error', () => {
    expect(() => clientSettings({ TEMPORAL_TLS_CERT_FILE: '/c.pem' }, {})).toThrow(
      /TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together/,
    );
  });
});

describe('clientConnectionOptions', () => {
  const files: Record<string, string> = { '/ca.pem': 'CA', '/crt.pem': 'CRT', '/key.pem': 'KEY' };
  const readFile = (file: string): Buffer => {
    const content = files[file];
    if (content === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return Buffer.from(content);
  };

  it('plain connection: no TLS', () => {
    expect(clientConnectionOptions(clientSettings({}, {}), readFile)).toEqual({
      address: '127.0.0.1:7233',
      apiKey: undefined,
      tls: undefined,
    });
  });

  it('an API key implies TLS (Temporal Cloud)', () => {
    const options = clientConnectionOptions(clientSettings({ TEMPORAL_API_KEY: 'k' }, {}), readFile);
    expect(options.apiKey).toBe('k');
    expect(options.tls).toEqual({
      serverNameOverride: undefined,
      serverRootCACertificate: undefined,
      clientCertPair: undefined,
    });
  });

  it('mTLS with a private CA', () => {
    const env = {
      TEMPORAL_TLS_CA_FILE: '/ca.pem',
      TEMPORAL_TLS_CERT_FILE: '/crt.pem',
      TEMPORAL_TLS_KEY_FILE: '/key.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    };
    expect(clientConnectionOptions(clientSettings(env, {}), readFile).tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from('CA'),
      clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') },
    });
  });

  it('an unreadable file is named', () => {
    const settings = clientSettings({ TEMPORAL_TLS_CA_FILE: '/missing.pem' }, {});
    expect(() => clientConnectionOptions(settings, readFile)).toThrow(
      'cannot read TEMPORAL_TLS_CA_FILE /missing.pem: ENOENT',
    );
  });
});
