import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { parseStreamConfig, type StreamConfig } from '../config/stream-config.js';
import type { StreamItem } from '../vstream/events.js';
import { buildVStreamRequest } from '../vstream/request.js';
import { streamChanges } from '../vstream/stream.js';
import type { StreamMetrics } from '../worker/metrics.js';
import type { SecretResolver } from '../worker/secrets.js';
import { progressSignal, streamErrorSignal, type ProgressReport } from '../workflows/definitions.js';
import { failureKind, isRetryable, toActivityError } from './failures.js';
import { ProgressTracker, type CommittedBatch } from './progress.js';
import { connectVtgate, startPosition, streamSource } from './source.js';
import { TimedIterator } from './timed-iterator.js';
import type { RunEndReason, RunStreamInput, RunStreamResult } from './types.js';

/** What the activity needs from the Postgres sink (src/sink). */
export interface ChangeSink {
  /** The committed position at claim time, or null for a new stream (or one starting over). */
  readonly checkpoint: { vgtid: ProgressReport['vgtid']; batchSeq: number; committedAt: string } | null;
  /** Snapshot bookkeeping of the committed checkpoint. */
  readonly snapshot: SnapshotState;
  /** Starts over from a fresh copy unless `generation` is done; empties the mirrors `copied` selects. */
  resnapshot(generation: number, copied: (table: string) => boolean): Promise<void>;
  /** Starts re-copying these tables (`keyspace.table`) into staging tables; no-op for those under way. */
  startResync(tables: readonly string[]): Promise<void>;
  write(item: StreamItem): Promise<void>;
  /** True at a source-transaction boundary with applied-but-uncommitted work. */
  hasUncommitted(): boolean;
  /** True when the batch passed its row/byte/age limits. */
  shouldCommit(): boolean;
  /** True between a `begin` and its `commit`: committing now would split a source transaction. */
  insideTransaction(): boolean;
  commit(): Promise<CommittedBatch | null>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface SnapshotState {
  /** Resnapshots done so far. */
  generation: number;
  /** Tables (`keyspace.table`) being resynced. */
  resyncing: string[];
  /** The initial (or latest re-) copy has finished. */
  copyDone: boolean;
}

export type OpenSink = (config: StreamConfig, log: Logger) => Promise<ChangeSink>;

export interface StreamActivityDeps {
  openSink: OpenSink;
  resolveSecret: SecretResolver;
  logger: Logger;
  metrics: StreamMetrics;
  /** Aborted when the worker starts shutting down: runs commit at the next boundary and return at once. */
  workerShutdown?: AbortSignal;
}

/**
 * One run of a stream: claim the sink (new fencing epoch), open VStream at the committed position, apply items
 * in batches that only ever end at source-transaction boundaries, heartbeat on a timer, report progress to the
 * workflow, and return after the configured run time (or on cancellation) with the final committed position.
 */
export async function runStream(input: RunStreamInput, deps: StreamActivityDeps): Promise<RunStreamResult> {
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  let log = deps.logger.child({ activityId: ctx.info.activityId, attempt });
  let sink: ChangeSink | undefined;
  let progress: ProgressTracker | undefined;
  try {
    const config = parseStreamConfig(input.config);
    log = log.child({ streamId: config.streamId });
    sink = await deps.openSink(config, log);
    if (input.resnapshot !== undefined && input.resnapshot > sink.snapshot.generation) {
      const copied = copiedTables(config);
      await sink.resnapshot(input.resnapshot, copied);
      log.warn({ generation: input.resnapshot }, 'resnapshot: mirrors emptied, copying again from scratch');
    }
    if (input.resync !== undefined && input.resync.length > 0) await sink.startResync(input.resync);
    const start = startPosition(config, sink.checkpoint, input.known, sink.snapshot);
    log.info({ start: start.kind === 'vgtid' ? start.vgtid.serialize() : start.kind }, 'stream run starting');
    progress = new ProgressTracker(
      config.run.progressIntervalSeconds * 1000,
      attempt,
      sink.checkpoint,
      sink.snapshot,
    );
    const reason = await consume(config, sink, progress, start, deps, log);
    const final = progress.take(true);
    if (final) await reportProgress(final);
    log.info({ reason, batchSeq: progress.position?.batchSeq }, 'stream run ended');
    return { reason, final };
  } catch (err) {
    await sink?.rollback().catch(() => undefined);
    const final = progress?.take(true);
    if (final) await reportProgress(final).catch(() => undefined);
    if (ctx.cancellationSignal.aborted && isRetryable(err)) {
      // Cancelled while failing: the position is committed; nothing more to say.
      return { reason: 'cancelled', final: final ?? null };
    }
    log.error({ err, retryable: isRetryable(err) }, 'stream run failed');
    deps.metrics.failures.inc({
      stream: streamIdOf(input),
      kind: failureKind(err),
      retryable: String(isRetryable(err)),
    });
    if (failureKind(err) === 'fenced') deps.metrics.fencedWrites.inc({ stream: streamIdOf(input) });
    if (isRetryable(err)) {
      await ctx.client.workflow
        .getHandle(workflowIdOf(ctx))
        .signal(streamErrorSignal, {
          message: err instanceof Error ? err.message : String(err),
          kind: failureKind(err),
          retryable: true,
          at: new Date().toISOString(),
        })
        .catch(() => undefined);
    }
    throw toActivityError(err, retryDelayMs(input, attempt));
  } finally {
    await sink?.close().catch(() => undefined);
  }
}

/**
 * Capped exponential backoff with ±20 % jitter for the next attempt (Temporal's own retry delays have no jitter,
 * and many streams failing together, e.g. when vtgate restarts, should not reconnect in lockstep).
 */
function retryDelayMs(input: RunStreamInput, attempt: number): number {
  const run =
    (input.config as { run?: { retryInitialSeconds?: number; retryMaxSeconds?: number } }).run ?? {};
  const initialMs = (run.retryInitialSeconds ?? 1) * 1000;
  const maxMs = (run.retryMaxSeconds ?? 60) * 1000;
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/** Which mirror tables a resnapshot copies again (and so empties first). */
function copiedTables(config: StreamConfig): (table: string) => boolean {
  const only = config.snapshot.mode === 'tables' ? config.snapshot.tables : undefined;
  if (only === undefined) return () => true;
  return (label) => only.some((t) => label === t || label.endsWith(`.${t}`));
}

function streamIdOf(input: RunStreamInput): string {
  return String((input.config as { streamId?: unknown }).streamId ?? 'unknown');
}

function workflowIdOf(ctx: Context): string {
  const execution = ctx.info.workflowExecution;
  if (!execution) throw new Error('the stream activity must run inside its stream workflow');
  return execution.workflowId;
}

async function reportProgress(report: ProgressReport): Promise<void> {
  const ctx = Context.current();
  // No run id: after a continue-as-new the signal still reaches the stream's current run.
  await ctx.client.workflow.getHandle(workflowIdOf(ctx)).signal(progressSignal, report);
}

async function consume(
  config: StreamConfig,
  sink: ChangeSink,
  progress: ProgressTracker,
  start: ReturnType<typeof startPosition>,
  deps: StreamActivityDeps,
  log: Logger,
): Promise<RunEndReason> {
  const ctx = Context.current();
  const cancelled = ctx.cancellationSignal;
  const deadline = Date.now() + config.run.activityRunSeconds * 1000;
  const maxDelayMs = config.sink.batch.maxDelayMs;
  const heartbeatEveryMs = Math.min(5_000, (config.run.heartbeatTimeoutSeconds * 1000) / 3);
  const idleLimitMs = config.source.heartbeatIntervalSeconds * 1000 * config.run.idleReconnectIntervals;

  const metrics = deps.metrics;
  const stream = config.streamId;
  metrics.reconnects.inc({ stream });
  const heartbeat = () => ctx.heartbeat(progress.heartbeatDetails());
  const heartbeatTimer = setInterval(heartbeat, heartbeatEveryMs);
  heartbeat();

  const connection = connectVtgate(config, deps.resolveSecret, (m) => log.warn(m));
  const streamAbort = new AbortController();
  const onCancel = () => streamAbort.abort();
  cancelled.addEventListener('abort', onCancel, { once: true });
  const startedAt = Date.now();
  let lastReceiveAt = startedAt;
  let received = false;
  let lastDataAt = startedAt;
  const heartbeatOnlyMs = config.run.heartbeatOnlyWarningSeconds * 1000;
  const items = new TimedIterator(
    streamChanges(connection, buildVStreamRequest(streamSource(config, start, sink.snapshot), start), {
      zeroDate: config.policies.zeroDate,
      invalidText: config.policies.invalidText,
      undecodableRows: config.policies.badRows,
      signal: streamAbort.signal,
      onReceive: () => {
        received = true;
        lastReceiveAt = Date.now();
        metrics.eventReceived(stream, lastReceiveAt);
      },
    })[Symbol.asyncIterator](),
  );
  let batchStartedAt: number | undefined;

  const commit = async () => {
    const endTimer = metrics.batchSeconds.startTimer({ stream });
    const batch = await sink.commit();
    batchStartedAt = undefined;
    if (!batch) return;
    endTimer();
    metrics.batches.inc({ stream });
    for (const [table, c] of Object.entries(batch.rows)) {
      for (const op of ['insert', 'update', 'delete'] as const) {
        if (c[op] > 0) metrics.rowsApplied.inc({ stream, table, op }, c[op]);
      }
    }
    progress.committed(batch);
    const lag = progress.lagSeconds;
    if (lag !== null) metrics.lagSeconds.set({ stream }, lag);
    const report = progress.take();
    if (report) await reportProgress(report);
  };

  try {
    for (;;) {
      const shuttingDown = deps.workerShutdown?.aborted ?? false;
      const stopping = cancelled.aborted || shuttingDown || Date.now() >= deadline;
      if (stopping && !sink.insideTransaction()) {
        if (sink.hasUncommitted()) await commit();
        if (cancelled.aborted) return 'cancelled';
        return shuttingDown ? 'worker-shutdown' : 'run-time-elapsed';
      }
      const waitMs =
        batchStartedAt === undefined
          ? heartbeatEveryMs
          : Math.max(0, batchStartedAt + maxDelayMs - Date.now());
      const next = await items.next(Math.min(waitMs, heartbeatEveryMs));
      if (next === 'timeout') {
        if (sink.hasUncommitted() && !sink.insideTransaction()) await commit();
        const report = progress.take();
        if (report) await reportProgress(report);
        if (Date.now() - lastReceiveAt > idleLimitMs && !cancelled.aborted) {
          const seconds = Math.round((Date.now() - lastReceiveAt) / 1000);
          throw Object.assign(
            new Error(
              received
                ? `nothing, not even a heartbeat, arrived from vtgate ${config.source.vtgate.address} for ` +
                    `${seconds} s; reconnecting`
                : `vtgate ${config.source.vtgate.address} sent no first event within ${seconds} s of the VStream ` +
                    'call (no serving tablet yet, or vtgate is stuck); retrying',
            ),
            { retryable: true, kind: 'unavailable' },
          );
        }
        continue;
      }
      if (next.done) {
        if (sink.insideTransaction()) {
          // The call ended mid-transaction (cancellation, or the server went away): drop the partial one.
          await sink.rollback();
          progress.rolledBack();
          return cancelled.aborted ? 'cancelled' : 'source-ended';
        }
        if (sink.hasUncommitted()) await commit();
        return cancelled.aborted ? 'cancelled' : 'source-ended';
      }
      const item = next.value;
      await sink.write(item);
      progress.observe(item);
      if (item.kind === 'rows' && item.copy) {
        metrics.copyRows.inc(
          { stream, table: `${item.schema.keyspace}.${item.schema.table}` },
          item.changes.length,
        );
        metrics.copyInProgress.set({ stream }, 1);
      } else if (item.kind === 'copyCompleted' && item.keyspace === null) {
        metrics.copyInProgress.set({ stream }, 0);
      }
      if (item.kind !== 'heartbeat') {
        lastDataAt = Date.now();
        progress.warn(null);
      } else if (Date.now() - lastDataAt >= heartbeatOnlyMs) {
        const seconds = Math.round((Date.now() - lastDataAt) / 1000);
        const idleFor = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
        const message =
          `only heartbeats for ${idleFor}: the source is idle, or vttablet's throttler is holding the ` +
          'stream back (vtgate does not say which)';
        if (progress.warnedWith() === null) log.warn({ idleSeconds: seconds }, message);
        progress.warn(message);
      }
      if (item.kind === 'heartbeat' && !sink.hasUncommitted() && !sink.insideTransaction())
        progress.caughtUp();
      if (item.kind === 'copyCompleted' && item.keyspace === null) log.info('copy phase completed');
      if (sink.hasUncommitted() && !sink.insideTransaction()) {
        batchStartedAt ??= Date.now();
        if (sink.shouldCommit() || Date.now() >= deadline || cancelled.aborted) await commit();
      }
      // A report held back by the interval goes out once it is due, also when only heartbeats arrive.
      const due = progress.take();
      if (due) await reportProgress(due);
    }
  } finally {
    clearInterval(heartbeatTimer);
    cancelled.removeEventListener('abort', onCancel);
    streamAbort.abort();
    await items.close();
    connection.close();
  }
}
