import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the long chaos run (test/chaos). It starts its own PostgreSQL and Temporal dev server,
// so it needs no global setup; knobs CHAOS_SECONDS (default 300) and CHAOS_SEED (default random).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/chaos/**/*.test.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
  },
});
