import { describe, expect, it } from 'vitest';
import { renderStreamList, type StreamListEntry } from '../../../src/client/format/list-view.js';
import type { StreamStatus } from '../../../src/workflows/definitions.js';

const now = new Date('2026-03-01T10:00:05.000Z');

function streamStatus(streamId: string, overrides: Partial<StreamStatus> = {}): StreamStatus {
  return {
    streamId,
    state: 'running',
    vgtid: null,
    batchSeq: 1,
    lastCommitAt: '2026-03-01T10:00:00.000Z',
    lastSourceCommitAt: null,
    lagSeconds: 0.8,
    rowsApplied: {
      'ks.a': { insert: 1000, update: 200, delete: 34 },
      'ks.b': { insert: 1, update: 0, delete: 0 },
    },
    copy: null,
    activity: { runs: 1, attempt: 1, startedAt: null },
    lastError: null,
    pausedReason: null,
    ...overrides,
  };
}

function entry(streamId: string, overrides: Partial<StreamListEntry> = {}): StreamListEntry {
  return {
    streamId,
    workflowId: `vstream-${streamId}`,
    runId: `run-${streamId}`,
    executionStatus: 'RUNNING',
    taskQueue: 'vstream-relay',
    startTime: '2026-03-01T09:00:00.000Z',
    closeTime: null,
    status: streamStatus(streamId),
    statusError: null,
    ...overrides,
  };
}

describe('renderStreamList', () => {
  it('one row per stream; a failed query shows "-" and a note', () => {
    const entries = [
      entry('customers', { status: streamStatus('customers', { state: 'paused', lagSeconds: null }) }),
      entry('orders'),
      entry('payments', { status: null, statusError: 'no worker answered the status query within 5 s' }),
      entry('legacy', {
        executionStatus: 'TERMINATED',
        closeTime: '2026-03-01T09:30:00.000Z',
        status: null,
        statusError: 'closed',
      }),
    ];
    expect(renderStreamList(entries, { all: true, now })).toBe(
      [
        'STREAM     WORKFLOW    STATE      LAG  LAST COMMIT                          ROWS  STARTED',
        'customers  running     paused       -  2026-03-01T10:00:00.000Z (5 s ago)  1,235  2026-03-01T09:00:00.000Z',
        'orders     running     running  0.8 s  2026-03-01T10:00:00.000Z (5 s ago)  1,235  2026-03-01T09:00:00.000Z',
        'payments   running     -            -  -                                       -  2026-03-01T09:00:00.000Z',
        'legacy     terminated  -            -  -                                       -  2026-03-01T09:00:00.000Z',
        '',
        'payments: status unavailable: no worker answered the status query within 5 s',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to list', () => {
    expect(renderStreamList([], { all: false, now })).toBe(
      'no running streams (--all lists stopped ones too)\n',
    );
    expect(renderStreamList([], { all: true, now })).toBe('no streams\n');
  });
});
