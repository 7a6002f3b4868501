import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { parseStreamConfig, StreamConfigError, type StreamConfig } from '../config/stream-config.js';
import { FATAL_STREAM_ERROR, type RunStreamResult, type StreamActivities } from '../activities/types.js';
import {
  currentVgtidQuery,
  pauseSignal,
  pauseUpdate,
  progressSignal,
  resnapshotUpdate,
  resyncTableUpdate,
  resumeSignal,
  resumeUpdate,
  statusQuery,
  stopSignal,
  streamErrorSignal,
  type ProgressReport,
  type SnapshotStatus,
  type StreamErrorInfo,
  type StreamStatus,
  type StreamWorkflowInput,
} from './definitions.js';
import { renderCurrentDetails } from './current-details.js';

/** Extra time past the run length that a stream activity may take to commit its last batch and return. */
const RUN_GRACE_SECONDS = 600;

function initialStatus(streamId: string): StreamStatus {
  return {
    streamId,
    state: 'starting',
    vgtid: null,
    batchSeq: 0,
    lastCommitAt: null,
    lastSourceCommitAt: null,
    lagSeconds: null,
    rowsApplied: {},
    copy: null,
    activity: { runs: 0, attempt: 0, startedAt: null },
    lastError: null,
    pausedReason: null,
  };
}

/**
 * One stream, forever: runs the stream activity (which consumes VStream and commits batches to Postgres with
 * the position in the same transaction), keeps the latest committed position for queries, pauses and resumes on
 * request, and continues-as-new when the history grows. It never fails away: a fatal error pauses the stream
 * with `lastError` set and the position kept.
 */
