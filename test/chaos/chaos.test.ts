// `npm run test:chaos`: the chaos harness (harness.ts) for CHAOS_SECONDS (default 300) with CHAOS_SEED (default
// a new random seed, printed so a failing run can be replayed). A short bounded run of the same harness is part of
// `npm test` (test/integration/e2e/chaos-short.test.ts).
import { expect, test } from 'vitest';
import { envNumber, runChaos } from './harness.js';

const SECONDS = envNumber('CHAOS_SECONDS', 300);
const SEED = envNumber('CHAOS_SEED', Math.floor(Math.random() * 1_000_000));

test(
  `chaos: ${SECONDS} s of faults under a random workload (seed ${SEED})`,
  { timeout: (SECONDS + 900) * 1000 },
  async () => {
    console.log(
      `[chaos] seed ${SEED}, ${SECONDS} s (replay: CHAOS_SEED=${SEED} CHAOS_SECONDS=${SECONDS} npm run test:chaos)`,
    );
    const result = await runChaos({
      seconds: SECONDS,
      seed: SEED,
      shards: ['-40', '40-80', '80-c0', 'c0-'],
      preloadRowsPerTable: envNumber('CHAOS_PRELOAD_ROWS', 3_000),
      midCopyKills: envNumber('CHAOS_MID_COPY_KILLS', 2),
      ratePerSecond: envNumber('CHAOS_RATE', 30),
      ddlEveryMs: Math.max(5_000, Math.floor((SECONDS * 1000) / 12)),
      log: (line) => console.log(line),
    });
    console.log(result.summary);
    expect(result.counts.workerKills).toBeGreaterThan(0);
    expect(result.changesVerified).toBeGreaterThan(0);
  },
);
