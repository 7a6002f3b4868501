// Rendering of `vstream-relay list`: one row per stream workflow, with its status where a query answered.
import type { StreamStatus } from '../../workflows/definitions.js';
import { NONE, formatCount, formatDuration, formatTimeAgo, renderTable } from './text.js';

export interface StreamListEntry {
  streamId: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status name, e.g. `RUNNING`, `TERMINATED`. */
  executionStatus: string;
  taskQueue: string;
  startTime: string;
  closeTime: string | null;
  /** The answer of the status query, or null when it failed (see statusError). */
  status: StreamStatus | null;
  statusError: string | null;
}

function totalRows(status: StreamStatus): number {
  let total = 0;
  for (const c of Object.values(status.rowsApplied)) total += c.insert + c.update + c.delete;
  return total;
}

/**
 * The `list` table, then a note for each running stream whose status query failed (a closed stream's query
 * failing is expected, so it only shows as "-").
 */
export function renderStreamList(
  entries: readonly StreamListEntry[],
  options: { all: boolean; now: Date },
): string {
  if (entries.length === 0)
    return options.all ? 'no streams\n' : 'no running streams (--all lists stopped ones too)\n';
  const rows = entries.map((e) => [
    e.streamId,
    e.executionStatus.toLowerCase(),
    e.status?.state ?? NONE,
    e.status?.lagSeconds == null ? NONE : formatDuration(e.status.lagSeconds),
    e.status?.lastCommitAt == null ? NONE : formatTimeAgo(e.status.lastCommitAt, options.now),
    e.status ? formatCount(totalRows(e.status)) : NONE,
    e.startTime,
  ]);
  const table = renderTable(
    [['STREAM', 'WORKFLOW', 'STATE', 'LAG', 'LAST COMMIT', 'ROWS', 'STARTED'], ...rows],
    ['left', 'left', 'left', 'right', 'left', 'right', 'left'],
  );
  const notes = entries
    .filter((e) => e.statusError !== null && e.executionStatus === 'RUNNING')
    .map((e) => `${e.streamId}: status unavailable: ${e.statusError}`);
  return `${[...table, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n')}\n`;
}
