// Pins static auth (username/password call metadata) and TLS / mutual TLS on the test vtgate.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { VEventType, VtrpcCode } from '../../../src/vstream/proto.js';
import { makeTestCertificates } from '../../support/certs.js';
import { CUSTOMER, request, stream, vtgate } from './helpers.js';

const keyspaces = [{ name: 'ks', tables: [CUSTOMER] }];
const current = request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]);

describe('static auth', () => {
  it('wants username and password metadata: missing → UNAUTHENTICATED, wrong → PERMISSION_DENIED', async () => {
    const hash = createHash('sha256').update(createHash('sha256').update('s3cret').digest()).digest('hex');
    const v = await vtgate({
      keyspaces,
      auth: [
        { username: 'relay', password: 'pw' },
        { username: 'hashed', cachingSha2Password: `*${hash.toUpperCase()}` },
      ],
    });
    const missing = stream(v, current, { metadata: { username: 'relay' } });
    await missing.end();
    expect(missing.error?.code).toBe(VtrpcCode.UNAUTHENTICATED);
    expect(missing.error?.details).toBe('username and password must be provided');

    const wrong = stream(v, current, { metadata: { username: 'relay', password: 'nope' } });
    await wrong.end();
    expect(wrong.error?.code).toBe(VtrpcCode.PERMISSION_DENIED);
    expect(wrong.error?.details).toBe('auth failure: caller "relay" provided invalid credentials');

    const ok = stream(v, current, { metadata: { username: 'relay', password: 'pw' } });
    await ok.count(VEventType.OTHER, 1);
    const hashed = stream(v, current, { metadata: { username: 'hashed', password: 's3cret' } });
    await hashed.count(VEventType.OTHER, 1);
  });
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vtgate-tls-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const makeCerts = () => makeTestCertificates(dir);

// The certificates name "localhost"; overriding the target name also keeps Node from sending an IP as SNI.
const channelOptions = {
  'grpc.ssl_target_name_override': 'localhost',
  'grpc.default_authority': 'localhost',
};

describe('TLS', () => {
  it('serves TLS, and with a CA requires a client certificate', async () => {
    const c = makeCerts();
    const tlsOnly = await vtgate({ keyspaces, tls: { cert: c.serverCert, key: c.serverKey } });
    const secure = stream(tlsOnly, current, {
      credentials: grpc.credentials.createSsl(c.ca),
      channelOptions,
    });
    await secure.count(VEventType.OTHER, 1);
    const plain = stream(tlsOnly, current);
    await plain.end();
    expect(plain.error?.code).toBe(VtrpcCode.UNAVAILABLE);

    const mtls = await vtgate({ keyspaces, tls: { cert: c.serverCert, key: c.serverKey, ca: c.ca } });
    const withCert = stream(mtls, current, {
      credentials: grpc.credentials.createSsl(c.ca, c.clientKey, c.clientCert),
      channelOptions,
    });
    await withCert.count(VEventType.OTHER, 1);
    const withoutCert = stream(mtls, current, {
      credentials: grpc.credentials.createSsl(c.ca),
      channelOptions,
    });
    await withoutCert.end();
    expect(withoutCert.error?.code).toBe(VtrpcCode.UNAVAILABLE);
  });
});
