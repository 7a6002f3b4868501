// Test-only workflow used by the harness smoke test: proves bundling, activities, signals and queries
// work against the real dev server. Product workflows live in src/workflows.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SmokeActivities } from './smoke-activities.js';

const { describeRow } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '30 seconds' });

export const releaseSignal = defineSignal<[string]>('release');
export const stateQuery = defineQuery<string>('state');

export async function smokeWorkflow(table: string): Promise<string> {
  let state = 'waiting';
  let suffix = '';
  setHandler(stateQuery, () => state);
  setHandler(releaseSignal, (s) => {
    suffix = s;
    state = 'released';
  });
  await condition(() => state === 'released');
  return `${await describeRow(table)}${suffix}`;
}
