// The short, bounded run of the chaos test inside `npm test`: the same harness as `npm run test:chaos`
// (test/chaos/harness.ts) with its own PostgreSQL and Temporal dev server, about 45 s of faults, a smaller
// copy and a fixed seed (CHAOS_SEED overrides it). The long run and its knobs: docs/reliability.md.
import { expect, test } from 'vitest';
import { envNumber, runChaos } from '../../chaos/harness.js';

const SECONDS = envNumber('CHAOS_SHORT_SECONDS', 45);
const SEED = envNumber('CHAOS_SEED', 20261121);

test(
  `chaos (short): ${SECONDS} s of worker kills, restarts and stream faults (seed ${SEED})`,
  { timeout: (SECONDS + 240) * 1000 },
  async () => {
    const result = await runChaos({
      seconds: SECONDS,
      seed: SEED,
      shards: ['-80', '80-'],
      preloadRowsPerTable: 400,
      midCopyKills: envNumber('CHAOS_MID_COPY_KILLS', 1),
      ratePerSecond: 20,
      ddlEveryMs: 4_000,
      gapMs: { min: 300, max: 1_500 },
      // Every kind of fault at least about once in a short run.
      weights: {
        'kill-worker': 2,
        'stream-fault': 2,
        'postgres-restart': 1,
        'postgres-crash': 1,
        'temporal-restart': 1,
        'pause-resume': 1,
      },
    });
    console.log(result.summary);
    expect(result.counts.workerKills).toBeGreaterThan(0);
    expect(result.rowsVerified).toBeGreaterThan(0);
    expect(result.changesVerified).toBeGreaterThan(100);
  },
);
