// The browser check: what the README promises an operator — "open the stream's workflow in the Temporal Web UI,
// run the `currentVgtid` query from the Queries tab, and read the committed position" — done by a real browser
// (Debian's Chromium, driven by playwright-core) against the UI of the run's Temporal dev server, with a real
// stream behind it. The VGTID read off the page must equal the checkpoint row in Postgres. The page is saved to
// docs/temporal-ui-query.png, the screenshot the README shows.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { CHROMIUM_ARGS, DEBIAN_CHROMIUM, findChromium } from '../../../src/devtools/chromium.js';
import type { TestVtgate } from '../../../src/devtools/vtgate/index.js';
import {
  STREAM_WORKFLOW_TYPE,
  pauseUpdate,
  type StreamWorkflowInput,
} from '../../../src/workflows/definitions.js';
import {
  closeStreamEnvironment,
  mirrorCustomers,
  openStreamEnvironment,
  sourceCustomers,
  streamConfig,
  waitUntil,
  type SinkDatabase,
  type TemporalHandles,
} from '../../support/e2e.js';
import { checkpointRow, createControlWorker, runInBackground } from '../../support/e2e-control.js';
import { uniqueName } from '../../support/isolation.js';

const SCREENSHOT = fileURLToPath(new URL('../../../docs/temporal-ui-query.png', import.meta.url));
/** Where a failing run leaves the page it saw (ignored by git). */
const FAILURE_SCREENSHOT = fileURLToPath(new URL('../../../.cache/temporal-ui-failure.png', import.meta.url));
/** Generous: the UI is a single-page app served from a busy 2-core machine. */
const UI_TIMEOUT_MS = 30_000;

let vtgate: TestVtgate;
let sink: SinkDatabase;
let temporal: TemporalHandles;
let worker: ReturnType<typeof runInBackground> | undefined;
let browser: Browser | undefined;
let taskQueue: string;

beforeAll(async () => {
  ({ vtgate, sink, temporal } = await openStreamEnvironment());
  taskQueue = uniqueName('e2e-browser');
  worker = runInBackground(await createControlWorker({ connection: temporal.nativeConnection, taskQueue }));
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await closeStreamEnvironment({ vtgate, sink, temporal });
});

/** Waits for `locator`, reloading the page between tries (the workflow list does not refresh by itself). */
async function visibleAfterReloads(page: Page, locator: Locator, tries = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await locator.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS / tries });
      return;
    } catch (err) {
      if (attempt >= tries) throw err;
      await page.reload();
    }
  }
}

/** The text of a read-only code view of the UI (a CodeMirror editor), once it holds something. */
async function codeViewText(view: Locator): Promise<string> {
  const content = view.getByRole('textbox');
  await expect
    .poll(async () => (await content.innerText()).trim(), { timeout: UI_TIMEOUT_MS, interval: 250 })
    .not.toBe('');
  return content.innerText();
}

/** Debian's Chromium, headless. No silent skip: without it the test fails, saying what to do. */
async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error(
      `Chromium not found (${process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM}): run \`npm run setup\`, which ` +
        'installs Debian’s chromium, or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

describe('the Temporal Web UI', () => {
  test('its Queries tab shows, for currentVgtid, the VGTID committed in Postgres', async () => {
    browser = await launchChromium();
    // A real stream: copy 6 rows, then a live change, all committed with their checkpoint.
    for (let id = 1; id <= 6; id++) vtgate.insert('customer', [{ id, email: `ui${id}@example.com` }]);
    const streamId = uniqueName('ui');
    const workflowId = `vstream-${streamId}`;
    const input: StreamWorkflowInput = { config: streamConfig(streamId, vtgate, sink) };
    const handle = await temporal.client.workflow.start(STREAM_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
    });
    const equalsSource = (rows: unknown) => JSON.stringify(rows) === JSON.stringify(sourceCustomers(vtgate));
    await waitUntil('the copy phase', () => mirrorCustomers(sink.db), equalsSource);
    vtgate.update('customer', { id: 3 }, { tier: 'pro', balance: '12.50' });
    await waitUntil('the live change', () => mirrorCustomers(sink.db), equalsSource);

    // Pause (the update returns once the activity has stopped): the checkpoint cannot move while the browser
    // reads the position, so the comparison is free of races.
    const paused = await handle.executeUpdate(pauseUpdate, { args: ['browser check'] });
    expect(paused.state).toBe('paused');
    const checkpoint = await checkpointRow(sink.db, streamId);
    expect(checkpoint?.vgtid).toEqual(paused.vgtid);

    const page = await browser!.newPage({ viewport: { width: 1400, height: 680 }, colorScheme: 'light' });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    try {
      // Find the stream's workflow in the workflow list, filtered by its id as an operator would.
      const namespace = inject('temporalNamespace');
      const filter = encodeURIComponent(`WorkflowId="${workflowId}"`);
      await page.goto(`${inject('temporalUiUrl')}/namespaces/${namespace}/workflows?query=${filter}`);
      const link = page.getByRole('link', { name: workflowId, exact: true });
      await visibleAfterReloads(page, link);
      await link.click();
      await page.getByRole('heading', { name: workflowId }).waitFor();

      // Queries tab → Query Type: currentVgtid → Run Query.
      await page.getByRole('tab', { name: 'Queries' }).click();
      await page.getByTestId('query-select-button').click();
      await page.getByRole('option', { name: 'currentVgtid', exact: true }).click();
      await expect.poll(() => page.getByTestId('query-select').inputValue()).toBe('currentVgtid');
      await page.getByRole('button', { name: 'Run Query' }).click();

      const shown = JSON.parse(await codeViewText(page.getByTestId('query-result'))) as unknown;
      expect(shown).toEqual(checkpoint!.vgtid);
      expect((shown as { shard_gtids: { shard: string }[] }).shard_gtids.map((g) => g.shard).sort()).toEqual([
        '-80',
        '80-',
      ]);

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    } catch (err) {
      // What the browser showed when it went wrong, for whoever reads the failure.
      fs.mkdirSync(path.dirname(FAILURE_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
      throw new Error(
        `${(err as Error).message}\n(page at failure: ${page.url()}, screenshot ${FAILURE_SCREENSHOT})`,
        {
          cause: err,
        },
      );
    } finally {
      await page.close();
    }
    // The position is still the committed one: nothing moved while the page was read.
    expect((await checkpointRow(sink.db, streamId))?.vgtid).toEqual(checkpoint!.vgtid);
    await handle.terminate('browser check done');
  });
});
