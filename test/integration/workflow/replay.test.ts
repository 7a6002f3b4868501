// Determinism guard: histories recorded from earlier versions of the workflow must replay on the current code.
// A change that breaks replay would break every running stream on deploy; use patched() for such changes and
// record a new history (see recordHistory in stream-workflow.test.ts) next to the old ones.
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import fs from 'node:fs';
import { expect, test } from 'vitest';
import { workflowsPath } from '../../../src/worker/worker.js';

const dir = new URL('../../fixtures/histories/', import.meta.url);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

test('recorded stream workflow histories replay on the current workflow code', async () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(fs.readFileSync(new URL(file, dir), 'utf8'))),
  }));
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(result);
  expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(
    histories.map((h) => ({ id: h.workflowId, error: undefined })),
  );
});
