// Bad input, field by field: every field of the stream config set to an invalid value in turn is refused with a
// message naming exactly that field — before anything starts (the CLI and the workflow both validate with
// parseStreamConfig). The list is checked against the schema itself, so a new field without a case here fails.
import { describe, expect, test } from 'vitest';
import {
  StreamConfigError,
  parseStreamConfig,
  streamConfigSchema,
  type StreamConfigInput,
} from '../../../src/config/stream-config.js';

const minimal: StreamConfigInput = {
  streamId: 'orders',
  source: { vtgate: { address: 'vtgate.internal:15991' }, keyspaces: [{ name: 'commerce' }] },
  sink: { postgres: { url: 'env:VSTREAM_RELAY_PG_URL' } },
};

/** Fields that only exist together with a sibling: the valid sibling the case starts from. */
const BASES: Record<string, unknown> = {
  'source.vtgate.auth': { username: 'relay', password: 'env:VTGATE_PASSWORD' },
};

/** Deep-sets a dotted path (`[i]` for array items) on a copy of the minimal config. */
function withValue(path: string, value: unknown): unknown {
  const base = Object.entries(BASES).find(([prefix]) => path.startsWith(`${prefix}.`));
  const copy = structuredClone(base ? (set(minimal, base[0], structuredClone(base[1])) as object) : minimal);
  return set(copy, path, value);
}

function set(input: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(input) as Record<string, unknown>;
  const parts = path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean));
  let target = copy;
  for (const part of parts.slice(0, -1)) {
    target[part] ??= {};
    target = target[part] as Record<string, unknown>;
  }
  target[parts.at(-1)!] = value;
  return copy;
}

function rejection(input: unknown): StreamConfigError {
  try {
    parseStreamConfig(input);
  } catch (err) {
    if (err instanceof StreamConfigError) return err;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** [field, invalid value, the field path the error must name (default: the field)] */
const CASES: [string, unknown, string?][] = [
  ['streamId', 'has space'],
  ['source.vtgate.address', 'vtgate-without-port'],
  ['source.vtgate.tls.caFile', ''],
  ['source.vtgate.tls.certFile', 42],
  ['source.vtgate.tls.keyFile', ''],
  ['source.vtgate.tls.serverName', ''],
  ['source.vtgate.tls.insecureSkipVerify', 'yes'],
  ['source.vtgate.auth.username', ''],
  ['source.vtgate.auth.password', 'hunter2'],
  ['source.vtgate.metadata', { authorization: 'Bearer x' }, 'source.vtgate.metadata.authorization'],
  ['source.vtgate.maxReceiveMessageBytes', 1024],
  ['source.vtgate.keepaliveSeconds', 5],
  ['source.vtgate.connectTimeoutSeconds', 0],
  ['source.keyspaces[0].name', ''],
  ['source.keyspaces[0].shards', ['-80', 'zz'], 'source.keyspaces[0].shards[1]'],
  ['source.tabletType', 'master'],
  ['source.cells', []],
  ['source.cellPreference', 'nearest'],
  ['source.tabletOrder', 'random'],
  ['source.tables.include', []],
  ['source.tables.exclude', [''], 'source.tables.exclude[0]'],
  ['source.tables.columns', { orders: [] }, 'source.tables.columns.orders'],
  ['source.tables.where', { orders: '' }, 'source.tables.where.orders'],
  ['source.heartbeatIntervalSeconds', 0],
  ['source.stopOnReshard', 'true'],
  ['source.includeReshardJournalEvents', 1],
  ['source.minimizeSkew', null],
  ['source.transactionChunkSizeBytes', 100],
  ['source.excludeKeyspaceFromTableName', 'no'],
  ['snapshot.mode', 'full'],
  ['snapshot.tables', []],
  ['startVgtid', 'x'],
  ['sink.postgres.url', 'postgresql://relay:hunter2@db/app'],
  ['sink.postgres.sslMode', 'prefer'],
  ['sink.postgres.sslCaFile', ''],
  ['sink.mode', 'upsert'],
  ['sink.controlSchema', ''],
  ['sink.targetSchema', 'x'.repeat(65)],
  ['sink.changelogTable', 'y'.repeat(65)],
  ['sink.tablesWithoutKey', 'ignore'],
  ['sink.batch.maxRows', 0],
  ['sink.batch.maxBytes', 1],
  ['sink.batch.maxDelayMs', -1],
  ['policies.zeroDate', 'epoch'],
  ['policies.invalidText', 'drop'],
  ['policies.badRows', 'skip'],
  ['run.progressIntervalSeconds', 0],
  ['run.activityRunSeconds', 1],
  ['run.heartbeatTimeoutSeconds', 1],
  ['run.idleReconnectIntervals', 1],
  ['run.heartbeatOnlyWarningSeconds', 1],
  ['run.retryInitialSeconds', 0],
  ['run.retryMaxSeconds', 0],
];

type SchemaNode = { _zod: { def: Record<string, unknown> & { type: string } } };

/** Every leaf field of the schema, as a dotted path (`[0]` for arrays of objects). */
function schemaFields(node: SchemaNode, path = '', out: string[] = []): string[] {
  let current = node;
  while (['optional', 'default', 'nullable', 'prefault'].includes(current._zod.def.type)) {
    current = current._zod.def.innerType as SchemaNode;
  }
  const def = current._zod.def;
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, SchemaNode>)) {
      schemaFields(child, path ? `${path}.${key}` : key, out);
    }
  } else if (def.type === 'array' && schemaFields(def.element as SchemaNode).length > 1) {
    schemaFields(def.element as SchemaNode, `${path}[0]`, out);
  } else {
    out.push(path);
  }
  return out;
}

describe('every stream config field, invalid in turn', () => {
  test('the cases cover every field of the schema', () => {
    const fields = schemaFields(streamConfigSchema as unknown as SchemaNode);
    expect(fields.length).toBeGreaterThan(40);
    expect(fields.filter((f) => !CASES.some(([path]) => path === f))).toEqual([]);
  });

  test.each(CASES)('%s = %j is refused, naming the field', (path, value, field = path) => {
    const error = rejection(withValue(path, value));
    expect(error.problems.map((p) => p.field)).toEqual([field]);
    expect(error.problems[0]!.message.length).toBeGreaterThan(3);
    expect(error.message).toContain(`${field}: `);
    // Secrets written inline are never echoed back.
    if (value === 'hunter2' || (typeof value === 'string' && value.includes('hunter2'))) {
      expect(error.message).not.toContain('hunter2');
    }
  });

  test('not an object at all, or an empty object', () => {
    expect(rejection('streamId: x').problems.map((p) => p.field)).toEqual(['(root)']);
    expect(rejection({}).problems.map((p) => p.field)).toEqual(['streamId', 'source', 'sink']);
  });
});
