import type { WorkflowStartOptions } from '@temporalio/client';
import { streamWorkflowId, type StreamConfigInput } from '../../config/stream-config.js';
import { STREAM_WORKFLOW_TYPE, type StreamWorkflowInput } from '../../workflows/definitions.js';
import { loadConfigFile } from '../config-file.js';
import type { FailureContext } from '../explain-error.js';
import type { CliIo } from '../io.js';
import type { TemporalFlags } from '../settings.js';
import {
  VSTREAM_ID_SEARCH_ATTRIBUTE,
  inspectCommands,
  isUnknownSearchAttributeError,
  streamSummary,
} from '../stream-workflow.js';
import type { TemporalSession } from '../temporal.js';
import { withSession } from './session.js';

export interface StartOptions {
  file: string;
  json: boolean;
  temporal: TemporalFlags;
}

/**
 * Starts with the VStreamId search attribute; a namespace that does not define it gets the stream started
 * without it (and a warning) rather than not at all.
 */
async function startWithOptionalSearchAttribute(
  session: TemporalSession,
  options: WorkflowStartOptions,
  streamId: string,
  io: CliIo,
): Promise<{ runId: string; searchAttribute: boolean }> {
  try {
    const handle = await session.client.workflow.start(STREAM_WORKFLOW_TYPE, {
      ...options,
      typedSearchAttributes: [{ key: VSTREAM_ID_SEARCH_ATTRIBUTE, value: streamId }],
    });
    return { runId: handle.firstExecutionRunId, searchAttribute: true };
  } catch (err) {
    if (!isUnknownSearchAttributeError(err)) throw err;
  }
  const handle = await session.client.workflow.start(STREAM_WORKFLOW_TYPE, options);
  const { namespace } = session;
  const name = VSTREAM_ID_SEARCH_ATTRIBUTE.name;
  io.stderr.write(
    `warning: namespace ${namespace} has no search attribute ${name} (Keyword); started without it. ` +
      `To add it: temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword\n`,
  );
  return { runId: handle.firstExecutionRunId, searchAttribute: false };
}

/**
 * Validates the config file client-side (nothing starts when it is invalid), then starts the stream's workflow.
 * The workflow gets the config as written: defaults are filled in by the workflow, so they can evolve with it.
 */
export async function startStream(io: CliIo, options: StartOptions, failure: FailureContext): Promise<void> {
  const { raw, config } = await loadConfigFile(options.file, io.cwd);
  const streamId = config.streamId;
  const workflowId = streamWorkflowId(streamId);
  Object.assign(failure, { streamId, workflowId });

  await withSession(io, options.temporal, failure, async (session) => {
    const input: StreamWorkflowInput = { config: raw as StreamConfigInput };
    const { runId, searchAttribute } = await startWithOptionalSearchAttribute(
      session,
      { workflowId, taskQueue: session.taskQueue, args: [input], staticSummary: streamSummary(config) },
      streamId,
      io,
    );
    const { namespace, taskQueue, address } = session;
    if (options.json) {
      const started = { streamId, workflowId, runId, namespace, taskQueue, searchAttribute };
      io.stdout.write(`${JSON.stringify(started, null, 2)}\n`);
      return;
    }
    const lines = [
      `started stream ${streamId}`,
      `  workflow id  ${workflowId}`,
      `  run id       ${runId}`,
      `  namespace    ${namespace}`,
      `  task queue   ${taskQueue}`,
      '',
      'inspect it with:',
      `  vstream-relay status ${streamId}`,
      ...inspectCommands({ workflowId, address, namespace }).map((command) => `  ${command}`),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  });
}
