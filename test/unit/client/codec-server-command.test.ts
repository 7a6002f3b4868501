// `vstream-relay codec-server`: what the Temporal UI calls to show encrypted payloads in clear.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/client/cli.js';

function io(env: Record<string, string>, signal?: AbortSignal) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env,
      signal,
    },
  };
}

describe('vstream-relay codec-server', () => {
  it('encodes and decodes payloads with the workers key, behind a bearer token, until stopped', async () => {
    const stop = new AbortController();
    const { out, io: cliIo } = io(
      { VSTREAM_RELAY_PAYLOAD_KEY: randomBytes(32).toString('base64'), VSTREAM_RELAY_CODEC_TOKEN: 't0ken' },
      stop.signal,
    );
    const exited = runCli(['codec-server', '--port', '0', '--cors-origin', 'http://localhost:8233'], cliIo);
    while (!/listening on (http:\/\/[^\s;]+)/.test(out.stdout)) await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (http:\/\/[^\s;]+)/.exec(out.stdout)![1]!;
    expect(out.stdout).toContain('bearer token required');

    const clear = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"row":1}').toString('base64'),
    };
    const post = (route: string, body: unknown, token = 't0ken') =>
      fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    expect((await post('/encode', { payloads: [clear] }, 'wrong')).status).toBe(401);
    const encoded = (await (await post('/encode', { payloads: [clear] })).json()) as {
      payloads: { data: string }[];
    };
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString()).not.toContain('row');
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: unknown[] };
    expect(decoded.payloads).toEqual([clear]);

    stop.abort();
    expect(await exited).toBe(0);
  });

  it('refuses to start without a payload key', async () => {
    const { out, io: cliIo } = io({});
    expect(await runCli(['codec-server'], cliIo)).toBe(2);
    expect(out.stderr).toContain('VSTREAM_RELAY_PAYLOAD_KEY is not set');
  });
});
