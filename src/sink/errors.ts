/**
 * Errors the sink throws. Each says whether retrying can help (`retryable`): the activity that drives the sink
 * recreates it after a retryable error and resumes from the committed checkpoint; any other error pauses the
 * stream for an operator. Messages name the table, column or change, never row values.
 */
export type SinkErrorCode =
  | 'fenced'
  | 'schema_incompatible'
  | 'unapplicable_value'
  | 'missing_key'
  | 'invalid_state'
  | 'invalid_options'
  | 'database';

export abstract class SinkError extends Error {
  abstract readonly code: SinkErrorCode;
  abstract readonly retryable: boolean;
}

/** Another writer claimed the stream (a newer epoch): this one must stop, its open transaction is rolled back. */
export class FencedError extends SinkError {
  override readonly name = 'FencedError';
  readonly code = 'fenced';
  readonly retryable = false;

  constructor(
    readonly streamId: string,
    readonly epoch: number,
  ) {
    super(
      `stream ${JSON.stringify(streamId)}: epoch ${epoch} is no longer current; another writer took over ` +
        `(this writer's changes were rolled back)`,
    );
  }
}

/** A source schema change the mirror cannot follow safely (narrowed type, changed key, unmappable type…). */
export class SchemaIncompatibleError extends SinkError {
  override readonly name = 'SchemaIncompatibleError';
  readonly code = 'schema_incompatible';
  readonly retryable = false;

  constructor(
    /** `keyspace.table` of the source table. */
    readonly table: string,
    /** What changed, e.g. `column price: decimal(10,2) -> varchar(20)`. */
    readonly change: string,
  ) {
    super(`table ${table}: cannot apply schema change: ${change}`);
  }
}

/** A value Postgres cannot hold as-is (NUL in text, year 0, invalid JSON…) under the `fail` value policy. */
export class UnapplicableValueError extends SinkError {
  override readonly name = 'UnapplicableValueError';
  readonly code = 'unapplicable_value';
  readonly retryable = false;

  constructor(
    readonly table: string,
    readonly column: string,
    readonly reason: string,
  ) {
    super(`table ${table}, column ${column}: value cannot be stored in Postgres unaltered: ${reason}`);
  }
}

/** A row whose key cannot be determined (NULL key column, key column missing from the row). */
export class MissingKeyError extends SinkError {
  override readonly name = 'MissingKeyError';
  readonly code = 'missing_key';
  readonly retryable = false;

  constructor(
    readonly table: string,
    reason: string,
  ) {
    super(`table ${table}: ${reason}`);
  }
}

/** The sink was used out of order (commit inside a source transaction, write after a failure, …). */
export class SinkStateError extends SinkError {
  override readonly name = 'SinkStateError';
  readonly code = 'invalid_state';
  readonly retryable = false;
}

export class SinkOptionsError extends SinkError {
  override readonly name = 'SinkOptionsError';
  readonly code = 'invalid_options';
  readonly retryable = false;
}

/** A Postgres or network failure; `retryable` comes from the SQLSTATE class or the socket error. */
export class SinkDatabaseError extends SinkError {
  override readonly name = 'SinkDatabaseError';
  readonly code = 'database';
  readonly retryable: boolean;
  /** SQLSTATE when Postgres answered, else the Node error code (ECONNRESET…), else undefined. */
  readonly sqlState: string | undefined;

  constructor(message: string, cause: unknown) {
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.sqlState = errorCode(cause);
    this.retryable = isRetryableDatabaseError(cause);
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

// SQLSTATEs worth a retry from a fresh connection: connection loss, serialization/deadlock, resource
// exhaustion, server shutdown or restart, lock timeout (a zombie writer still holding the checkpoint row).
const RETRYABLE_SQLSTATE_CLASSES = ['08', '53', '58'];
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '57014']);
const RETRYABLE_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True for errors where a new connection and a replay from the checkpoint can succeed. */
export function isRetryableDatabaseError(err: unknown): boolean {
  if (err instanceof SinkError) return err.retryable;
  const code = errorCode(err);
  if (code !== undefined) {
    if (RETRYABLE_NODE_CODES.has(code) || RETRYABLE_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return RETRYABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2));
  }
  // node-postgres reports a dropped socket with plain Errors and no code.
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout/i.test(
    message,
  );
}

/** Wraps anything that is not already a SinkError, so callers only ever see SinkErrors. */
export function asSinkError(err: unknown, context: string): SinkError {
  return err instanceof SinkError ? err : new SinkDatabaseError(context, err);
}
