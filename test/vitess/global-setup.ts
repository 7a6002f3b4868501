// Global setup of the conformance lane: the integration lane's PostgreSQL and Temporal dev server
// (test/support/global-setup.ts), plus a throw-away real Vitess (vttestserver on MariaDB) from
// scripts/vitess/server.ts. Tests restart that vtgate through a small loopback control endpoint, because the
// server's handle lives in this process.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { findCachedVitess, VITESS_VERSIONS } from '../../scripts/vitess/binaries.js';
import { startVitess, type VitessServer } from '../../scripts/vitess/server.js';
import setupPostgresAndTemporal from '../support/global-setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The real vtgate: gRPC (VStream) host:port, MySQL protocol port, version. */
    vitessGrpcAddress: string;
    vitessMysqlPort: number;
    vitessVersion: string;
    /** POST <url>/restart restarts vttestserver (same ports and data) and answers once it serves again. */
    vitessControlUrl: string;
  }
}

function controlServer(vitess: VitessServer): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/restart') {
      const started = Date.now();
      vitess.restart().then(
        () => res.end(JSON.stringify({ ok: true, ms: Date.now() - started })),
        (err: unknown) => {
          res.statusCode = 500;
          res.end(JSON.stringify({ ok: false, error: String(err) }));
        },
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.requestTimeout = 0;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binaries = findCachedVitess();
  if (!binaries) {
    throw new Error(
      `no Vitess binaries cached (${VITESS_VERSIONS.join(', ')}): run \`npx tsx scripts/vitess/build.ts\` first`,
    );
  }
  const started = Date.now();
  // A short path: MariaDB's socket path must stay under ~107 characters.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-vt-'));
  const [base, vitess] = await Promise.allSettled([
    setupPostgresAndTemporal(project),
    startVitess({ dataDir, temporary: true, binaries }),
  ]);
  if (base.status === 'rejected' || vitess.status === 'rejected') {
    if (base.status === 'fulfilled') await base.value();
    if (vitess.status === 'fulfilled') await vitess.value.stop();
    else fs.rmSync(dataDir, { recursive: true, force: true });
    throw base.status === 'rejected' ? base.reason : (vitess as PromiseRejectedResult).reason;
  }
  const control = await controlServer(vitess.value);
  process.stderr.write(
    `[vitess] Vitess ${vitess.value.version} (gRPC ${vitess.value.grpcAddress}, MySQL :${vitess.value.mysqlPort}) ` +
      `ready with Postgres and Temporal in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  project.provide('vitessGrpcAddress', vitess.value.grpcAddress);
  project.provide('vitessMysqlPort', vitess.value.mysqlPort);
  project.provide('vitessVersion', vitess.value.version);
  project.provide('vitessControlUrl', control.url);
  return async () => {
    await control.close();
    await Promise.all([base.value(), vitess.value.stop()]);
  };
}
