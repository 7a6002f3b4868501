import type { StreamConfig } from '../config/stream-config.js';
import type { SecretResolver } from '../worker/secrets.js';
import { VtgateConnection } from '../vstream/connection.js';
import type { StartPosition, StreamSource } from '../vstream/request.js';
import { Vgtid, checkVgtidCoversConfig } from '../vstream/vgtid.js';
import type { VgtidJsonValue } from '../workflows/definitions.js';

/**
 * The request-builder view of a stream config for a run starting at `start`. While anything is being copied the
 * stream reads from PRIMARY whatever the configured tablet type: a copy (or copy resume) on a replica can skip
 * rows silently (a cold schema engine there tails instead of copying), and the copy must see committed data.
 */
export function streamSource(
  config: StreamConfig,
  start: StartPosition = { kind: 'current' },
  snapshot: { resyncing: readonly string[] } = { resyncing: [] },
): StreamSource {
  const s = config.source;
  const copying =
    start.kind === 'copy' ||
    (start.kind === 'vgtid' && start.vgtid.shards().some((p) => p.tablePKs.length > 0));
  // A resync copies just its tables: without tables_to_copy, vttablet would copy every other selected table again.
  const resyncTables = [...new Set(snapshot.resyncing.map((label) => label.slice(label.indexOf('.') + 1)))];
  const tablesToCopy =
    resyncTables.length > 0
      ? resyncTables
      : config.snapshot.mode === 'tables'
        ? config.snapshot.tables
        : undefined;
  return {
    keyspaces: s.keyspaces,
    tabletType: copying ? 'primary' : s.tabletType,
    cells: s.cells,
    cellPreference: s.cellPreference,
    tabletOrder: s.tabletOrder,
    tables: s.tables,
    heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
    // A reshard during a copy: vtgate would move to the new shards without the copy's progress and the rows not
    // copied yet would never arrive. Ending the call at the journal lets the sink carry the progress over.
    stopOnReshard: copying || s.stopOnReshard,
    includeReshardJournalEvents: s.includeReshardJournalEvents,
    minimizeSkew: s.minimizeSkew,
    tablesToCopy,
    transactionChunkSizeBytes: s.transactionChunkSizeBytes,
    excludeKeyspaceFromTableName: s.excludeKeyspaceFromTableName,
    callerId: { principal: 'vstream-relay', component: config.streamId },
  };
}

/** A channel to the configured vtgate, credentials resolved on the worker. */
export function connectVtgate(
  config: StreamConfig,
  resolveSecret: SecretResolver,
  warn: (message: string) => void,
): VtgateConnection {
  const v = config.source.vtgate;
  return new VtgateConnection({
    address: v.address,
    tls: v.tls,
    auth: v.auth
      ? { username: v.auth.username, password: resolveSecret(v.auth.password, 'source.vtgate.auth.password') }
      : undefined,
    metadata: v.metadata,
    keepaliveMs: v.keepaliveSeconds * 1000,
    maxReceiveMessageBytes: v.maxReceiveMessageBytes,
    connectTimeoutMs: v.connectTimeoutSeconds * 1000,
    warn,
  });
}

export class PositionError extends Error {
  override readonly name = 'PositionError';
  readonly kind = 'position';
  readonly retryable = false;
}

/**
 * Where a run starts. The sink's checkpoint is the truth (it commits with the data); the workflow's position is
 * a cross-check: if the workflow has seen a later batch than the sink holds, the target database was restored or
 * replaced, and streaming on would silently skip or repeat changes — so we stop and say so.
 */
export function startPosition(
  config: StreamConfig,
  checkpoint: { vgtid: VgtidJsonValue; batchSeq: number } | null,
  known: { vgtid: VgtidJsonValue | null; batchSeq: number },
  snapshot: { generation: number } = { generation: 0 },
): StartPosition {
  if (checkpoint) {
    if (known.batchSeq > checkpoint.batchSeq) {
      throw new PositionError(
        `the sink's checkpoint (batch ${checkpoint.batchSeq}) is older than the position this stream already ` +
          `reached (batch ${known.batchSeq}): the target database was restored or replaced. Start over with a fresh snapshot: ` +
          `\`vstream-relay resume ${config.streamId} --resnapshot\`.`,
      );
    }
    const vgtid = Vgtid.fromJSON(checkpoint.vgtid);
    checkVgtidCoversConfig(vgtid, config.source);
    return { kind: 'vgtid', vgtid };
  }
  // A resnapshot forgot the position on purpose: copy again, whatever the snapshot mode says.
  if (snapshot.generation > 0) return { kind: 'copy' };
  if (known.vgtid !== null) {
    throw new PositionError(
      'the sink has no checkpoint for this stream although it committed batches before: the control schema was ' +
        'dropped or another database is configured. Start over with a fresh snapshot: ' +
        `\`vstream-relay resume ${config.streamId} --resnapshot\`.`,
    );
  }
  if (config.snapshot.mode === 'never') {
    if (config.startVgtid === undefined) return { kind: 'current' };
    const vgtid = Vgtid.parse(config.startVgtid);
    checkVgtidCoversConfig(vgtid, config.source);
    return { kind: 'vgtid', vgtid };
  }
  return { kind: 'copy' };
}
