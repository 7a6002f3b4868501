import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets one PostgreSQL cluster and one
// Temporal dev server per run from the global setup (test/support/global-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    // CI also writes a machine-readable summary; .ci/run prints it as one plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.cache/vitest-results.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/quiet-runtime.ts'],
          // Workflow bundling, worker start-up and shutdown each take seconds on 2 cores.
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
