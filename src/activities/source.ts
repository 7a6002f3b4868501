import type { StreamConfig } from '../config/stream-config.js';
import type { SecretResolver } from '../worker/secrets.js';
import { VtgateConnection } from '../vstream/connection.js';
import type { StartPosition, StreamSource } from '../vstream/request.js';
import { Vgtid, checkVgtidCoversConfig } from '../vstream/vgtid.js';
import type { VgtidJsonValue } from '../workflows/definitions.js';

/** The request-builder view of a stream config. */
export function streamSource(config: StreamConfig): StreamSource {
  const s = config.source;
  return {
    keyspaces: s.keyspaces,
    tabletType: s.tabletType,
    cells: s.cells,
    cellPreference: s.cellPreference,
    tabletOrder: s.tabletOrder,
    tables: s.tables,
    heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
    stopOnReshard: s.stopOnReshard,
    includeReshardJournalEvents: s.includeReshardJournalEvents,
    minimizeSkew: s.minimizeSkew,
    tablesToCopy: config.snapshot.mode === 'tables' ? config.snapshot.tables : undefined,
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
): StartPosition {
  if (checkpoint) {
    if (known.batchSeq > checkpoint.batchSeq) {
      throw new PositionError(
        `the sink's checkpoint (batch ${checkpoint.batchSeq}) is older than the position this stream already ` +
          `reached (batch ${known.batchSeq}): the target database was restored or replaced. Start the stream over with a fresh snapshot.`,
      );
    }
    const vgtid = Vgtid.fromJSON(checkpoint.vgtid);
    checkVgtidCoversConfig(vgtid, config.source);
    return { kind: 'vgtid', vgtid };
  }
  if (known.vgtid !== null) {
    throw new PositionError(
      'the sink has no checkpoint for this stream although it committed batches before: the control schema was ' +
        'dropped or another database is configured. Start the stream over with a fresh snapshot.',
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
