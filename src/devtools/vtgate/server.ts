// The test vtgate: a grpc-js server on loopback implementing vtgateservice.Vitess/VStream over our own
// .proto files, backed by the in-memory cluster. Optional static auth (per-call `username`/`password`
// metadata, as vtgate's --grpc-auth-mode=static) and TLS/mTLS.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  VSTREAM_METHOD_PATH,
  VtrpcCode,
  decodeVStreamRequest,
  decodeVStreamResponse,
  encodeVStreamRequest,
  encodeVStreamResponse,
  type VStreamRequest,
} from '../../vstream/proto.js';
import {
  Cluster,
  type DdlOp,
  type KeyspaceDef,
  type ReshardResult,
  type ReshardSpec,
  type RowInput,
  type ShardPosition,
  type TxnOp,
  type TxnResult,
} from './cluster.js';
import { VtgateError, asVtgateError } from './errors.js';
import { FaultController } from './faults.js';
import type { GtidFlavor } from './gtid.js';
import type { ShardGtidInit, VGtidInit, VStreamResponseInit } from './proto-types.js';
import type { CopyBatchInfo } from './tablet-stream.js';
import { VStreamSession } from './vstream.js';

export interface StaticAuthEntry {
  username: string;
  /** Cleartext password, or: */
  password?: string;
  /** Hex SHA256(SHA256(password)), optionally with a leading '*', like vtgate's static auth file. */
  cachingSha2Password?: string;
}

export interface TlsOptions {
  /** PEM server certificate chain and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA for client certificates (mTLS). */
  ca?: string | Buffer;
  /** Refuse clients without a certificate signed by `ca`. Default: true when `ca` is given. */
  requireClientCert?: boolean;
}

export interface TestVtgateHooks {
  /** Awaited before each copy-phase batch is sent; write here to interleave changes with a copy. */
  beforeCopyBatch?: (info: CopyBatchInfo) => void | Promise<void>;
}

export interface TestVtgateOptions {
  keyspaces: KeyspaceDef[];
  /** Loopback only by default. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  auth?: StaticAuthEntry | StaticAuthEntry[];
  tls?: TlsOptions;
  /** GTID flavor of every shard's primary; default MySQL56. */
  gtidFlavor?: GtidFlavor;
  /** vstream_packet_size in bytes (default 250 000, as Vitess). */
  packetSize?: number;
  /** MySQL binlog_row_event_max_size (default 8192): how many rows one ROW event can hold. */
  rowEventMaxBytes?: number;
  /** true (default) = v20+ vttablet: ENUM/SET as text; false = legacy indexes and bitmasks. */
  enumSetAsText?: boolean;
  /** Reproduce the binlog DECIMAL text of Vitess before mid-2026 (".50", "000000005"). Default true. */
  decimalQuirks?: boolean;
  /** Seed of the server UUIDs. */
  seed?: number;
  /** Wall clock in ms for commit timestamps and current_time (default Date.now). */
  clock?: () => number;
  /** Milliseconds per heartbeat_interval unit (default 1000; lower it in tests). */
  heartbeatUnitMs?: number;
  /** Delay before a stop_on_reshard stream ends (default 500 ms, as vtgate). */
  stopOnReshardDelayMs?: number;
  /** Keep at most this many binlog entries per shard (default unlimited). */
  binlogRetention?: number;
  /** Cut each table copy into cycles of N batches with a catch-up in between (default 0 = off). */
  copyCatchupEveryBatches?: number;
  /** vtgate's cell (default "zone1"). */
  cell?: string;
  hooks?: TestVtgateHooks;
}

