// Sizes of every benchmark: the full run (`npm run bench`) and a smoke run with tiny sizes (`npm run bench --
// --smoke`, and test/integration/bench-smoke.test.ts), which only checks that the benchmarks still work.
import type { E2eOptions } from './e2e.js';
import type { SlowConsumerOptions } from './memory.js';
import type { RecoveryOptions } from './recovery.js';
import type { SinkBenchOptions } from './sink.js';

export interface BenchSizes {
  /** 100-row transactions decoded per trial. */
  decodeTransactions: number;
  sink: SinkBenchOptions;
  bigTransactionRows: number;
  slowConsumer: SlowConsumerOptions;
  e2e: E2eOptions;
  recovery: RecoveryOptions;
}

export const FULL: BenchSizes = {
  decodeTransactions: 2_000,
  sink: { rows: 200_000, runs: 3, warmupRows: 5_000 },
  bigTransactionRows: 1_000_000,
  slowConsumer: { backlog: 60_000, calibrateMs: 2_000, durationMs: 20_000, maxBufferedBytes: 256 * 1024 },
  e2e: {
    throughput: { transactions: 3_000, runs: 3 },
    latency: { ratePerSecond: 1_000, rowsPerTransaction: 10, warmupSeconds: 5, seconds: 30, maxDelayMs: 50 },
  },
  recovery: { repetitions: 5, heartbeatTimeoutSeconds: 10, ratePerSecond: 100, rowsPerTransaction: 10 },
};

export const SMOKE: BenchSizes = {
  decodeTransactions: 20,
  sink: { rows: 300, runs: 1, warmupRows: 100 },
  bigTransactionRows: 5_000,
  slowConsumer: { backlog: 2_000, calibrateMs: 300, durationMs: 2_000, maxBufferedBytes: 256 * 1024 },
  e2e: {
    throughput: { transactions: 120, runs: 1 },
    latency: { ratePerSecond: 200, rowsPerTransaction: 10, warmupSeconds: 0.5, seconds: 1, maxDelayMs: 50 },
  },
  recovery: { repetitions: 1, heartbeatTimeoutSeconds: 5, ratePerSecond: 50, rowsPerTransaction: 10 },
};
