// The stream workflow's public contract: its name, input, signals, updates and queries. The CLI, tests and the
// workflow all import these, so names never drift. (Deterministic code only: the workflow bundle includes it.)
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { StreamConfigInput } from '../config/stream-config.js';

export const STREAM_WORKFLOW_TYPE = 'vstreamToPostgres';

/** Vitess VGTID JSON (`{"shard_gtids":[…]}`), as stored in the checkpoint. */
export type VgtidJsonValue = { shard_gtids: unknown[] };

export type StreamState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'waiting-after-error';

export interface TableCounters {
  insert: number;
  update: number;
  delete: number;
}

export interface StreamErrorInfo {
  message: string;
  /** e.g. `unavailable`, `auth`, `position`, `schema`, `fenced`, `decode`, `config`. */
  kind: string;
  retryable: boolean;
  at: string;
}

/** What `status` returns (and what the Temporal UI's current details summarise). */
export interface StreamStatus {
  streamId: string;
  state: StreamState;
  /** The last committed position, as stored in the sink's checkpoint. */
  vgtid: VgtidJsonValue | null;
  batchSeq: number;
  /** When the last batch was committed in Postgres (ISO time). */
  lastCommitAt: string | null;
  /** Source commit time of the newest applied transaction (ISO time). */
  lastSourceCommitAt: string | null;
  /** Replication lag at the last progress report, seconds. */
  lagSeconds: number | null;
  /** Rows applied per `keyspace.table` and operation, since the stream started. */
  rowsApplied: Record<string, TableCounters>;
  copy: { inProgress: boolean; tablesDone: string[]; rowsCopied: Record<string, number> } | null;
  activity: { runs: number; attempt: number; startedAt: string | null };
  lastError: StreamErrorInfo | null;
  pausedReason: string | null;
  /** Resnapshots and per-table resyncs (absent in streams started before they existed). */
  snapshot?: SnapshotStatus;
  /** Something looks wrong although nothing failed, e.g. only heartbeats for a long time (throttling?). */
  warning?: string | null;
}

export interface SnapshotStatus {
  /** Resnapshots done. */
  generation: number;
  /** A resnapshot asked for and not yet started by the sink: this generation. */
  resnapshotRequested: number | null;
  /** Tables (`keyspace.table`) asked to resync, not yet started by the sink. */
  resyncRequested: string[];
  /** Tables being copied again into staging tables. */
  resyncing: string[];
  /** Finished resyncs, newest last (at most 20 kept). */
  resynced: { table: string; at: string }[];
}

/** Input of the workflow: the config, plus the state carried across continue-as-new. */
export interface StreamWorkflowInput {
  config: StreamConfigInput;
  /** Present only on continued runs. */
  carried?: CarriedState;
}

export interface CarriedState {
  status: StreamStatus;
  paused: boolean;
}

/** What the stream activity reports to its workflow while it runs (throttled) and when it returns. */
export interface ProgressReport {
  vgtid: VgtidJsonValue;
  batchSeq: number;
  lastCommitAt: string;
  lastSourceCommitAt: string | null;
  lagSeconds: number | null;
  /** Rows applied since the previous report, per `keyspace.table` and op. */
  rowsApplied: Record<string, TableCounters>;
  copy: StreamStatus['copy'];
  attempt: number;
  /** Resnapshots the sink has done. */
  snapshotGeneration?: number;
  /** Tables resyncing after the reported batch. */
  resyncing?: string[];
  /** Tables whose resync finished since the previous report. */
  resyncsCompleted?: string[];
  warning?: string | null;
}

export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const stopSignal = defineSignal<[]>('stop');
/** Sent by the stream activity to its own workflow; not meant for operators. */
export const progressSignal = defineSignal<[ProgressReport]>('progress');
/** Sent by the stream activity before it fails with a retryable error, so status shows why it is waiting. */
export const streamErrorSignal = defineSignal<[StreamErrorInfo]>('streamError');

/** Pauses and returns once the activity has really stopped, with the final position. */
export const pauseUpdate = defineUpdate<StreamStatus, [reason: string | null]>('pause');
export const resumeUpdate = defineUpdate<StreamStatus, []>('resume');
/**
 * Starts the stream over from a fresh copy of its tables (after purged binlogs, or a restored target): the mirror
 * tables are emptied and copied again, the changelog keeps its history. Resumes a paused stream.
 */
export const resnapshotUpdate = defineUpdate<StreamStatus, []>('resnapshot');
/**
 * Copies one table (`keyspace.table`, or the bare name when the stream has one keyspace) again while the others
 * keep streaming; its mirror is replaced atomically when the copy has caught up.
 */
export const resyncTableUpdate = defineUpdate<StreamStatus, [table: string]>('resyncTable');

export const currentVgtidQuery = defineQuery<VgtidJsonValue | null>('currentVgtid');
export const statusQuery = defineQuery<StreamStatus>('status');
