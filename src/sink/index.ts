/**
 * PostgreSQL sink: applies assembled VStream transactions to Postgres (mirror tables and/or a changelog) with the
 * stream position committed in the same transaction, fenced by a per-stream epoch.
 */
export { PostgresSink } from './postgres-sink.js';
export type { CommitResult, OpenedSink, TableCounts } from './postgres-sink.js';
export type { Checkpoint } from './checkpoint.js';
export { readCheckpoint } from './checkpoint.js';
export { sinkSettingsSchema } from './options.js';
export type { PostgresSinkOptions, SinkSettings } from './options.js';
export { pgClientConfig, pgConnectionSchema } from './connection.js';
export type { PgConnectionOptions } from './connection.js';
export {
  FencedError,
  MissingKeyError,
  SchemaIncompatibleError,
  SinkDatabaseError,
  SinkError,
  SinkOptionsError,
  SinkStateError,
  UnapplicableValueError,
  isRetryableDatabaseError,
} from './errors.js';
export type { SinkErrorCode } from './errors.js';
export { CONTROL_SCHEMA_VERSION } from './control-schema.js';
export { mapColumnType } from './type-mapping.js';
export { pgName } from './identifiers.js';
