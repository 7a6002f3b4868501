import { ApplicationFailure } from '@temporalio/activity';
import { StreamConfigError } from '../config/stream-config.js';
import { RequestConfigError } from '../vstream/request.js';
import { VgtidError } from '../vstream/vgtid.js';
import { SecretResolutionError } from '../worker/secrets.js';
import { FATAL_STREAM_ERROR } from './types.js';

/** Configuration problems: the same input fails the same way on every retry. */
const CONFIG_ERRORS = [StreamConfigError, RequestConfigError, VgtidError, SecretResolutionError];

/** Names the kind of a failure for status and metrics, from our typed errors. */
export function failureKind(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  if (CONFIG_ERRORS.some((type) => err instanceof type)) return 'config';
  const kind = (err as { kind?: unknown; code?: unknown }).kind ?? (err as { code?: unknown }).code;
  if (typeof kind === 'string') return kind;
  return err.name.replace(/Error$/, '').toLowerCase() || 'unknown';
}

/**
 * Whether retrying can fix it. Our error classes say so with `retryable`; anything else (a bug, a dropped
 * connection surfacing as a plain Error) is retried with backoff rather than pausing the stream for good.
 */
export function isRetryable(err: unknown): boolean {
  if (CONFIG_ERRORS.some((type) => err instanceof type)) return false;
  const flag = (err as { retryable?: unknown } | null)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}

/**
 * Fatal errors become non-retryable failures of type FatalStreamError: the workflow pauses on them. Retryable
 * ones keep their message and are retried after `retryDelayMs`.
 */
export function toActivityError(err: unknown, retryDelayMs: number): ApplicationFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (isRetryable(err)) {
    return ApplicationFailure.create({
      message,
      type: err instanceof Error ? err.name : 'Error',
      nonRetryable: false,
      nextRetryDelay: retryDelayMs,
      details: [{ kind: failureKind(err) }],
      cause: err instanceof Error ? err : undefined,
    });
  }
  return ApplicationFailure.create({
    message,
    type: FATAL_STREAM_ERROR,
    nonRetryable: true,
    details: [{ kind: failureKind(err) }],
    cause: err instanceof Error ? err : undefined,
  });
}
