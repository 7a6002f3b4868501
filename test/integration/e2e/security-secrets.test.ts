// No secret ever reaches Temporal (input, history, memo, search attributes, query results) or the logs: the
// config carries references, the worker resolves them, and nothing it resolved travels back.
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestVtgate, type TestVtgate } from '../../../src/devtools/vtgate/index.js';
import {
  currentVgtidQuery,
  pauseUpdate,
  resumeUpdate,
  statusQuery,
  stopSignal,
} from '../../../src/workflows/definitions.js';
import { vstreamToPostgres } from '../../../src/workflows/stream-workflow.js';
import {
  CUSTOMER_COLUMNS,
  connectTemporal,
  createSinkDatabase,
  createWorker,
  mirrorCustomers,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { uniqueName } from '../../support/isolation.js';

const VTGATE_SECRET = `vtgate-pw-${uniqueName('s')}`;
const PG_SECRET = `pg-pw-${uniqueName('s')}`;

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;

beforeAll(async () => {
  [vtgate, sink, temporal] = await Promise.all([
    startTestVtgate({
      keyspaces: [
        {
          name: 'commerce',
          shards: ['-80', '80-'],
          tables: [{ name: 'customer', columns: CUSTOMER_COLUMNS }],
        },
      ],
      auth: { username: 'relay', password: VTGATE_SECRET },
      heartbeatUnitMs: 200,
    }),
    createSinkDatabase(),
    connectTemporal(),
  ]);
  // The test cluster trusts loopback, so the password is not checked; what matters is that it is in the URL the
  // worker resolves and nowhere else.
  const url = new URL(sink.url);
  url.username = 'postgres';
  url.password = PG_SECRET;
  process.env[sink.envName] = url.toString();
});

afterAll(async () => {
  await vtgate?.close();
  await sink?.db.end();
  await temporal?.close();
});

/** Payloads are base64 in history JSON: append every decoded `data` field so a grep sees their text. */
function withDecodedPayloads(json: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'data' && typeof v === 'string') decoded.push(Buffer.from(v, 'base64').toString('utf8'));
        else walk(v);
      }
    }
  };
  walk(JSON.parse(json));
  return `${json}\n${decoded.join('\n')}`;
}

test('secrets stay on the worker: not in workflow input, history, memo, search attributes, queries or logs', async () => {
  process.env.VSR_E2E_VTGATE_PASSWORD = VTGATE_SECRET;
  let logs = '';
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    }),
  );
  vtgate.insert('customer', [{ id: 1, email: 'a@example.com' }]);
  const taskQueue = uniqueName('secrets');
  const worker = await createWorker(temporal.nativeConnection, taskQueue, logger);
  const streamId = uniqueName('secrets');
  const config = streamConfig(streamId, vtgate, sink);
  config.source.vtgate.auth = { username: 'relay', password: 'env:VSR_E2E_VTGATE_PASSWORD' };

  const seen: string[] = [];
  await worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(vstreamToPostgres, {
      taskQueue,
      workflowId: `vstream-${streamId}`,
      args: [{ config }],
      memo: { owner: 'analytics' },
    });
    vtgate.insert('customer', [{ id: 2, email: 'b@example.com' }]);
    await waitUntil(
      'the stream to apply the rows',
      () => mirrorCustomers(sink.db),
      (rows) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate)),
    );
    seen.push(JSON.stringify(await handle.query(statusQuery)));
    seen.push(JSON.stringify(await handle.query(currentVgtidQuery)));
    seen.push(JSON.stringify(await handle.executeUpdate(pauseUpdate, { args: [null] })));
    seen.push(JSON.stringify(await handle.executeUpdate(resumeUpdate)));
    await handle.signal(stopSignal);
    seen.push(JSON.stringify(await handle.result()));
    const description = await handle.describe();
    seen.push(JSON.stringify({ memo: description.memo, searchAttributes: description.searchAttributes }));
    seen.push(withDecodedPayloads(historyToJSON(await handle.fetchHistory())));
  });

  const everything = [...seen, logs].join('\n');
  // The stream really ran with the secrets, and what we inspected is substantial.
  expect(sourceCustomers(vtgate)).toHaveLength(2);
  expect(logs).toContain('stream run starting');
  expect(seen.at(-1)).toContain('env:VSR_E2E_VTGATE_PASSWORD');
  expect(seen.at(-1)).toContain(`env:${sink.envName}`);
  // …and no secret appears anywhere.
  expect(everything).not.toContain(VTGATE_SECRET);
  expect(everything).not.toContain(PG_SECRET);
});
