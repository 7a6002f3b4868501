// Turns whatever a command threw into one clear line for stderr and an exit code. Pure, so it is unit-tested
// with constructed SDK errors.
import {
  CancelledFailure,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { CliError, EXIT_FAILURE } from './errors.js';
import { CallTimeoutError } from './temporal.js';

export interface FailureContext {
  /** What the user asked for: `start`, `pause`, `resume`, `stop`, `status`, `list`. */
  action: string;
  streamId?: string;
  workflowId?: string;
  namespace?: string;
  address?: string;
  taskQueue?: string;
}

export interface Failure {
  message: string;
  exitCode: number;
}

/** gRPC status codes the messages below distinguish. */
const GRPC = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** `err`, its cause, the cause's cause… (bounded: causes can be cyclic). */
export function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e = err;
    e !== undefined && e !== null && chain.length < 10;
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e);
  }
  return chain;
}

/** The innermost useful message: Temporal failures nest the application's own error as `cause`. */
function rootMessage(err: unknown): string {
  const messages = causeChain(err)
    .filter((e): e is Error => e instanceof Error && e.message !== '')
    .map((e) => e.message);
  return messages.at(-1) ?? String(err);
}

function streamName(ctx: FailureContext): string {
  return ctx.streamId === undefined ? `workflow ${ctx.workflowId ?? '?'}` : `stream ${ctx.streamId}`;
}

function workflowName(ctx: FailureContext, err?: { workflowId?: string }): string {
  return ctx.workflowId ?? err?.workflowId ?? '?';
}

function namespaceName(ctx: FailureContext): string {
  return ctx.namespace ?? 'default';
}

function explainTemporal(err: unknown, ctx: FailureContext): string | undefined {
  const stream = streamName(ctx);
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return `${stream} is already running; use status/stop (workflow ${workflowName(ctx, err)})`;
  }
  if (err instanceof WorkflowNotFoundError) {
    const workflowId = workflowName(ctx, err);
    if (/already completed/i.test(err.message)) {
      return `${stream} is not running (workflow ${workflowId} has already closed); see: vstream-relay list --all`;
    }
    const which =
      ctx.streamId === undefined
        ? `workflow ${workflowId}`
        : `stream ${ctx.streamId} (workflow ${workflowId})`;
    return `no ${which} in namespace ${namespaceName(ctx)}`;
  }
  if (err instanceof NamespaceNotFoundError) {
    return `namespace ${err.namespace} does not exist on Temporal at ${ctx.address ?? '?'}`;
  }
  if (err instanceof WorkflowUpdateFailedError) {
    return `cannot ${ctx.action} ${stream}: ${rootMessage(err.cause ?? err)}`;
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    const check = ctx.streamId === undefined ? '' : ` (check with: vstream-relay status ${ctx.streamId})`;
    return `${ctx.action} of ${stream} got no answer from the workflow; it may still take effect${check}`;
  }
  if (err instanceof CallTimeoutError) {
    const queue = ctx.taskQueue === undefined ? '' : ` on task queue ${ctx.taskQueue}`;
    return `no worker answered ${err.what} of ${stream} within ${err.timeoutMs / 1000} s; is one running${queue}?`;
  }
  if (err instanceof QueryNotRegisteredError) {
    return `workflow ${workflowName(ctx)} does not answer the ${ctx.action} query: not a vstream-relay stream, or its worker is too old`;
  }
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof TerminatedFailure) return `${stream} was terminated: ${cause.message}`;
    if (cause instanceof CancelledFailure) return `${stream} was cancelled`;
    if (cause instanceof TimeoutFailure) return `${stream} timed out`;
    return `${stream} failed: ${rootMessage(cause ?? err)}`;
  }
  return undefined;
}

function explainGrpc(err: unknown, ctx: FailureContext): string | undefined {
  const grpc = causeChain(err).find(isGrpcServiceError);
  if (!grpc) return undefined;
  const address = ctx.address ?? 'the Temporal server';
  switch (grpc.code) {
    case GRPC.UNAVAILABLE:
      return `cannot reach Temporal at ${address}: ${grpc.details}`;
    case GRPC.UNAUTHENTICATED:
    case GRPC.PERMISSION_DENIED:
      return `Temporal at ${address} refused the request (${grpc.details}); check TEMPORAL_API_KEY and the TLS settings`;
    case GRPC.DEADLINE_EXCEEDED:
      return `Temporal at ${address} did not answer in time (${grpc.details})`;
    default: {
      const outer = err instanceof Error && err !== grpc ? `${err.message}: ` : '';
      return `${outer}${grpc.details || grpc.message}`;
    }
  }
}

/** The message and exit code for a failed command. */
export function explainFailure(err: unknown, ctx: FailureContext): Failure {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  const message = explainTemporal(err, ctx) ?? explainGrpc(err, ctx) ?? rootOrOwnMessage(err);
  return { message, exitCode: EXIT_FAILURE };
}

function rootOrOwnMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
