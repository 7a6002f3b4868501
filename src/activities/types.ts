import type { StreamConfigInput } from '../config/stream-config.js';
import type { ProgressReport, VgtidJsonValue } from '../workflows/definitions.js';

/** Input of one run of the stream activity. */
export interface RunStreamInput {
  config: StreamConfigInput;
  /** The position the workflow knows (from progress reports), to cross-check against the sink's checkpoint. */
  known: { vgtid: VgtidJsonValue | null; batchSeq: number };
  /** Start over from a fresh copy unless the sink has done this resnapshot generation already. */
  resnapshot?: number;
  /** Tables (`keyspace.table`) to re-copy while the stream goes on, unless already resyncing. */
  resync?: string[];
}

/** Why a run ended without an error. */
export type RunEndReason = 'run-time-elapsed' | 'cancelled' | 'source-ended' | 'worker-shutdown' | 'reshard';

export interface RunStreamResult {
  reason: RunEndReason;
  /** Final committed position (also sent as a progress report). */
  final: ProgressReport | null;
}

/** The error type name of failures that retrying cannot fix; the workflow pauses on them. */
export const FATAL_STREAM_ERROR = 'FatalStreamError';

export interface StreamActivities {
  runStream(input: RunStreamInput): Promise<RunStreamResult>;
}
