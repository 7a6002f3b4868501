// Test vtgate: a VStream server that behaves like Vitess's vtgate, for tests, the demo and benchmarks.
// See README.md in this folder for what it models and what it does not.
export {
  startTestVtgate,
  VSTREAM_SERVICE,
  type StaticAuthEntry,
  type TestVtgate,
  type TestVtgateHooks,
  type TestVtgateOptions,
  type TlsOptions,
} from './server.js';
export type {
  DdlOp,
  KeyspaceDef,
  ReshardResult,
  ReshardSpec,
  RowInput,
  ShardPosition,
  TxnOp,
  TxnResult,
} from './cluster.js';
export type { ColumnDef, TableDef } from './schema.js';
export type { BreakSpec, FaultController } from './faults.js';
export type { CopyBatchInfo } from './tablet-stream.js';
export type { GtidFlavor } from './gtid.js';
export { DataError, VtgateError } from './errors.js';
export { keyspaceId, parseKeyRange } from './keyspace-id.js';
export { parseScript, runScript, type ScriptStep } from './script.js';
export {
  WORKLOAD_TABLES,
  WorkloadGenerator,
  mulberry32,
  runWorkload,
  workloadKeyspace,
  type RunningWorkload,
  type WorkloadGeneratorOptions,
  type WorkloadMix,
  type WorkloadOptions,
  type WorkloadStats,
} from './workload.js';
