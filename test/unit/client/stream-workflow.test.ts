import { describe, expect, it } from 'vitest';
import {
  inspectCommands,
  streamIdOf,
  streamListQuery,
  streamSummary,
} from '../../../src/client/stream-workflow.js';
import { parseStreamConfig } from '../../../src/config/stream-config.js';

function config(keyspaces: { name: string; shards?: string[] }[], mode?: 'mirror' | 'changelog' | 'both') {
  return parseStreamConfig({
    streamId: 'orders',
    source: { vtgate: { address: 'vtgate:15991' }, keyspaces },
    sink: { postgres: { url: 'env:PG_URL' }, ...(mode && { mode }) },
  });
}

describe('streamSummary', () => {
  it('names the keyspaces (and pinned shards) and the sink mode', () => {
    expect(streamSummary(config([{ name: 'commerce' }]))).toBe(
      'vstream orders: commerce → postgres (mirror)',
    );
    expect(
      streamSummary(config([{ name: 'commerce' }, { name: 'customer', shards: ['-80', '80-'] }], 'both')),
    ).toBe('vstream orders: commerce, customer/-80,80- → postgres (both)');
  });

  it('stays within the 200 bytes Temporal allows', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `keyspace_number_${i}` }));
    const summary = streamSummary(config(many));
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(200);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('list helpers', () => {
  it('visibility query', () => {
    expect(streamListQuery(false)).toBe("WorkflowType = 'vstreamToPostgres' AND ExecutionStatus = 'Running'");
    expect(streamListQuery(true)).toBe("WorkflowType = 'vstreamToPostgres'");
  });

  it('stream id: the search attribute, else the workflow id without its prefix', () => {
    expect(streamIdOf('vstream-orders', 'orders')).toBe('orders');
    expect(streamIdOf('vstream-orders', undefined)).toBe('orders');
    expect(streamIdOf('something-else', undefined)).toBe('something-else');
  });
});

describe('inspectCommands', () => {
  it('spells out address and namespace so they can be pasted', () => {
    expect(
      inspectCommands({ workflowId: 'vstream-orders', address: '127.0.0.1:7233', namespace: 'default' }),
    ).toEqual([
      'temporal workflow describe --address 127.0.0.1:7233 --namespace default --workflow-id vstream-orders',
      'temporal workflow query --address 127.0.0.1:7233 --namespace default --workflow-id vstream-orders --name status',
      'temporal workflow show --address 127.0.0.1:7233 --namespace default --workflow-id vstream-orders',
    ]);
  });
});
