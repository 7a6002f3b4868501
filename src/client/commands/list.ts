import type { WorkflowExecutionInfo } from '@temporalio/client';
import { statusQuery } from '../../workflows/definitions.js';
import { explainFailure, type FailureContext } from '../explain-error.js';
import { renderStreamList, type StreamListEntry } from '../format/list-view.js';
import type { CliIo } from '../io.js';
import type { TemporalFlags } from '../settings.js';
import { VSTREAM_ID_SEARCH_ATTRIBUTE, streamIdOf, streamListQuery } from '../stream-workflow.js';
import { withTimeout, type TemporalSession } from '../temporal.js';
import { now, withSession } from './session.js';

export interface ListOptions {
  all: boolean;
  json: boolean;
  /** Per status query: a stream whose worker is away must not hold up the whole list. */
  timeoutMs: number;
  temporal: TemporalFlags;
}

/** Status queries in flight at once. */
const QUERY_CONCURRENCY = 8;

async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function describeExecution(
  session: TemporalSession,
  info: WorkflowExecutionInfo,
  timeoutMs: number,
): Promise<StreamListEntry> {
  const streamId = streamIdOf(info.workflowId, info.typedSearchAttributes.get(VSTREAM_ID_SEARCH_ATTRIBUTE));
  const entry: StreamListEntry = {
    streamId,
    workflowId: info.workflowId,
    runId: info.runId,
    executionStatus: info.status.name,
    taskQueue: info.taskQueue,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
    status: null,
    statusError: null,
  };
  try {
    const handle = session.client.workflow.getHandle(info.workflowId, info.runId);
    entry.status = await withTimeout(session.connection, timeoutMs, 'the status query', () =>
      handle.query(statusQuery),
    );
  } catch (err) {
    const failure = { action: 'status', streamId, workflowId: info.workflowId, taskQueue: info.taskQueue };
    entry.statusError = explainFailure(err, failure).message;
  }
  return entry;
}

/** Lists stream workflows (running ones unless `all`), each with its status where a worker answers. */
export async function listStreams(io: CliIo, options: ListOptions, failure: FailureContext): Promise<void> {
  await withSession(io, options.temporal, failure, async (session) => {
    const executions: WorkflowExecutionInfo[] = [];
    for await (const info of session.client.workflow.list({ query: streamListQuery(options.all) })) {
      executions.push(info);
    }
    const entries = await mapConcurrently(executions, QUERY_CONCURRENCY, (info) =>
      describeExecution(session, info, options.timeoutMs),
    );
    // Stable sort: runs of one stream keep the server's newest-first order.
    entries.sort((a, b) => a.streamId.localeCompare(b.streamId));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    io.stdout.write(renderStreamList(entries, { all: options.all, now: now(io) }));
  });
}
