import pg from 'pg';

/** Builds an activity that reads from a real database, so the smoke test crosses Temporal and Postgres. */
export function createSmokeActivities(connectionString: string) {
  return {
    async describeRow(table: string): Promise<string> {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        const result = await client.query<{ name: string }>(
          `SELECT name FROM ${pg.escapeIdentifier(table)} ORDER BY id LIMIT 1`,
        );
        return `row:${result.rows[0]?.name ?? 'none'}`;
      } finally {
        await client.end();
      }
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
