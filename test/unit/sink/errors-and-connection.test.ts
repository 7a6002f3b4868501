import { describe, expect, it } from 'vitest';
import { pgClientConfig } from '../../../src/sink/connection.js';
import { FencedError, SinkDatabaseError, isRetryableDatabaseError } from '../../../src/sink/errors.js';

describe('error classification', () => {
  it('retries connection loss, deadlocks and lock timeouts, not data or schema errors', () => {
    const pgError = (code: string) => Object.assign(new Error('x'), { code });
    expect(isRetryableDatabaseError(pgError('08006'))).toBe(true);
    expect(isRetryableDatabaseError(pgError('40P01'))).toBe(true);
    expect(isRetryableDatabaseError(pgError('55P03'))).toBe(true);
    expect(isRetryableDatabaseError(pgError('57P01'))).toBe(true);
    expect(isRetryableDatabaseError(pgError('ECONNRESET'))).toBe(true);
    expect(isRetryableDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryableDatabaseError(pgError('22P02'))).toBe(false);
    expect(isRetryableDatabaseError(pgError('42P01'))).toBe(false);
    expect(isRetryableDatabaseError(new FencedError('s', 1))).toBe(false);
    const wrapped = new SinkDatabaseError('applying', pgError('40001'));
    expect(wrapped).toMatchObject({ retryable: true, sqlState: '40001' });
  });
});

describe('pgClientConfig', () => {
  it('maps libpq sslmodes to TLS options', () => {
    expect(pgClientConfig({ host: 'h', sslmode: 'disable' }).ssl).toBe(false);
    expect(pgClientConfig({ host: 'h', sslmode: 'require' }).ssl).toEqual({ rejectUnauthorized: false });
    const verifyCa = pgClientConfig({ host: 'h', sslmode: 'verify-ca', sslRootCert: 'PEM' }).ssl as {
      checkServerIdentity: () => unknown;
    };
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: 'PEM' });
    expect(verifyCa.checkServerIdentity()).toBeUndefined();
    expect(pgClientConfig({ host: 'h', sslmode: 'verify-full', sslRootCert: 'PEM' }).ssl).toEqual({
      rejectUnauthorized: true,
      ca: 'PEM',
    });
  });

  it('drops ssl parameters from the URL when sslmode is explicit (they would override it)', () => {
    const config = pgClientConfig({
      connectionString: 'postgresql://u@h:5432/db?sslmode=disable&application_name=x',
      sslmode: 'verify-full',
    });
    expect(config.connectionString).toBe('postgresql://u@h:5432/db?application_name=x');
    expect(pgClientConfig({ connectionString: 'postgresql://h/db?sslmode=require' }).connectionString).toBe(
      'postgresql://h/db?sslmode=require',
    );
  });
});
