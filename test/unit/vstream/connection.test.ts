// The VStream client against the test vtgate over real gRPC: auth, TLS, message size limits, backpressure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import { VtgateConnection, type VtgateConnectionOptions } from '../../../src/vstream/connection.js';
import { VStreamError } from '../../../src/vstream/errors.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import { buildVStreamRequest, type StartPosition } from '../../../src/vstream/request.js';
import { streamChanges } from '../../../src/vstream/stream.js';
import { Vgtid } from '../../../src/vstream/vgtid.js';
import { makeTestCertificates } from '../../support/certs.js';

const keyspaces = [
  {
    name: 'commerce',
    tables: [{ name: 'doc', columns: ['id bigint not null primary key', 'body longtext null'] }],
  },
];
const source = { keyspaces: [{ name: 'commerce' }], tabletType: 'primary' as const };

const open: { vtgate?: TestVtgate; connection?: VtgateConnection }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.connection?.close();
    await o.vtgate?.close();
  }
});

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-conn-tls-'));
afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));

async function connect(vtgate: TestVtgate, options: Partial<VtgateConnectionOptions> = {}) {
  const connection = new VtgateConnection({ address: vtgate.address, connectTimeoutMs: 3_000, ...options });
  open.push({ vtgate, connection });
  return connection;
}

/** Reads items until `stop` says so (or the stream ends); returns them, or the error the stream ended with. */
async function read(
  connection: VtgateConnection,
  start: StartPosition,
  stop: (items: StreamItem[]) => boolean,
  options: Parameters<typeof streamChanges>[2] = {},
): Promise<{ items: StreamItem[]; error?: unknown }> {
  const items: StreamItem[] = [];
  try {
    for await (const item of streamChanges(connection, buildVStreamRequest(source, start), options)) {
      items.push(item);
      if (stop(items)) break;
    }
    return { items };
  } catch (error) {
    return { items, error };
  }
}

const firstPosition = (items: StreamItem[]) =>
  items.some((i) => i.kind === 'position' || i.kind === 'commit');

describe('VtgateConnection', () => {
  test('static auth goes as per-call metadata, also over plaintext; missing or wrong credentials are fatal', async () => {
    const vtgate = await startTestVtgate({ keyspaces, auth: { username: 'relay', password: 'pw' } });
    const ok = await read(
      await connect(vtgate, { auth: { username: 'relay', password: 'pw' } }),
      { kind: 'current' },
      firstPosition,
    );
    expect(ok.error).toBeUndefined();
    expect(ok.items.map((i) => i.kind)).toEqual(['position']);

    const missing = await read(await connect(vtgate), { kind: 'current' }, firstPosition);
    expect(missing.error).toBeInstanceOf(VStreamError);
    expect(missing.error).toMatchObject({ kind: 'auth', retryable: false });
    const wrong = await read(
      await connect(vtgate, { auth: { username: 'relay', password: 'nope' } }),
      { kind: 'current' },
      firstPosition,
    );
    expect(wrong.error).toMatchObject({ kind: 'auth', retryable: false });
    expect((wrong.error as Error).message).toMatch(/denied access .*check the vtgate credentials/);
  });

  test('TLS with CA verification and mTLS; a wrong CA or a missing client certificate is refused', async () => {
    const good = makeTestCertificates(certDir, 'good-');
    const other = makeTestCertificates(certDir, 'other-');
    const vtgate = await startTestVtgate({
      keyspaces,
      tls: { cert: good.serverCert, key: good.serverKey, ca: good.ca, requireClientCert: true },
    });
    const mtls = {
      caFile: good.files.ca,
      certFile: good.files.clientCert,
      keyFile: good.files.clientKey,
      serverName: 'localhost',
    };
    const ok = await read(await connect(vtgate, { tls: mtls }), { kind: 'current' }, firstPosition);
    expect(ok.error).toBeUndefined();
    expect(ok.items.map((i) => i.kind)).toEqual(['position']);

    const wrongCa = await read(
      await connect(vtgate, { tls: { ...mtls, caFile: other.files.ca } }),
      { kind: 'current' },
      firstPosition,
    );
    expect(wrongCa.error).toBeInstanceOf(VStreamError);
    expect(wrongCa.error).toMatchObject({ kind: 'tls', retryable: false });
    expect((wrongCa.error as Error).message).toMatch(/self-signed certificate.*Check source\.vtgate\.tls/);
    expect(wrongCa.items).toEqual([]);

    const noClientCert = await read(
      await connect(vtgate, { tls: { caFile: good.files.ca, serverName: 'localhost' } }),
      { kind: 'current' },
      firstPosition,
    );
    expect(noClientCert.error).toBeInstanceOf(VStreamError);
    expect(noClientCert.error).toMatchObject({ kind: 'tls', retryable: false });
    expect(noClientCert.items).toEqual([]);
  });

  test('unreadable TLS files are a clear, fatal configuration error', () => {
    expect(
      () => new VtgateConnection({ address: '127.0.0.1:1', tls: { caFile: '/nonexistent/ca.pem' } }),
    ).toThrowError(/cannot read the vtgate TLS CA file \/nonexistent\/ca\.pem/);
    expect(() => new VtgateConnection({ address: '127.0.0.1:1', keepaliveMs: 1_000 })).toThrowError(
      /too_many_pings/,
    );
  });

  test('messages beyond gRPC’s 4 MiB default are received; a configured lower limit fails clearly', async () => {
    const vtgate = await startTestVtgate({ keyspaces });
    const start = vtgate.currentVgtid();
    vtgate.insert('doc', [{ id: 1, body: 'x'.repeat(6 * 1024 * 1024) }]);
    const position = {
      kind: 'vgtid' as const,
      vgtid: Vgtid.fromJSON(start),
    };
    const big = await read(await connect(vtgate), position, (items) =>
      items.some((i) => i.kind === 'commit'),
    );
    expect(big.error).toBeUndefined();
    const rows = big.items.find((i) => i.kind === 'rows');
    expect(rows?.kind === 'rows' && (rows.changes[0]?.after?.[1] as string).length).toBe(6 * 1024 * 1024);

    const limited = await read(
      await connect(vtgate, { maxReceiveMessageBytes: 4 * 1024 * 1024 }),
      position,
      () => false,
    );
    expect(limited.error).toMatchObject({ kind: 'too-large', retryable: false });
  });

  test('a slow consumer pauses the gRPC stream: buffered bytes stay bounded while the backlog is large', async () => {
    const vtgate = await startTestVtgate({ keyspaces });
    const start = Vgtid.fromJSON(vtgate.currentVgtid());
    const body = 'y'.repeat(20_000);
    for (let id = 1; id <= 1_500; id++) vtgate.insert('doc', [{ id, body }]); // ~30 MB of backlog
    let received = 0;
    const connection = await connect(vtgate);
    const iterator = streamChanges(connection, buildVStreamRequest(source, { kind: 'vgtid', vgtid: start }), {
      maxBufferedBytes: 1024 * 1024,
      onReceive: (bytes) => (received += bytes),
    })[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((r) => setTimeout(r, 1_000)); // the consumer stalls
    expect(received).toBeLessThan(8 * 1024 * 1024);
    let commits = 1;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.kind === 'commit' && ++commits === 1_500) break;
    }
    await iterator.return?.();
    expect(commits).toBe(1_500);
    expect(received).toBeGreaterThan(30_000_000);
  });
});
