import { streamWorkflowId } from '../../config/stream-config.js';
import { statusQuery } from '../../workflows/definitions.js';
import { explainFailure, type FailureContext } from '../explain-error.js';
import { renderStatus } from '../format/status-view.js';
import type { CliIo } from '../io.js';
import type { TemporalFlags } from '../settings.js';
import { withTimeout } from '../temporal.js';
import { now, withSession } from './session.js';

export interface StatusOptions {
  streamId: string;
  json: boolean;
  timeoutMs: number;
  temporal: TemporalFlags;
}

/**
 * Describes the workflow (so "no such stream" and "stopped" are told apart from "no worker"), then asks a
 * worker for the status. `--json` prints the query's answer as it is.
 */
export async function showStatus(io: CliIo, options: StatusOptions, failure: FailureContext): Promise<void> {
  const { streamId } = options;
  const workflowId = streamWorkflowId(streamId);
  Object.assign(failure, { streamId, workflowId });
  await withSession(io, options.temporal, failure, async ({ client, connection }) => {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    failure.taskQueue = description.taskQueue;
    const running = description.status.name === 'RUNNING';
    let status;
    try {
      status = await withTimeout(connection, options.timeoutMs, 'the status query', () =>
        handle.query(statusQuery),
      );
    } catch (err) {
      if (running || options.json) throw err;
      // A closed workflow is only answered while a worker polls its task queue; its end is the answer.
      const closed = description.closeTime ? ` at ${description.closeTime.toISOString()}` : '';
      io.stdout.write(
        `stream ${streamId} is not running: workflow ${workflowId} ${description.status.name.toLowerCase()}${closed}\n` +
          `(its last status is not available: ${explainFailure(err, failure).message})\n`,
      );
      return;
    }
    if (options.json) {
      io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    io.stdout.write(
      renderStatus(status, { workflowId, executionStatus: description.status.name, now: now(io) }),
    );
  });
}
