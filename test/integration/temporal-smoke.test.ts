import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createSmokeActivities } from '../support/smoke-activities.js';
import { createTestDatabase, uniqueName } from '../support/isolation.js';
import { releaseSignal, smokeWorkflow, stateQuery } from '../support/smoke-workflows.js';

let databaseUrl: string;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  databaseUrl = await createTestDatabase('smoke');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    `CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'ada')`,
  );
  await db.end();
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});

afterAll(async () => {
  await connection?.close();
  await nativeConnection?.close();
});

test('a workflow runs an activity against Postgres and answers signals and queries on the real server', async () => {
  const taskQueue = uniqueName('smoke');
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../support/smoke-workflows.ts', import.meta.url)),
    activities: createSmokeActivities(databaseUrl),
  });
  const result = await worker.runUntil(async () => {
    const handle = await client.workflow.start(smokeWorkflow, {
      taskQueue,
      workflowId: uniqueName('smoke-wf'),
      args: ['customers'],
    });
    expect(await handle.query(stateQuery)).toBe('waiting');
    await handle.signal(releaseSignal, '!');
    return handle.result();
  });
  expect(result).toBe('row:ada!');
});