export interface TestVtgate {
  readonly host: string;
  readonly port: number;
  /** "host:port" for grpc clients. */
  readonly address: string;
  readonly cluster: Cluster;
  readonly faults: FaultController;
  readonly hooks: TestVtgateHooks;
  /** Runs the ops as one transaction (one binlog transaction per touched shard). */
  run(ops: TxnOp[]): TxnResult;
  insert(table: string, rows: RowInput | RowInput[], options?: { keyspace?: string }): TxnResult;
  update(
    table: string,
    where: RowInput | RowInput[],
    set: RowInput,
    options?: { keyspace?: string },
  ): TxnResult;
  delete(table: string, where: RowInput | RowInput[], options?: { keyspace?: string }): TxnResult;
  ddl(op: DdlOp): ShardPosition[];
  reshard(spec: ReshardSpec): ReshardResult;
  /** A position-only statement on the shards (vstreamer forwards it as VGTID + OTHER). */
  other(keyspace: string, shards?: string[]): ShardPosition[];
  /** Purges binlogs, keeping each shard's last `keep` transactions (default none). */
  purgeBinlogs(target?: { keyspace?: string; shard?: string; keep?: number }): void;
  /** Purges each listed shard up to its position in the VGTID (resuming there still works). */
  purgeBefore(vgtid: VGtidInit | ShardGtidInit[]): void;
  /** The current position of every serving shard, as a VGTID to start a stream from. */
  currentVgtid(keyspaces?: string[]): VGtidInit;
  rows(table: string, options?: { keyspace?: string }): Record<string, string | Buffer | null>[];
  /** Streams currently open. */
  readonly activeStreams: number;
  /** The last VStream requests received (at most 50, oldest first), as decoded; for asserting what clients ask. */
  readonly requests: readonly VStreamRequest[];
  close(): Promise<void>;
}

/** The VStream method with our protobufjs codecs, for grpc-js. */
export const VSTREAM_SERVICE: grpc.ServiceDefinition = {
  VStream: {
    path: VSTREAM_METHOD_PATH,
    requestStream: false,
    responseStream: true,
    requestSerialize: encodeVStreamRequest,
    requestDeserialize: decodeVStreamRequest,
    responseSerialize: (msg: VStreamResponseInit) => encodeVStreamResponse(msg),
    responseDeserialize: decodeVStreamResponse,
    originalName: 'VStream',
  },
};

function checkAuth(entries: readonly StaticAuthEntry[], metadata: grpc.Metadata): VtgateError | null {
  const username = metadata.get('username')[0];
  const password = metadata.get('password')[0];
  if (username === undefined || password === undefined) {
    return new VtgateError(VtrpcCode.UNAUTHENTICATED, 'username and password must be provided');
  }
  const user = String(username);
  const pass = Buffer.from(String(password));
  for (const entry of entries) {
    if (entry.username !== user) continue;
    if (!entry.password && entry.cachingSha2Password) {
      const stage1 = createHash('sha256').update(pass).digest();
      const hashed = createHash('sha256').update(stage1).digest();
      const expected = Buffer.from(entry.cachingSha2Password.replace(/^\*/, ''), 'hex');
      if (expected.length === hashed.length && timingSafeEqual(expected, hashed)) return null;
    } else if (entry.password !== undefined) {
      const expected = Buffer.from(entry.password);
      if (expected.length === pass.length && timingSafeEqual(expected, pass)) return null;
    }
  }
  return new VtgateError(
    VtrpcCode.PERMISSION_DENIED,
    `auth failure: caller "${user}" provided invalid credentials`,
  );
}

function fail(call: grpc.ServerWritableStream<VStreamRequest, VStreamResponseInit>, err: VtgateError): void {
  if (call.cancelled || call.writableEnded) return;
  call.emit('error', { code: err.code, details: err.message } satisfies Partial<grpc.StatusObject>);
}

