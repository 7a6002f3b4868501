// How the CLI presents a stream workflow to Temporal: summary, search attribute, visibility query, and the
// `temporal` CLI commands that inspect it. Pure helpers.
import { isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { StreamConfig } from '../config/stream-config.js';
import { STREAM_WORKFLOW_TYPE } from '../workflows/definitions.js';

/** Lets operators find a stream's runs in the UI (`VStreamId = "orders"`); optional on the server. */
export const VSTREAM_ID_SEARCH_ATTRIBUTE = defineSearchAttributeKey('VStreamId', SearchAttributeType.KEYWORD);

/** Temporal caps the static summary at 200 bytes. */
const SUMMARY_MAX_BYTES = 200;

/** One line for the Temporal UI's workflow list: `vstream orders: commerce, customer → postgres (mirror)`. */
export function streamSummary(config: StreamConfig): string {
  const keyspaces = config.source.keyspaces.map((k) =>
    k.shards ? `${k.name}/${k.shards.join(',')}` : k.name,
  );
  const summary = `vstream ${config.streamId}: ${keyspaces.join(', ')} → postgres (${config.sink.mode})`;
  return truncateUtf8(summary, SUMMARY_MAX_BYTES);
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > maxBytes) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The visibility query behind `list`. */
export function streamListQuery(all: boolean): string {
  const byType = `WorkflowType = '${STREAM_WORKFLOW_TYPE}'`;
  return all ? byType : `${byType} AND ExecutionStatus = 'Running'`;
}

/** The stream id of a listed workflow: its search attribute when set, else the workflow id minus `vstream-`. */
export function streamIdOf(workflowId: string, searchAttribute: unknown): string {
  return typeof searchAttribute === 'string' && searchAttribute !== ''
    ? searchAttribute
    : workflowId.replace(/^vstream-/, '');
}

/** The server refused the start because the namespace does not define the search attribute. */
export function isUnknownSearchAttributeError(err: unknown): boolean {
  const INVALID_ARGUMENT = 3;
  for (let e = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && e.code === INVALID_ARGUMENT && /search attribute/i.test(e.details))
      return true;
  }
  return false;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_.:/=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `temporal` CLI commands that show the workflow, with the connection spelled out so they can be pasted. */
export function inspectCommands(target: {
  workflowId: string;
  address: string;
  namespace: string;
}): string[] {
  const where = `--address ${shellQuote(target.address)} --namespace ${shellQuote(target.namespace)}`;
  const workflow = `--workflow-id ${shellQuote(target.workflowId)}`;
  return [
    `temporal workflow describe ${where} ${workflow}`,
    `temporal workflow query ${where} ${workflow} --name status`,
    `temporal workflow show ${where} ${workflow}`,
  ];
}
