import { describe, expect, test } from 'vitest';
import {
  StreamConfigError,
  parseStreamConfig,
  streamWorkflowId,
  type StreamConfigInput,
} from '../../../src/config/stream-config.js';

const minimal: StreamConfigInput = {
  streamId: 'orders',
  source: { vtgate: { address: 'vtgate.internal:15991' }, keyspaces: [{ name: 'commerce' }] },
  sink: { postgres: { url: 'env:VSTREAM_RELAY_PG_URL' } },
};

function problemsOf(input: unknown): { field: string; message: string }[] {
  try {
    parseStreamConfig(input);
  } catch (err) {
    if (err instanceof StreamConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** Deep-sets `path` (dotted, [i] for arrays) on a copy of the minimal config. */
function withValue(path: string, value: unknown): unknown {
  const copy = structuredClone(minimal) as Record<string, unknown>;
  const parts = path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean));
  let target = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    target[part] ??= {};
    target = target[part] as Record<string, unknown>;
  }
  target[parts.at(-1)!] = value;
  return copy;
}

describe('stream config', () => {
  test('a minimal config gets production defaults', () => {
    const config = parseStreamConfig(minimal);
    expect(config.source.tabletType).toBe('primary');
    expect(config.source.heartbeatIntervalSeconds).toBe(5);
    expect(config.source.minimizeSkew).toBe(false);
    expect(config.source.vtgate.maxReceiveMessageBytes).toBe(64 * 1024 * 1024);
    expect(config.snapshot.mode).toBe('initial');
    expect(config.sink).toMatchObject({
      mode: 'mirror',
      controlSchema: 'vstream_relay',
      targetSchema: '{keyspace}',
    });
    expect(config.policies).toEqual({ zeroDate: 'fail', invalidText: 'fail', badRows: 'fail' });
    expect(config.run.progressIntervalSeconds).toBe(5);
    expect(streamWorkflowId(config.streamId)).toBe('vstream-orders');
  });

  test.each([
    ['streamId', 'has space', 'streamId'],
    ['source.vtgate.address', 'no-port', 'source.vtgate.address'],
    ['source.vtgate.keepaliveSeconds', 5, 'source.vtgate.keepaliveSeconds'],
    ['source.keyspaces', [], 'source.keyspaces'],
    ['source.keyspaces[0].shards', ['80-', 'zz'], 'source.keyspaces[0].shards[1]'],
    ['source.tabletType', 'master', 'source.tabletType'],
    ['source.heartbeatIntervalSeconds', 0, 'source.heartbeatIntervalSeconds'],
    ['sink.mode', 'upsert', 'sink.mode'],
    ['sink.batch', { maxRows: 0 }, 'sink.batch.maxRows'],
    ['policies.zeroDate', 'epoch', 'policies.zeroDate'],
    ['snapshot.mode', 'tables', 'snapshot.tables'],
    ['startVgtid', '{"shard_gtids":[]}', 'startVgtid'],
    ['run.retryMaxSeconds', 0.5, 'run.retryMaxSeconds'],
    ['source.unknownField', true, 'source'],
  ])('%s = %j is rejected naming %s', (path, value, field) => {
    const problems = problemsOf(withValue(path, value));
    expect(problems.map((p) => p.field)).toContain(field);
  });

  test('secrets can only be references, never literal values', () => {
    const problems = problemsOf(withValue('sink.postgres.url', 'postgresql://relay:hunter2@db/app'));
    expect(problems).toEqual([
      {
        field: 'sink.postgres.url',
        message: expect.stringContaining('secret reference, `env:NAME` or `file:/absolute/path`'),
      },
    ]);
    expect(
      problemsOf(withValue('source.vtgate.auth', { username: 'relay', password: 'hunter2' }))[0]?.field,
    ).toBe('source.vtgate.auth.password');
    expect(() =>
      parseStreamConfig(
        withValue('source.vtgate.auth', { username: 'relay', password: 'file:/run/secrets/vtgate' }),
      ),
    ).not.toThrow();
  });

  test('the error message lists every problem with its field', () => {
    const input = {
      streamId: '',
      source: { vtgate: {}, keyspaces: [{ name: 'a' }, { name: 'a' }] },
      sink: {},
    };
    expect(() => parseStreamConfig(input)).toThrowError(
      /invalid stream config: streamId: .*; source\.vtgate\.address: .*; sink\.postgres: /,
    );
  });

  test('duplicate keyspaces and bare table names across keyspaces are refused', () => {
    const twice = withValue('source.keyspaces', [{ name: 'a' }, { name: 'a' }]);
    expect(problemsOf(twice).map((p) => p.field)).toEqual(['source.keyspaces[1].name']);
    const bare = { ...(withValue('source.keyspaces', [{ name: 'a' }, { name: 'b' }]) as object) };
    (bare as { source: Record<string, unknown> }).source.excludeKeyspaceFromTableName = true;
    expect(problemsOf(bare).map((p) => p.field)).toEqual(['source.excludeKeyspaceFromTableName']);
  });
});

test('credential-looking metadata headers are refused: the Temporal UI shows workflow input', () => {
  expect(() =>
    parseStreamConfig({
      ...minimal,
      source: { ...minimal.source, vtgate: { address: 'v:1', metadata: { authorization: 'Bearer x' } } },
    }),
  ).toThrowError(/source\.vtgate\.metadata\.authorization: looks like a credential header/);
  expect(() =>
    parseStreamConfig({
      ...minimal,
      source: { ...minimal.source, vtgate: { address: 'v:1', metadata: { 'x-tenant': 'blue' } } },
    }),
  ).not.toThrow();
});
