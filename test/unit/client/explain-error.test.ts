import {
  ApplicationFailure,
  CancelledFailure,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  ServiceError,
  TerminatedFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../../src/client/errors.js';
import { explainFailure, type FailureContext } from '../../../src/client/explain-error.js';
import { isUnknownSearchAttributeError } from '../../../src/client/stream-workflow.js';
import { CallTimeoutError } from '../../../src/client/temporal.js';

const ctx: FailureContext = {
  action: 'pause',
  streamId: 'orders',
  workflowId: 'vstream-orders',
  namespace: 'prod',
  address: 'temporal.internal:7233',
  taskQueue: 'vstream-relay',
};

/** What @grpc/grpc-js rejects with; the SDK wraps it as `cause`. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function message(err: unknown, context: FailureContext = ctx): string {
  const failure = explainFailure(err, context);
  expect(failure.exitCode).toBe(1);
  return failure.message;
}

describe('explainFailure', () => {
  it('workflow not found', () => {
    const err = new WorkflowNotFoundError(
      'workflow not found for ID: vstream-orders',
      'vstream-orders',
      undefined,
    );
    expect(message(err)).toBe('no stream orders (workflow vstream-orders) in namespace prod');
    expect(message(err, { action: 'status', workflowId: 'vstream-orders' })).toBe(
      'no workflow vstream-orders in namespace default',
    );
  });

  it('signal or update to a closed workflow', () => {
    const err = new WorkflowNotFoundError(
      'workflow execution already completed',
      'vstream-orders',
      undefined,
    );
    expect(message(err)).toBe(
      'stream orders is not running (workflow vstream-orders has already closed); see: vstream-relay list --all',
    );
  });

  it('a second start of a running stream', () => {
    const err = new WorkflowExecutionAlreadyStartedError(
      'Workflow execution already started',
      'vstream-orders',
      'vstreamToPostgres',
    );
    expect(message(err, { ...ctx, action: 'start' })).toBe(
      'stream orders is already running; use status/stop (workflow vstream-orders)',
    );
  });

  it('unknown namespace', () => {
    expect(message(new NamespaceNotFoundError('prod'))).toBe(
      'namespace prod does not exist on Temporal at temporal.internal:7233',
    );
  });

  it('an update the workflow refused gives the workflow own reason', () => {
    const err = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({ message: 'stream is already paused' }),
    );
    expect(message(err)).toBe('cannot pause stream orders: stream is already paused');
  });

  it('an update without an answer', () => {
    const err = new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled');
    expect(message(err)).toBe(
      'pause of stream orders got no answer from the workflow; it may still take effect ' +
        '(check with: vstream-relay status orders)',
    );
  });

  it('a query nobody answered', () => {
    expect(message(new CallTimeoutError('the status query', 10_000), { ...ctx, action: 'status' })).toBe(
      'no worker answered the status query of stream orders within 10 s; is one running on task queue vstream-relay?',
    );
  });

  it('a workflow without the query', () => {
    const err = new QueryNotRegisteredError('no such query', 3);
    expect(message(err, { ...ctx, action: 'status' })).toBe(
      'workflow vstream-orders does not answer the status query: not a vstream-relay stream, or its worker is too old',
    );
  });

  it('how a stream ended, for stop --wait', () => {
    const failed = (cause: Error) =>
      new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE);
    const stop = { ...ctx, action: 'stop' };
    expect(message(failed(new TerminatedFailure('reset by operator')), stop)).toBe(
      'stream orders was terminated: reset by operator',
    );
    expect(message(failed(new CancelledFailure('cancelled')), stop)).toBe('stream orders was cancelled');
    const app = ApplicationFailure.create({
      message: 'checkpoint fenced by another stream',
      nonRetryable: true,
    });
    expect(message(failed(app), stop)).toBe('stream orders failed: checkpoint fenced by another stream');
  });

  it('gRPC failures: unreachable, refused credentials, anything else', () => {
    const wrapped = (code: number, details: string) =>
      new ServiceError('Failed to query Workflow', { cause: grpcError(code, details) });
    expect(message(wrapped(14, 'No connection established'))).toBe(
      'cannot reach Temporal at temporal.internal:7233: No connection established',
    );
    expect(message(wrapped(16, 'invalid API key'))).toBe(
      'Temporal at temporal.internal:7233 refused the request (invalid API key); check TEMPORAL_API_KEY and the TLS settings',
    );
    expect(message(wrapped(9, 'Workflow execution closed before WorkflowTaskStarted event'))).toBe(
      'Failed to query Workflow: Workflow execution closed before WorkflowTaskStarted event',
    );
  });

  it("the CLI's own errors keep their message and exit code", () => {
    expect(explainFailure(new UsageError('bad flag'), ctx)).toEqual({ message: 'bad flag', exitCode: 2 });
    expect(explainFailure(new CliError('cannot reach Temporal'), ctx)).toEqual({
      message: 'cannot reach Temporal',
      exitCode: 1,
    });
  });

  it('anything else: its message', () => {
    expect(message(new Error('boom'))).toBe('boom');
    expect(message('a string')).toBe('a string');
  });
});

describe('isUnknownSearchAttributeError', () => {
  it('recognises the server refusing an undefined search attribute', () => {
    const err = new ServiceError('Failed to start Workflow', {
      cause: grpcError(3, 'Namespace default has no mapping defined for search attribute VStreamId'),
    });
    expect(isUnknownSearchAttributeError(err)).toBe(true);
  });

  it('and nothing else', () => {
    const other = new ServiceError('Failed to start Workflow', { cause: grpcError(3, 'invalid task queue') });
    expect(isUnknownSearchAttributeError(other)).toBe(false);
    expect(isUnknownSearchAttributeError(grpcError(14, 'search attribute service unavailable'))).toBe(false);
    expect(isUnknownSearchAttributeError(new Error('search attribute'))).toBe(false);
  });
});
