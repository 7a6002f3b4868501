// The codec server the Temporal UI calls to show encrypted payloads: decode/encode round trips over HTTP in the
// UI's JSON format, CORS only for the configured origins, an optional bearer token, clear errors for bad requests.
import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { AesGcmPayloadCodec, payloadKey } from '../../../src/codec/index.js';
import { startCodecServer, type CodecServer } from '../../../src/codec/codec-server.js';

const codec = new AesGcmPayloadCodec(payloadKey(randomBytes(32)));
const servers: CodecServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const json = (p: {
  metadata?: Record<string, Uint8Array | null | undefined> | null;
  data?: Uint8Array | null;
}) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

async function post(server: CodecServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as unknown };
}

describe('codec server', () => {
  test('decodes what the codec encrypted, and encodes, in the Temporal UI format', async () => {
    const server = await startCodecServer({ codec });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const plain = defaultPayloadConverter.toPayload({ streamId: 'orders', rows: 3 });
    const [encrypted] = await codec.encode([plain]);
    const decoded = await post(
      server,
      '/decode',
      { payloads: [json(encrypted!)] },
      { 'X-Namespace': 'default' },
    );
    expect(decoded.status).toBe(200);
    expect(decoded.body).toEqual({ payloads: [json(plain)] });
    const encoded = await post(server, '/encode', { payloads: [json(plain)] });
    expect(encoded.status).toBe(200);
    const back = (encoded.body as { payloads: { metadata: Record<string, string>; data: string }[] })
      .payloads[0]!;
    expect(Buffer.from(back.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    const roundTrip = await codec.decode([
      {
        metadata: Object.fromEntries(
          Object.entries(back.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(back.data, 'base64'),
      },
    ]);
    expect(defaultPayloadConverter.fromPayload(roundTrip[0]!)).toEqual({ streamId: 'orders', rows: 3 });
  });

  test('CORS for the configured UI origin only; other origins are refused', async () => {
    const server = await startCodecServer({ codec, corsOrigins: ['http://localhost:8233'] });
    servers.push(server);
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const evil = await post(server, '/decode', { payloads: [] }, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('with a token, requests need it', async () => {
    const server = await startCodecServer({ codec, token: 's3cret-token' });
    servers.push(server);
    expect((await post(server, '/decode', { payloads: [] })).status).toBe(401);
    expect((await post(server, '/decode', { payloads: [] }, { authorization: 'Bearer nope' })).status).toBe(
      401,
    );
    const ok = await post(server, '/decode', { payloads: [] }, { authorization: 'Bearer s3cret-token' });
    expect(ok).toMatchObject({ status: 200, body: { payloads: [] } });
  });

  test('bad requests get clear errors, never a crash', async () => {
    const server = await startCodecServer({ codec });
    servers.push(server);
    expect((await post(server, '/nothing', {})).status).toBe(404);
    expect((await post(server, '/decode', 'not json')).status).toBe(400);
    expect((await post(server, '/decode', { nope: 1 })).status).toBe(400);
    const other = new AesGcmPayloadCodec(payloadKey(randomBytes(32)));
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload(1)]);
    const refused = await post(server, '/decode', { payloads: [json(foreign!)] });
    expect(refused.status).toBe(422);
    expect((refused.body as { error: string }).error).toMatch(/not configured here/);
  });
});
