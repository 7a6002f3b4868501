import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../src/devtools/postgres-server.js';
import { startTemporalDevServer } from '../../src/devtools/temporal-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser connection string of the run's PostgreSQL cluster (database `postgres`). */
    postgresUrl: string;
    /** host:port of the run's Temporal dev server frontend. */
    temporalAddress: string;
    temporalNamespace: string;
    /** The Temporal Web UI of that server (the browser check opens it; the UI server is in-process and cheap). */
    temporalUiUrl: string;
    /** The Temporal CLI binary the server runs from (tests drive `temporal workflow …` with it). */
    temporalCli: string;
  }
}

/**
 * One PostgreSQL cluster and one Temporal dev server for the whole run, started in parallel. Test files
 * isolate themselves with their own database, task queue and workflow ids (see test/support/isolation.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const [postgres, temporal] = await Promise.allSettled([
    startPostgres(),
    startTemporalDevServer({ ui: true, searchAttributes: { VStreamId: 'Keyword' } }),
  ]);
  if (postgres.status === 'rejected' || temporal.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    throw postgres.status === 'rejected' ? postgres.reason : (temporal as PromiseRejectedResult).reason;
  }
  process.stderr.write(
    `[harness] postgres :${postgres.value.port} and temporal ${temporal.value.address} ready in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  project.provide('postgresUrl', postgres.value.connectionString());
  project.provide('temporalAddress', temporal.value.address);
  project.provide('temporalNamespace', temporal.value.namespace);
  project.provide('temporalUiUrl', temporal.value.uiUrl!);
  project.provide('temporalCli', temporal.value.cliPath);
  return async () => {
    await Promise.all([postgres.value.stop(), temporal.value.stop()]);
  };
}
