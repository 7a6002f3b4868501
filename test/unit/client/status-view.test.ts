import { describe, expect, it } from 'vitest';
import {
  renderPositionReport,
  renderStatus,
  shardPositions,
} from '../../../src/client/format/status-view.js';
import { formatCount, formatDuration, renderTable } from '../../../src/client/format/text.js';
import type { StreamStatus } from '../../../src/workflows/definitions.js';

const now = new Date('2026-03-01T10:00:05.000Z');

function status(overrides: Partial<StreamStatus> = {}): StreamStatus {
  return {
    streamId: 'orders',
    state: 'running',
    vgtid: {
      shard_gtids: [
        { keyspace: 'commerce', shard: '-80', gtid: 'MySQL56/0c5f1b2e-1111-11ef-8000-000000000001:1-1200' },
        { keyspace: 'commerce', shard: '80-', gtid: 'MySQL56/0c5f1b2e-2222-11ef-8000-000000000002:1-7' },
      ],
    },
    batchSeq: 42,
    lastCommitAt: '2026-03-01T10:00:00.000Z',
    lastSourceCommitAt: '2026-03-01T09:59:57.500Z',
    lagSeconds: 2.5,
    rowsApplied: {
      'commerce.orders': { insert: 1200, update: 30, delete: 2 },
      'commerce.customers': { insert: 5, update: 0, delete: 0 },
    },
    copy: null,
    activity: { runs: 3, attempt: 1, startedAt: '2026-03-01T09:00:05.000Z' },
    lastError: null,
    pausedReason: null,
    ...overrides,
  };
}

describe('renderStatus', () => {
  it('a running stream', () => {
    expect(renderStatus(status(), { workflowId: 'vstream-orders', executionStatus: 'RUNNING', now })).toBe(
      [
        'stream        orders',
        'workflow      vstream-orders (running)',
        'state         running',
        'lag           2.5 s',
        'last commit   2026-03-01T10:00:00.000Z (5 s ago), batch 42',
        'source time   2026-03-01T09:59:57.500Z',
        'activity      run 3, attempt 1, since 2026-03-01T09:00:05.000Z (1 h ago)',
        '',
        'position',
        '  KEYSPACE  SHARD  GTID',
        '  commerce  -80    MySQL56/0c5f1b2e-1111-11ef-8000-000000000001:1-1200',
        '  commerce  80-    MySQL56/0c5f1b2e-2222-11ef-8000-000000000002:1-7',
        '',
        'rows applied',
        '  TABLE               INSERT  UPDATE  DELETE',
        '  commerce.customers       5       0       0',
        '  commerce.orders      1,200      30       2',
        '  total                1,205      30       2',
        '',
        'copy          none',
        '',
        'last error    none',
        '',
      ].join('\n'),
    );
  });

  it('a fresh stream in its copy phase, retrying after an error', () => {
    const copying = status({
      state: 'waiting-after-error',
      vgtid: {
        shard_gtids: [
          {
            keyspace: 'commerce',
            shard: '0',
            gtid: '',
            table_p_ks: [{ table_name: 'orders', lastpk: null }],
          },
        ],
      },
      batchSeq: 0,
      lastCommitAt: null,
      lastSourceCommitAt: null,
      lagSeconds: null,
      rowsApplied: {},
      copy: {
        inProgress: true,
        tablesDone: ['commerce.customers'],
        rowsCopied: { 'commerce.orders': 250_000 },
      },
      activity: { runs: 1, attempt: 4, startedAt: null },
      lastError: {
        message: 'vtgate unavailable: connection refused',
        kind: 'unavailable',
        retryable: true,
        at: '2026-03-01T10:00:01.000Z',
      },
    });
    expect(renderStatus(copying, { workflowId: 'vstream-orders', now })).toBe(
      [
        'stream        orders',
        'workflow      vstream-orders',
        'state         waiting-after-error',
        'lag           -',
        'last commit   -',
        'source time   -',
        'activity      not running (1 run so far)',
        '',
        'position',
        '  KEYSPACE  SHARD  GTID                COPY',
        '  commerce  0      (copy not started)  copying',
        '',
        'rows applied  none yet',
        '',
        'copy          in progress, 1 table done',
        '  TABLE               ROWS COPIED  DONE',
        '  commerce.customers            0  yes',
        '  commerce.orders         250,000  no',
        '',
        'last error    2026-03-01T10:00:01.000Z [unavailable, retryable] vtgate unavailable: connection refused',
        '',
      ].join('\n'),
    );
  });

  it('a paused stream shows its reason; no position yet', () => {
    const text = renderStatus(status({ state: 'paused', pausedReason: 'maintenance', vgtid: null }), {
      workflowId: 'vstream-orders',
      now,
    });
    expect(text).toContain('\nstate         paused (reason: maintenance)\n');
    expect(text).toContain('\nposition      none yet\n');
  });
});

describe('renderPositionReport', () => {
  it('headline, position table and the VGTID as one line of JSON', () => {
    const vgtid = { shard_gtids: [{ keyspace: 'ks', shard: '0', gtid: 'MySQL56/a:1-5' }] };
    expect(renderPositionReport('stream orders is paused', vgtid)).toBe(
      [
        'stream orders is paused',
        'position',
        '  KEYSPACE  SHARD  GTID',
        '  ks        0      MySQL56/a:1-5',
        'vgtid         {"shard_gtids":[{"keyspace":"ks","shard":"0","gtid":"MySQL56/a:1-5"}]}',
        '',
      ].join('\n'),
    );
  });
});

describe('shardPositions', () => {
  it('tolerates malformed entries (display code must not fail)', () => {
    expect(shardPositions({ shard_gtids: [null, { keyspace: 'ks', shard: 7 }, 'x'] })).toEqual([
      { keyspace: '?', shard: '?', gtid: '?', copying: false },
      { keyspace: 'ks', shard: '?', gtid: '?', copying: false },
      { keyspace: '?', shard: '?', gtid: '?', copying: false },
    ]);
    expect(shardPositions(null)).toEqual([]);
    expect(shardPositions({} as never)).toEqual([]);
  });

  it('reads the camelCase form too', () => {
    const vgtid = { shard_gtids: [{ keyspace: 'ks', shard: '-80', gtid: 'MySQL56/a:1', tablePKs: [{}] }] };
    expect(shardPositions(vgtid)).toEqual([
      { keyspace: 'ks', shard: '-80', gtid: 'MySQL56/a:1', copying: true },
    ]);
  });
});

describe('text helpers', () => {
  it('formatDuration', () => {
    expect([0, 0.44, 9.96, 12.4, 59.6, 61, 3599, 3600, 7260, 90_000, 86_400].map(formatDuration)).toEqual([
      '0 s',
      '0.4 s',
      '10 s',
      '12 s',
      '60 s',
      '1 min 1 s',
      '59 min 59 s',
      '1 h',
      '2 h 1 min',
      '1 d 1 h',
      '1 d',
    ]);
  });

  it('formatCount groups thousands whatever the locale', () => {
    expect([0, 999, 1000, 1234567, 12.5].map(formatCount)).toEqual([
      '0',
      '999',
      '1,000',
      '1,234,567',
      '12.5',
    ]);
  });

  it('renderTable pads columns and trims trailing blanks', () => {
    expect(
      renderTable(
        [
          ['A', 'N', 'LAST'],
          ['long name', '1', ''],
          ['x', '1,000', 'y'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['A              N  LAST', 'long name      1', 'x          1,000  y']);
  });
});
