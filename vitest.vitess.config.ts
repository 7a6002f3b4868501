import { defineConfig } from 'vitest/config';

// The conformance lane against a real Vitess (`npm run test:vitess`): one vttestserver (scripts/vitess), one
// PostgreSQL cluster and one Temporal dev server per run, started by test/vitess/global-setup.ts. Not part of
// `npm test`: it needs the Vitess binaries built by `npx tsx scripts/vitess/build.ts` and MariaDB.
export default defineConfig({
  test: {
    name: 'vitess',
    pool: 'forks',
    include: ['test/vitess/**/*.test.ts'],
    globalSetup: ['test/vitess/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    // The files share one vtgate, and one of them restarts it: run them one after the other.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.cache/vitest-vitess-results.json' },
  },
});
