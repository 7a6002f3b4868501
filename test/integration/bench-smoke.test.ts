// Smoke run of the benchmark suite (bench/) with tiny sizes on the harness's PostgreSQL and Temporal server: it
// only checks that every benchmark still runs and ends with its one `name: value unit (ratio x baseline)` line.
// No figure is checked: timings belong to `npm run bench`, never to the test suite.
import pg from 'pg';
import { describe, expect, inject, test } from 'vitest';
import { benchDecode } from '../../bench/decode.js';
import { benchE2e } from '../../bench/e2e.js';
import { type BenchResult, formatResult } from '../../bench/measure.js';
import { benchBigTransaction, benchSlowConsumer } from '../../bench/memory.js';
import { benchRecovery } from '../../bench/recovery.js';
import { benchSink } from '../../bench/sink.js';
import { SMOKE } from '../../bench/sizes.js';
import type { BenchPostgres } from '../../bench/stack.js';

const postgres: BenchPostgres = {
  connectionString(database = 'postgres') {
    const url = new URL(inject('postgresUrl'));
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  },
  async createDatabase(name) {
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    return this.connectionString(name);
  },
};
const temporal = () => ({ address: inject('temporalAddress'), namespace: inject('temporalNamespace') });

function expectLines(results: BenchResult[], names: string[]): void {
  expect(results.map((r) => r.name)).toEqual(names);
  for (const r of results) {
    expect(Number.isFinite(r.value) && Number.isFinite(r.ratio)).toBe(true);
    expect(formatResult(r)).toMatch(/^[a-z0-9-]+: -?[\d,.+-]+ \S.* \(-?\d+\.\d\d x baseline\)$/);
  }
}

describe('benchmarks (smoke sizes)', () => {
  test('decode', async () => {
    expectLines([await benchDecode(SMOKE.decodeTransactions)], ['decode']);
  });

  test('sink', async () => {
    expectLines(await benchSink(postgres, SMOKE.sink), ['sink-changelog', 'sink-mirror']);
  });

  test('memory', async () => {
    expectLines(
      [
        await benchBigTransaction(postgres, SMOKE.bigTransactionRows),
        await benchSlowConsumer(SMOKE.slowConsumer),
      ],
      ['memory-1m-txn', 'memory-slow-consumer'],
    );
  });

  test('e2e', async () => {
    expectLines(await benchE2e(postgres, temporal(), SMOKE.e2e), ['e2e-mirror', 'e2e-latency-p99']);
  });

  test('recovery', async () => {
    expectLines([await benchRecovery(postgres, temporal(), SMOKE.recovery)], ['recovery']);
  });
});
