// A Temporal codec server for the payload codec: the Temporal Web UI (and `temporal … --codec-endpoint`) POSTs
// payloads to /decode (and /encode) and shows the results, so encrypted histories stay readable for operators who
// can reach this server — and only for them: it listens on loopback by default, answers CORS only for the
// configured UI origins, and can require a bearer token.
//
// Protocol (https://docs.temporal.io/production-deployment/data-encryption): JSON bodies
// `{"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}` in both directions.
import type { Payload, PayloadCodec } from '@temporalio/common';
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export interface CodecServerOptions {
  codec: PayloadCodec;
  port?: number;
  /** Default 127.0.0.1: decrypted payloads go to whoever can reach the server. */
  host?: string;
  /** Origins allowed to call from a browser, e.g. the Temporal UI's `http://localhost:8233`. */
  corsOrigins?: string[];
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Starts the codec server; resolves once it listens. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.corsOrigins ?? []);
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Vary', 'Origin');
    }
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') return reply(origin && origins.has(origin) ? 204 : 403);
    const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
    const action = path.endsWith('/decode') ? 'decode' : path.endsWith('/encode') ? 'encode' : undefined;
    if (req.method !== 'POST' || !action) return reply(404, { error: 'POST /encode or /decode' });
    if (origin && !origins.has(origin)) return reply(403, { error: `origin ${origin} is not allowed` });
    if (options.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), options.token)) {
        return reply(401, { error: 'a bearer token is required' });
      }
    }
    readBody(req)
      .then(async (text) => {
        const body = JSON.parse(text) as { payloads?: JsonPayload[] };
        if (!Array.isArray(body.payloads)) return reply(400, { error: 'expected {"payloads": [...]}' });
        const payloads = body.payloads.map(fromJson);
        const result = await options.codec[action](payloads);
        reply(200, { payloads: result.map(toJson) });
      })
      .catch((err: Error & { status?: number }) =>
        reply(err.status ?? (err instanceof SyntaxError ? 400 : 422), { error: err.message }),
      );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
