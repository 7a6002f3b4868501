// Human-readable rendering of a stream's StreamStatus (the `status`, `pause`, `resume` and `stop` output).
import type { StreamStatus, TableCounters, VgtidJsonValue } from '../../workflows/definitions.js';
import { NONE, formatCount, formatDuration, formatTimeAgo, renderTable } from './text.js';

/** Values start in one column throughout the status text ("rows applied" is the longest label). */
const LABEL_WIDTH = 12;

function field(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)}  ${value}`.trimEnd();
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

export interface ShardPositionView {
  keyspace: string;
  shard: string;
  gtid: string;
  /** The shard is still in VStream's copy phase (the VGTID carries last-copied primary keys). */
  copying: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The per-shard positions of a VGTID (`shard_gtids[].{keyspace,shard,gtid}`). Tolerant: this is display
 * code, so a malformed entry shows up as "?" rather than failing the command.
 */
export function shardPositions(vgtid: VgtidJsonValue | null | undefined): ShardPositionView[] {
  if (!isRecord(vgtid) || !Array.isArray(vgtid.shard_gtids)) return [];
  return vgtid.shard_gtids.map((entry) => {
    const shard = isRecord(entry) ? entry : {};
    const text = (value: unknown): string => (typeof value === 'string' ? value : '?');
    const tablePks = shard.table_p_ks ?? shard.tablePKs;
    return {
      keyspace: text(shard.keyspace),
      shard: text(shard.shard),
      gtid: text(shard.gtid),
      copying: Array.isArray(tablePks) && tablePks.length > 0,
    };
  });
}

/** The position table (indented under a heading), or a one-line "none yet". */
export function renderPosition(vgtid: VgtidJsonValue | null): string[] {
  const positions = shardPositions(vgtid);
  if (positions.length === 0) return [field('position', 'none yet')];
  const rows = positions.map((p) => [p.keyspace, p.shard, p.gtid === '' ? '(copy not started)' : p.gtid]);
  const anyCopying = positions.some((p) => p.copying);
  const table = renderTable(
    [
      ['KEYSPACE', 'SHARD', 'GTID', ...(anyCopying ? ['COPY'] : [])],
      ...rows.map((row, i) => (anyCopying ? [...row, positions[i]!.copying ? 'copying' : ''] : row)),
    ],
    [],
  );
  return ['position', ...indent(table)];
}

function renderRowsApplied(rowsApplied: Record<string, TableCounters>): string[] {
  const tables = Object.keys(rowsApplied).sort();
  if (tables.length === 0) return [field('rows applied', 'none yet')];
  const total: TableCounters = { insert: 0, update: 0, delete: 0 };
  const rows = tables.map((table) => {
    const c = rowsApplied[table]!;
    total.insert += c.insert;
    total.update += c.update;
    total.delete += c.delete;
    return [table, formatCount(c.insert), formatCount(c.update), formatCount(c.delete)];
  });
  if (tables.length > 1) {
    rows.push(['total', formatCount(total.insert), formatCount(total.update), formatCount(total.delete)]);
  }
  const table = renderTable(
    [['TABLE', 'INSERT', 'UPDATE', 'DELETE'], ...rows],
    ['left', 'right', 'right', 'right'],
  );
  return ['rows applied', ...indent(table)];
}

function renderCopy(copy: StreamStatus['copy']): string[] {
  if (copy === null) return [field('copy', 'none')];
  const done = new Set(copy.tablesDone);
  const tables = [...new Set([...Object.keys(copy.rowsCopied), ...copy.tablesDone])].sort();
  const tablesDone = `${done.size} ${done.size === 1 ? 'table' : 'tables'} done`;
  const headline = field('copy', `${copy.inProgress ? 'in progress' : 'finished'}, ${tablesDone}`);
  if (tables.length === 0) return [headline];
  const table = renderTable(
    [
      ['TABLE', 'ROWS COPIED', 'DONE'],
      ...tables.map((t) => [t, formatCount(copy.rowsCopied[t] ?? 0), done.has(t) ? 'yes' : 'no']),
    ],
    ['left', 'right', 'left'],
  );
  return [headline, ...indent(table)];
}

export interface StatusViewContext {
  workflowId: string;
  /** Temporal's execution status, e.g. `RUNNING`, `COMPLETED`; shown when known. */
  executionStatus?: string;
  now: Date;
}

/** Resnapshots and resyncs, when there is anything to say. */
function renderSnapshot(snapshot: StreamStatus['snapshot']): string[] {
  if (snapshot === undefined) return [];
  const lines: string[] = [];
  if (snapshot.resnapshotRequested !== null) lines.push(field('resnapshot', 'requested, starting'));
  else if (snapshot.generation > 0) lines.push(field('resnapshots', String(snapshot.generation)));
  const resyncs = [
    ...snapshot.resyncRequested.map((t) => `${t} (requested)`),
    ...snapshot.resyncing.map((t) => `${t} (copying)`),
  ];
  if (resyncs.length > 0) lines.push(field('resync', resyncs.join(', ')));
  const last = snapshot.resynced.at(-1);
  if (last !== undefined) lines.push(field('last resync', `${last.table} done at ${last.at}`));
  return lines;
}

/** The full `status` text: header fields, position, rows applied, copy progress, last error. */
export function renderStatus(status: StreamStatus, context: StatusViewContext): string {
  const state =
    status.state === 'paused' && status.pausedReason
      ? `paused (reason: ${status.pausedReason})`
      : status.state;
  const workflow = context.executionStatus
    ? `${context.workflowId} (${context.executionStatus.toLowerCase()})`
    : context.workflowId;
  const activity =
    status.activity.startedAt === null
      ? `not running (${status.activity.runs} ${status.activity.runs === 1 ? 'run' : 'runs'} so far)`
      : `run ${status.activity.runs}, attempt ${status.activity.attempt}, since ${formatTimeAgo(
          status.activity.startedAt,
          context.now,
        )}`;
  const lastCommit =
    status.lastCommitAt === null
      ? NONE
      : `${formatTimeAgo(status.lastCommitAt, context.now)}, batch ${formatCount(status.batchSeq)}`;
  const error = status.lastError;
  const lines = [
    field('stream', status.streamId),
    field('workflow', workflow),
    field('state', state),
    field('lag', status.lagSeconds === null ? NONE : formatDuration(status.lagSeconds)),
    field('last commit', lastCommit),
    field('source time', status.lastSourceCommitAt ?? NONE),
    field('activity', activity),
    '',
    ...renderPosition(status.vgtid),
    '',
    ...renderRowsApplied(status.rowsApplied),
    '',
    ...renderCopy(status.copy),
    ...renderSnapshot(status.snapshot),
    '',
    ...(status.warning ? [field('warning', status.warning)] : []),
    field(
      'last error',
      error === null
        ? 'none'
        : `${error.at} [${error.kind}, ${error.retryable ? 'retryable' : 'not retryable'}] ${error.message}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The VGTID as one line of JSON, ready to paste into `startVgtid`. */
export function vgtidLine(vgtid: VgtidJsonValue | null): string {
  return field('vgtid', vgtid === null ? 'none yet' : JSON.stringify(vgtid));
}

/** What `pause`, `resume` and `stop --wait` print: a headline, then the position the stream stands at. */
export function renderPositionReport(headline: string, vgtid: VgtidJsonValue | null): string {
  return `${[headline, ...renderPosition(vgtid), vgtidLine(vgtid)].join('\n')}\n`;
}
