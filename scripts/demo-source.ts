// The demo's VStream source: a real Vitess (vttestserver on MariaDB, scripts/vitess) when its binaries are
// cached, else the test vtgate. Either runs a labelled, bounded synthetic workload (at most an hour).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { startTestVtgate } from '../src/devtools/vtgate/index.js';
import { runWorkload, workloadKeyspace } from '../src/devtools/vtgate/workload.js';
import { findCachedVitess } from './vitess/binaries.js';
import { startVitess } from './vitess/server.js';

export interface DemoSource {
  /** vtgate's gRPC address. */
  address: string;
  keyspace: string;
  /** One line for the banner: what the source is and what the workload does. */
  label: string;
  /** A mirror table to count rows of. */
  table: string;
  /** Resolves when the workload has run its course. */
  done: Promise<unknown>;
  stop(): Promise<void>;
}

const WORKLOAD_MS = 60 * 60 * 1000;

export async function startDemoSource(preferTestVtgate: boolean): Promise<DemoSource> {
  const binaries = preferTestVtgate ? undefined : findCachedVitess();
  return binaries ? startRealVitess() : startTestVtgateSource();
}

async function startTestVtgateSource(): Promise<DemoSource> {
  const vtgate = await startTestVtgate({ keyspaces: [workloadKeyspace('commerce', ['-80', '80-'])] });
  const workload = runWorkload(vtgate, { ratePerSecond: 20, durationMs: WORKLOAD_MS, seed: 42 });
  return {
    address: vtgate.address,
    keyspace: 'commerce',
    label: `test vtgate ${vtgate.address}, keyspace commerce (-80, 80-), synthetic workload 20 txn/s`,
    table: 'commerce.orders',
    done: workload.done,
    async stop() {
      workload.stop();
      await vtgate.close();
    },
  };
}

/**
 * vttestserver with the conformance lane's keyspaces; the workload writes customers and their orders into the
 * 2-shard keyspace `customer` through vtgate's MySQL port, 10 transactions/s.
 */
async function startRealVitess(): Promise<DemoSource> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-demo-vitess-'));
  const server = await startVitess({ dataDir, temporary: true });
  const sql = await mysql.createConnection({
    host: server.host,
    port: server.mysqlPort,
    user: 'root',
    database: 'customer',
  });
  let stopped = false;
  const done = (async () => {
    const until = Date.now() + WORKLOAD_MS;
    for (let n = 1; !stopped && Date.now() < until; n++) {
      const customer = 1 + (n % 500);
      await sql.query('BEGIN');
      await sql.query(
        `INSERT INTO customer (customer_id, email, balance) VALUES (?, ?, 0)
         ON DUPLICATE KEY UPDATE balance = balance + 1, tier = IF(balance > 5, 'pro', tier)`,
        [customer, `customer${customer}@example.com`],
      );
      await sql.query('INSERT INTO corder (order_id, customer_id, sku, price) VALUES (?, ?, ?, ?)', [
        n,
        customer,
        `sku-${n % 37}`,
        ((n % 9000) / 100 + 1).toFixed(2),
      ]);
      if (n % 25 === 0) await sql.query('DELETE FROM corder WHERE order_id = ?', [n - 20]);
      await sql.query('COMMIT');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    address: server.grpcAddress,
    keyspace: 'customer',
    label:
      `real Vitess ${server.version} (vttestserver on MariaDB) at ${server.grpcAddress}, keyspace customer ` +
      `(-80, 80-), synthetic workload 10 txn/s through vtgate's MySQL port ${server.mysqlPort}`,
    table: 'customer.corder',
    done,
    async stop() {
      stopped = true;
      await done.catch(() => undefined);
      await sql.end().catch(() => undefined);
      await server.stop();
    },
  };
}
