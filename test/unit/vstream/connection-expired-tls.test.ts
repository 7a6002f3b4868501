// TLS to vtgate with certificates that expired (made in the test with `openssl ca`, valid for a day in 2020): an
// expired server certificate and, under mTLS, an expired client certificate are refused before any event, as a
// fatal `tls` error that says what to check. The good certificates of the same CA work (connection.test.ts has
// CA verification, mTLS, a wrong CA and a missing client certificate).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { VtgateConnection, type VtgateTlsOptions } from '../../../src/vstream/connection.js';
import { VStreamError } from '../../../src/vstream/errors.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import { buildVStreamRequest } from '../../../src/vstream/request.js';
import { streamChanges } from '../../../src/vstream/stream.js';
import { makeExpiredCertificate, makeTestCertificates } from '../../support/certs.js';

const keyspaces = [
  { name: 'commerce', tables: [{ name: 'doc', columns: ['id bigint not null primary key'] }] },
];
const request = buildVStreamRequest(
  { keyspaces: [{ name: 'commerce' }], tabletType: 'primary' },
  { kind: 'current' },
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-expired-tls-'));
const open: { vtgate: TestVtgate; connection?: VtgateConnection }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    o.connection?.close();
    await o.vtgate.close();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function firstItem(
  vtgate: TestVtgate,
  tls: VtgateTlsOptions,
): Promise<{ items: StreamItem[]; error?: unknown }> {
  const items: StreamItem[] = [];
  open.push({ vtgate });
  try {
    const connection = new VtgateConnection({ address: vtgate.address, tls, connectTimeoutMs: 3_000 });
    open.at(-1)!.connection = connection;
    for await (const item of streamChanges(connection, request)) {
      items.push(item);
      break;
    }
    return { items };
  } catch (error) {
    return { items, error };
  }
}

test('an expired vtgate server certificate is refused, as a fatal TLS error', async () => {
  const certs = makeTestCertificates(dir, 'srv-');
  const expired = makeExpiredCertificate(certs, 'expired-server');
  const tls = { caFile: certs.files.ca, serverName: 'localhost' };

  const good = await startTestVtgate({ keyspaces, tls: { cert: certs.serverCert, key: certs.serverKey } });
  expect((await firstItem(good, tls)).items.map((i) => i.kind)).toEqual(['position']);

  const stale = await startTestVtgate({ keyspaces, tls: { cert: expired.cert, key: expired.key } });
  const refused = await firstItem(stale, tls);
  expect(refused.items).toEqual([]);
  expect(refused.error).toBeInstanceOf(VStreamError);
  expect(refused.error).toMatchObject({ kind: 'tls', retryable: false });
  expect((refused.error as Error).message).toMatch(/certificate has expired.*Check source\.vtgate\.tls/);
});

test('under mTLS, an expired client certificate is refused before connecting, saying so', async () => {
  const certs = makeTestCertificates(dir, 'cli-');
  const expired = makeExpiredCertificate(certs, 'expired-client');
  const vtgate = await startTestVtgate({
    keyspaces,
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requireClientCert: true },
  });
  const base = { caFile: certs.files.ca, serverName: 'localhost' };
  const ok = await firstItem(vtgate, {
    ...base,
    certFile: certs.files.clientCert,
    keyFile: certs.files.clientKey,
  });
  expect(ok.items.map((i) => i.kind)).toEqual(['position']);

  // (vtgate's TLS alert reaches a gRPC client only as "failed to connect": the client checks the dates itself.)
  const refused = await firstItem(vtgate, {
    ...base,
    certFile: expired.files.cert,
    keyFile: expired.files.key,
  });
  expect(refused.items).toEqual([]);
  expect(refused.error).toBeInstanceOf(VStreamError);
  expect(refused.error).toMatchObject({ kind: 'tls', retryable: false });
  expect((refused.error as Error).message).toMatch(
    /the vtgate TLS client certificate .*expired-client\.crt expired on Jan {1,2}2 00:00:00 2020 GMT; vtgate refuses it/,
  );
});