export async function vstreamToPostgres(input: StreamWorkflowInput): Promise<StreamStatus> {
  const status: StreamStatus = input.carried?.status ?? initialStatus(String(input.config?.streamId ?? ''));
  let paused = input.carried?.paused ?? false;
  let stopRequested = false;
  let activityScope: CancellationScope | undefined;
  let activityRunning = false;
  const snapshot: SnapshotStatus = (status.snapshot ??= {
    generation: 0,
    resnapshotRequested: null,
    resyncRequested: [],
    resyncing: [],
    resynced: [],
  });

  const refreshDetails = () => setCurrentDetails(renderCurrentDetails(status));
  // Each activity attempt counts its copy from zero; `status` adds them up across attempts and runs.
  let copyBase: { key: string; copy: NonNullable<StreamStatus['copy']> } | undefined;
  const mergeCopy = (report: ProgressReport): StreamStatus['copy'] => {
    if (report.copy === null) return status.copy;
    const key = `${status.activity.runs}:${report.attempt}`;
    if (copyBase?.key !== key) {
      const before = status.copy ?? { inProgress: true, tablesDone: [], rowsCopied: {} };
      copyBase = {
        key,
        copy: { ...before, tablesDone: [...before.tablesDone], rowsCopied: { ...before.rowsCopied } },
      };
    }
    const rowsCopied = { ...copyBase.copy.rowsCopied };
    for (const [table, rows] of Object.entries(report.copy.rowsCopied)) {
      rowsCopied[table] = (rowsCopied[table] ?? 0) + rows;
    }
    const tablesDone = report.copy.inProgress
      ? [...new Set([...copyBase.copy.tablesDone, ...report.copy.tablesDone])].sort()
      : Object.keys(rowsCopied).sort();
    return { inProgress: report.copy.inProgress, tablesDone, rowsCopied };
  };
  const applyProgress = (report: ProgressReport) => {
    // Reports from an older attempt can arrive late; the position only moves forward. A report of the same
    // batch (a run's final report repeats its last one) refreshes lag but must not count rows twice.
    if (report.batchSeq < status.batchSeq) return;
    const newBatches = report.batchSeq > status.batchSeq;
    status.vgtid = report.vgtid;
    status.batchSeq = report.batchSeq;
    status.lastCommitAt = report.lastCommitAt;
    status.lastSourceCommitAt = report.lastSourceCommitAt ?? status.lastSourceCommitAt;
    status.lagSeconds = report.lagSeconds;
    status.copy = mergeCopy(report);
    status.activity.attempt = report.attempt;
    if (report.warning !== undefined) status.warning = report.warning;
    if (report.snapshotGeneration !== undefined) {
      snapshot.generation = Math.max(snapshot.generation, report.snapshotGeneration);
      if (snapshot.resnapshotRequested !== null && snapshot.generation >= snapshot.resnapshotRequested) {
        snapshot.resnapshotRequested = null;
      }
    }
    if (report.resyncing !== undefined) {
      const completed = report.resyncsCompleted ?? [];
      snapshot.resyncing = report.resyncing;
      snapshot.resyncRequested = snapshot.resyncRequested.filter(
        (t) => !report.resyncing!.includes(t) && !completed.includes(t),
      );
      for (const table of completed) snapshot.resynced.push({ table, at: report.lastCommitAt });
      snapshot.resynced.splice(0, Math.max(0, snapshot.resynced.length - 20));
    }
    for (const [table, counters] of newBatches ? Object.entries(report.rowsApplied) : []) {
      const total = (status.rowsApplied[table] ??= { insert: 0, update: 0, delete: 0 });
      total.insert += counters.insert;
      total.update += counters.update;
      total.delete += counters.delete;
    }
    if (status.state === 'waiting-after-error' || status.state === 'starting') {
      status.state = 'running';
      status.lastError = null;
    }
    refreshDetails();
  };
  const requestPause = (reason: string | null | undefined) => {
    paused = true;
    status.pausedReason = reason ?? 'paused by operator';
    if (status.state !== 'stopped') status.state = activityRunning ? 'stopping' : 'paused';
    activityScope?.cancel();
    refreshDetails();
  };
  const requestResume = () => {
    paused = false;
    status.pausedReason = null;
    if (status.state === 'paused') status.state = 'starting';
    refreshDetails();
  };

  // Every handler is registered before the first await, so no signal, update or query is ever dropped.
  setHandler(pauseSignal, requestPause);
  setHandler(resumeSignal, requestResume);
  setHandler(stopSignal, () => {
    stopRequested = true;
    status.state = 'stopping';
    activityScope?.cancel();
    refreshDetails();
  });
  setHandler(progressSignal, applyProgress);
  setHandler(streamErrorSignal, (error) => {
    status.lastError = error;
    if (activityRunning && status.state !== 'stopping') status.state = 'waiting-after-error';
    refreshDetails();
  });
  setHandler(pauseUpdate, async (reason) => {
    requestPause(reason);
    await condition(() => !activityRunning);
    return status;
  });
  setHandler(resumeUpdate, async () => {
    requestResume();
    return status;
  });
  // Both restart the activity run (at a commit boundary) so the next run starts with the request.
  setHandler(
    resnapshotUpdate,
    async () => {
      snapshot.resnapshotRequested = snapshot.generation + 1;
      snapshot.resyncRequested = [];
      status.vgtid = null;
      status.copy = null;
      status.lastError = null;
      requestResume();
      activityScope?.cancel();
      refreshDetails();
      return status;
    },
    {
      validator: () => {
        if (stopRequested) throw new Error('the stream is stopping');
      },
    },
  );
  setHandler(
    resyncTableUpdate,
    async (table) => {
      const label = qualifiedTable(table);
      if (!snapshot.resyncRequested.includes(label) && !snapshot.resyncing.includes(label)) {
        snapshot.resyncRequested.push(label);
        activityScope?.cancel();
      }
      refreshDetails();
      return status;
    },
    {
      validator: (table) => {
        if (stopRequested) throw new Error('the stream is stopping');
        if (snapshot.resnapshotRequested !== null)
          throw new Error('a resnapshot is pending; it copies every table');
        if (status.vgtid === null || status.copy?.inProgress === true) {
          throw new Error('the initial copy has not finished; resync a table once it has');
        }
        qualifiedTable(table);
      },
    },
  );
  setHandler(currentVgtidQuery, () => status.vgtid);
  setHandler(statusQuery, () => status);

  let config: StreamConfig;
  try {
    config = parseStreamConfig(input.config);
  } catch (err) {
    if (err instanceof StreamConfigError) {
      throw ApplicationFailure.nonRetryable(err.message, 'StreamConfigError', err.problems);
    }
    throw err;
  }
  status.streamId = config.streamId;
  const keyspaceNames = config.source.keyspaces.map((k) => k.name);
  function qualifiedTable(table: string): string {
    const dot = table.indexOf('.');
    if (dot > 0 && keyspaceNames.includes(table.slice(0, dot)) && dot < table.length - 1) return table;
    if (dot < 0 && table !== '' && keyspaceNames.length === 1) return `${keyspaceNames[0]}.${table}`;
    throw new Error(
      `name the table as keyspace.table with one of this stream's keyspaces (${keyspaceNames.join(', ')}), got ${JSON.stringify(table)}`,
    );
  }

  const { runStream } = proxyActivities<StreamActivities>({
    // Stated explicitly: an unset cancellationType reaches the server as TRY_CANCEL in SDK 1.24, which would let
    // a pause report "paused" while the activity is still writing. We must wait for it to stop.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    startToCloseTimeout: `${config.run.activityRunSeconds + RUN_GRACE_SECONDS}s`,
    heartbeatTimeout: `${config.run.heartbeatTimeoutSeconds}s`,
    // Retryable failures (vtgate or Postgres down, broken streams) retry forever (no maximumAttempts) with capped
    // exponential backoff.
    retry: {
      initialInterval: `${config.run.retryInitialSeconds}s`,
      maximumInterval: `${config.run.retryMaxSeconds}s`,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: [FATAL_STREAM_ERROR],
    },
    summary: `stream ${config.streamId}`,
  });

  refreshDetails();
  let quickEnds = 0;
  for (;;) {
    if (paused && !stopRequested) {
      status.state = 'paused';
      refreshDetails();
      await condition(() => !paused || stopRequested);
    }
    if (stopRequested) break;
    if (workflowInfo().continueAsNewSuggested) break;

    status.state = status.lastError ? 'waiting-after-error' : 'running';
    status.activity.runs += 1;
    status.activity.startedAt = new Date().toISOString();
    refreshDetails();
    activityRunning = true;
    const runStartedAt = Date.now();
    let result: RunStreamResult | undefined;
    try {
      result = await CancellationScope.cancellable(async () => {
        activityScope = CancellationScope.current();
        const run = runStream({
          config: input.config,
          known: { vgtid: status.vgtid, batchSeq: status.batchSeq },
          ...(snapshot.resnapshotRequested !== null ? { resnapshot: snapshot.resnapshotRequested } : {}),
          ...(snapshot.resyncRequested.length > 0 ? { resync: [...snapshot.resyncRequested] } : {}),
        });
        // Drain for continue-as-new as soon as the server suggests it, instead of at the end of the run.
        // (The watcher is cancelled with the scope when the run ends first; that rejection is expected.)
        condition(() => workflowInfo().continueAsNewSuggested).then(
          () => activityScope?.cancel(),
          () => undefined,
        );
        return await run;
      });
    } catch (err) {
      if (!isCancellation(err)) {
        const failure = describeFailure(err);
        log.error('stream activity failed for good; pausing the stream', { error: failure.message });
        status.lastError = failure;
        paused = true;
        status.pausedReason = `error: ${failure.message}`;
      }
    } finally {
      activityRunning = false;
      activityScope = undefined;
    }
    if (result?.final) applyProgress(result.final);
    if (result?.reason === 'source-ended' && patched('backoff-after-source-end')) {
      // vtgate ended the call cleanly. Reconnect at once after a long run; after runs that ended quickly, back
      // off like a retry, so that a vtgate ending every call at once cannot make us spin.
      quickEnds = Date.now() - runStartedAt < 60_000 ? quickEnds + 1 : 0;
      const delayMs = Math.min(
        config.run.retryMaxSeconds * 1000,
        config.run.retryInitialSeconds * 1000 * 2 ** Math.max(0, quickEnds - 1),
      );
      log.info('VStream ended; reconnecting', { quickEnds, delayMs: quickEnds > 0 ? delayMs : 0 });
      if (quickEnds > 0) await condition(() => paused || stopRequested, delayMs);
    }
  }

  status.state = stopRequested ? 'stopped' : status.state;
  refreshDetails();
  await condition(allHandlersFinished);
  if (!stopRequested) {
    return await continueAsNew<typeof vstreamToPostgres>({
      config: input.config,
      carried: { status, paused },
    });
  }
  return status;
}

function describeFailure(err: unknown): StreamErrorInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  let kind = 'unknown';
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { kind?: string } | undefined;
    kind = details?.kind ?? cause.type ?? 'unknown';
  }
  return { message, kind, retryable: false, at: new Date().toISOString() };
}