/** Starts a test vtgate on loopback; `close()` it when done. */
export async function startTestVtgate(options: TestVtgateOptions): Promise<TestVtgate> {
  const clock = options.clock ?? Date.now;
  const cell = options.cell ?? 'zone1';
  const cluster = new Cluster(options.keyspaces, {
    gtidFlavor: options.gtidFlavor ?? 'MySQL56',
    seed: options.seed ?? 1,
    clock,
    binlogRetention: options.binlogRetention ?? Infinity,
    cell,
  });
  const faults = new FaultController();
  const hooks: TestVtgateHooks = { ...options.hooks };
  const authEntries = options.auth ? (Array.isArray(options.auth) ? options.auth : [options.auth]) : null;
  const sessions = new Set<VStreamSession>();
  const requests: VStreamRequest[] = [];
  const sessionOptions = {
    cell,
    heartbeatUnitMs: options.heartbeatUnitMs ?? 1000,
    stopOnReshardDelayMs: options.stopOnReshardDelayMs ?? 500,
    tablet: {
      packetSize: options.packetSize ?? 250_000,
      rowEventMaxBytes: options.rowEventMaxBytes ?? 8192,
      encode: { enumSetAsText: options.enumSetAsText ?? true, decimalQuirks: options.decimalQuirks ?? true },
      clock,
      copyCatchupEveryBatches: options.copyCatchupEveryBatches ?? 0,
      beforeCopyBatch: (info: CopyBatchInfo) => hooks.beforeCopyBatch?.(info),
    },
  };

  const handler = (call: grpc.ServerWritableStream<VStreamRequest, VStreamResponseInit>) => {
    requests.push(call.request);
    if (requests.length > 50) requests.shift();
    const denied = authEntries ? checkAuth(authEntries, call.metadata) : null;
    if (denied) return fail(call, denied);
    const rejection = faults.takeRejection();
    if (rejection) return fail(call, new VtgateError(rejection.code, rejection.message));

    const sink = (response: VStreamResponseInit): Promise<void> => {
      if (call.cancelled || call.writableEnded) return Promise.resolve();
      if (call.write(response)) return Promise.resolve();
      return new Promise((resolve) => {
        const events = ['drain', 'cancelled', 'close'] as const;
        const done = () => {
          for (const e of events) call.off(e, done);
          resolve();
        };
        for (const e of events) call.on(e, done);
      });
    };
    const session = new VStreamSession(cluster, call.request, sessionOptions, sink, faults);
    sessions.add(session);
    call.on('cancelled', () => session.cancel());
    session
      .run()
      .then(
        () => {
          if (!call.cancelled && !call.writableEnded) call.end();
        },
        (err: unknown) => fail(call, asVtgateError(err)),
      )
      .finally(() => sessions.delete(session));
  };

  const server = new grpc.Server();
  server.addService(VSTREAM_SERVICE, { VStream: handler });
  const host = options.host ?? '127.0.0.1';
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(
        options.tls.ca ? Buffer.from(options.tls.ca) : null,
        [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
        options.tls.requireClientCert ?? options.tls.ca !== undefined,
      )
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, credentials, (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );

  let closed = false;
  return {
    host,
    port,
    address: `${host}:${port}`,
    cluster,
    faults,
    hooks,
    run: (ops) => cluster.execute(ops),
    insert: (table, rows, o) => cluster.execute([{ op: 'insert', table, rows, keyspace: o?.keyspace }]),
    update: (table, where, set, o) =>
      cluster.execute([{ op: 'update', table, where, set, keyspace: o?.keyspace }]),
    delete: (table, where, o) => cluster.execute([{ op: 'delete', table, where, keyspace: o?.keyspace }]),
    ddl: (op) => cluster.ddl(op),
    reshard: (spec) => cluster.reshard(spec),
    other: (keyspace, shards) => cluster.other(keyspace, shards),
    purgeBinlogs: (target) => cluster.purge(target),
    purgeBefore: (vgtid) => cluster.purgeBefore(Array.isArray(vgtid) ? vgtid : (vgtid.shardGtids ?? [])),
    currentVgtid: (keyspaces) => ({ shardGtids: cluster.currentPositions(keyspaces) }),
    rows: (table, o) => cluster.rows(table, o?.keyspace),
    get activeStreams() {
      return sessions.size;
    },
    get requests() {
      return [...requests];
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Like a vtgate going away: open streams fail with UNAVAILABLE, clients reconnect elsewhere.
      for (const s of sessions) s.terminate('fail', VtrpcCode.UNAVAILABLE, 'vtgate is shutting down');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
