// pause, resume and stop: the operator's levers on a running stream.
import { streamWorkflowId } from '../../config/stream-config.js';
import {
  pauseSignal,
  pauseUpdate,
  resnapshotUpdate,
  resumeUpdate,
  resyncTableUpdate,
  stopSignal,
  type StreamStatus,
} from '../../workflows/definitions.js';
import type { FailureContext } from '../explain-error.js';
import { renderPositionReport } from '../format/status-view.js';
import type { CliIo } from '../io.js';
import type { TemporalFlags } from '../settings.js';
import { withSession } from './session.js';

interface StreamTarget {
  streamId: string;
  json: boolean;
  temporal: TemporalFlags;
}

function target(streamId: string, failure: FailureContext): string {
  const workflowId = streamWorkflowId(streamId);
  Object.assign(failure, { streamId, workflowId });
  return workflowId;
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * By default the pause update, which returns once the stream activity has committed and stopped, with the
 * final position. `wait: false` sends the pause signal and returns at once.
 */
export async function pauseStream(
  io: CliIo,
  options: StreamTarget & { reason?: string; wait: boolean },
  failure: FailureContext,
): Promise<void> {
  const workflowId = target(options.streamId, failure);
  await withSession(io, options.temporal, failure, async ({ client }) => {
    const handle = client.workflow.getHandle(workflowId);
    if (!options.wait) {
      await handle.signal(pauseSignal, ...(options.reason === undefined ? [] : [options.reason]));
      if (options.json) return writeJson(io, { streamId: options.streamId, workflowId, signal: 'pause' });
      io.stdout.write(
        `pause requested for stream ${options.streamId}; it pauses after committing its current batch ` +
          `(vstream-relay status ${options.streamId} shows when)\n`,
      );
      return;
    }
    const status = await handle.executeUpdate(pauseUpdate, { args: [options.reason ?? null] });
    if (options.json) return writeJson(io, status);
    const why = status.pausedReason ? ` (reason: ${status.pausedReason})` : '';
    io.stdout.write(renderPositionReport(`stream ${options.streamId} is paused${why}`, status.vgtid));
  });
}

/** Resumes a paused stream; with `resnapshot`, from a fresh copy of its tables instead of its position. */
export async function resumeStream(
  io: CliIo,
  options: StreamTarget & { resnapshot: boolean },
  failure: FailureContext,
): Promise<void> {
  const workflowId = target(options.streamId, failure);
  await withSession(io, options.temporal, failure, async ({ client }) => {
    const handle = client.workflow.getHandle(workflowId);
    const status = options.resnapshot
      ? await handle.executeUpdate(resnapshotUpdate)
      : await handle.executeUpdate(resumeUpdate);
    if (options.json) return writeJson(io, status);
    if (options.resnapshot) {
      io.stdout.write(
        `stream ${options.streamId} resumed with a fresh snapshot (state: ${status.state}): its mirror tables are ` +
          `emptied and copied again; vstream-relay status ${options.streamId} shows the copy's progress\n`,
      );
      return;
    }
    io.stdout.write(
      renderPositionReport(`stream ${options.streamId} resumed (state: ${status.state})`, status.vgtid),
    );
  });
}

/** Asks the stream to copy one table again while the others keep streaming. */
export async function resyncTable(
  io: CliIo,
  options: StreamTarget & { table: string },
  failure: FailureContext,
): Promise<void> {
  const workflowId = target(options.streamId, failure);
  await withSession(io, options.temporal, failure, async ({ client }) => {
    const status = await client.workflow
      .getHandle(workflowId)
      .executeUpdate(resyncTableUpdate, { args: [options.table] });
    if (options.json) return writeJson(io, status);
    const pending = [...(status.snapshot?.resyncRequested ?? []), ...(status.snapshot?.resyncing ?? [])];
    io.stdout.write(
      `resync of ${pending.join(', ') || options.table} requested on stream ${options.streamId}: the table is ` +
        `copied into a staging table and replaces the mirror when done (vstream-relay status ` +
        `${options.streamId} shows it)\n`,
    );
  });
}

function isStreamStatus(value: unknown): value is StreamStatus {
  return typeof value === 'object' && value !== null && 'state' in value && 'vgtid' in value;
}

/**
 * Sends the stop signal: the stream commits its current batch and the workflow completes. With `wait`, waits
 * for that (following continue-as-new) and prints the final position.
 */
export async function stopStream(
  io: CliIo,
  options: StreamTarget & { wait: boolean },
  failure: FailureContext,
): Promise<void> {
  const workflowId = target(options.streamId, failure);
  await withSession(io, options.temporal, failure, async ({ client }) => {
    const handle = client.workflow.getHandle(workflowId);
    await handle.signal(stopSignal);
    if (!options.wait) {
      if (options.json) return writeJson(io, { streamId: options.streamId, workflowId, signal: 'stop' });
      io.stdout.write(
        `stop requested for stream ${options.streamId}; it stops after committing its current batch ` +
          `(to wait for it: vstream-relay stop --wait ${options.streamId})\n`,
      );
      return;
    }
    const result: unknown = await handle.result();
    if (options.json) return writeJson(io, result ?? null);
    const headline = `stream ${options.streamId} stopped`;
    if (isStreamStatus(result)) {
      io.stdout.write(renderPositionReport(headline, result.vgtid));
    } else {
      io.stdout.write(`${headline}${result === undefined ? '' : `: ${JSON.stringify(result)}`}\n`);
    }
  });
}
