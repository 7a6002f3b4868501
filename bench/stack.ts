// The moving parts of the end-to-end benchmarks (bench/e2e.ts, bench/recovery.ts): a worker as a child process
// (`node bin/vstream-relay.js worker`, configured through its environment like a deployed one), a listener that
// timestamps every checkpoint commit, a VStream source that replays recorded test-vtgate responses, and the
// 10-column `commerce.orders` table the load is made of (the rows of bench/sink-data.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import type { StreamConfigInput } from '../src/config/stream-config.js';
import type { PostgresServer } from '../src/devtools/postgres-server.js';
import { startWorkerProcess, type WorkerProcess } from '../src/devtools/worker-process.js';
import type { TestVtgate } from '../src/devtools/vtgate/index.js';
import { migrateControlSchema } from '../src/sink/control-schema.js';
import { VtgateConnection } from '../src/vstream/connection.js';
import { VEventType } from '../src/vstream/constants.js';
import {
  VSTREAM_METHOD_PATH,
  decodeVStreamRequest,
  decodeVStreamResponse,
  encodeVStreamRequest,
  encodeVStreamResponse,
} from '../src/vstream/proto.js';
import { buildVStreamRequest } from '../src/vstream/request.js';
import { Vgtid } from '../src/vstream/vgtid.js';
import { stopSignal } from '../src/workflows/definitions.js';
import { vstreamToPostgres } from '../src/workflows/stream-workflow.js';
import { rowValues } from './sink-data.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the benchmarks need of a PostgreSQL cluster (a started one, or the test harness's). */
export type BenchPostgres = Pick<PostgresServer, 'createDatabase' | 'connectionString'> &
  Partial<Pick<PostgresServer, 'pid'>>;

export interface BenchTemporal {
  address: string;
  namespace: string;
}

// -------------------------------------------------------------------------------------------------
// The source table: bench/sink-data.ts's columns as MySQL DDL, one shard.

export const KEYSPACE = 'commerce';
export const TABLE = 'orders';
const COLUMN_NAMES = [
  'id',
  'email',
  'quantity',
  'price',
  'created_at',
  'status',
  'score',
  'note',
  'flags',
  'payload',
];
export const ORDERS_COLUMNS = [
  'id bigint not null primary key',
  'email varchar(120) null',
  'quantity int null',
  'price decimal(12,2) null',
  'created_at datetime(6) null',
  "status enum('new','paid','shipped') null",
  'score double null',
  'note text null',
  'flags bigint unsigned null',
  'payload json null',
];

export function ordersKeyspace() {
  return { name: KEYSPACE, shards: ['-'], tables: [{ name: TABLE, columns: ORDERS_COLUMNS }] };
}

/** Row `i` of bench/sink-data.ts as the test vtgate takes it. */
export function orderRow(i: number): Record<string, unknown> {
  const values = rowValues(i);
  return Object.fromEntries(COLUMN_NAMES.map((name, c) => [name, values[c]]));
}

/** The shard's transaction number in a MySQL56 GTID set `…:1-N` (one shard, one server). */
export function gtidSeq(gtid: string): number {
  const match = /[-:](\d+)$/.exec(gtid);
  if (!match) throw new Error(`unexpected GTID set ${gtid}`);
  return Number(match[1]);
}

// -------------------------------------------------------------------------------------------------
// Worker child process

export type WorkerChild = WorkerProcess;

/** Starts a worker process (src/devtools/worker-process.ts) with `env` on top of ours. */
export function startWorkerChild(options: {
  temporal: BenchTemporal;
  taskQueue: string;
  logDir: string;
  name: string;
  env: Record<string, string>;
  /** Write a V8 CPU profile of the worker's main thread into this folder when it exits. */
  cpuProfileDir?: string;
}): Promise<WorkerChild> {
  return startWorkerProcess({
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    logFile: path.join(options.logDir, `${options.name}.log`),
    env: options.env,
    nodeArgs: options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [],
    shutdownGraceSeconds: 5,
    readyTimeoutMs: 90_000,
    stopTimeoutMs: 20_000,
  });
}

/** A temp folder for worker logs (kept with KEEP_BENCH_LOGS=1). */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return {
    dir,
    remove: () => {
      if (!process.env.KEEP_BENCH_LOGS) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Temporal

export interface TemporalClient {
  client: Client;
  close(): Promise<void>;
}

export async function connectTemporalClient(temporal: BenchTemporal): Promise<TemporalClient> {
  const connection = await Connection.connect({ address: temporal.address });
  return {
    client: new Client({ connection, namespace: temporal.namespace }),
    close: () => connection.close(),
  };
}

export type StreamHandle = WorkflowHandle<typeof vstreamToPostgres>;

export async function startStream(
  temporal: TemporalClient,
  taskQueue: string,
  config: StreamConfigInput,
): Promise<StreamHandle> {
  return temporal.client.workflow.start(vstreamToPostgres, {
    taskQueue,
    workflowId: `vstream-${config.streamId}`,
    args: [{ config }],
  });
}

/** Stops the stream (drain and complete); terminates it if that takes longer than `timeoutMs`. */
export async function stopStream(handle: StreamHandle, timeoutMs = 30_000): Promise<void> {
  try {
    await handle.signal(stopSignal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    const outcome = await Promise.race([handle.result().then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') await handle.terminate('benchmark over');
  } catch {
    await handle.terminate('benchmark over').catch(() => undefined);
  }
}

/** A stream config for the benchmarks: mirror mode, starting at `start` (no copy phase). */
export function benchStreamConfig(options: {
  streamId: string;
  vtgateAddress: string;
  start: Vgtid;
  pgUrlEnv: string;
  maxDelayMs: number;
  /** sink.batch.maxRows; the config's default when not given. */
  maxRows?: number;
  heartbeatTimeoutSeconds?: number;
}): StreamConfigInput {
  return {
    streamId: options.streamId,
    source: {
      vtgate: { address: options.vtgateAddress },
      keyspaces: [{ name: KEYSPACE }],
      heartbeatIntervalSeconds: 1,
    },
    snapshot: { mode: 'never' },
    startVgtid: options.start.serialize(),
    sink: {
      postgres: { url: `env:${options.pgUrlEnv}` },
      mode: 'mirror',
      batch: {
        maxDelayMs: options.maxDelayMs,
        ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
      },
    },
    run: {
      heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds ?? 30,
      retryInitialSeconds: 1,
      retryMaxSeconds: 5,
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Commit timestamps

export interface CommitEvent {
  /** performance.now() when the notification arrived: the commit is visible to any reader by then. */
  at: number;
  streamId: string;
  epoch: number;
  batchSeq: number;
  /** The committed position of the (only) shard: its last applied source transaction. */
  seq: number | null;
}

const CHANNEL = 'vsr_bench_commit';

/**
 * Creates the sink's control schema in `url` with a trigger on its checkpoint table that sends a NOTIFY on every
 * claim and batch commit. Notifications are delivered when the sink's transaction commits, so their arrival time
 * is when the batch became visible; the worker itself is not touched (one pg_notify per batch).
 */
export async function installCommitTrigger(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrateControlSchema(client, 'vstream_relay');
    await client.query(`
      CREATE OR REPLACE FUNCTION public.vsr_bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${CHANNEL}', json_build_object(
          's', NEW.stream_id, 'e', NEW.epoch, 'b', NEW.batch_seq, 'v', NEW.vgtid)::text);
        RETURN NULL;
      END $$`);
    await client.query(`
      CREATE TRIGGER vsr_bench_notify AFTER INSERT OR UPDATE ON vstream_relay.checkpoints
      FOR EACH ROW EXECUTE FUNCTION public.vsr_bench_notify()`);
  } finally {
    await client.end();
  }
}

/** Listens for the trigger's notifications and keeps every event, in arrival order. */
export class CommitListener {
  readonly events: CommitEvent[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly client: pg.Client) {}

  private failure: Error | undefined;

  static async open(url: string): Promise<CommitListener> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const listener = new CommitListener(client);
    client.on('notification', (msg) => listener.onNotification(msg));
    client.on('error', (err) => {
      listener.failure ??= err;
      for (const w of listener.waiters.splice(0)) w();
    });
    await client.query(`LISTEN ${CHANNEL}`);
    return listener;
  }

  private onNotification(msg: pg.Notification): void {
    const at = performance.now();
    const p = JSON.parse(msg.payload ?? '{}') as {
      s: string;
      e: number;
      b: number;
      v: { shard_gtids?: { gtid?: string }[] } | null;
    };
    const gtid = p.v?.shard_gtids?.[0]?.gtid;
    this.events.push({
      at,
      streamId: p.s,
      epoch: Number(p.e),
      batchSeq: Number(p.b),
      seq: gtid ? gtidSeq(gtid) : null,
    });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the first event (from index `from` on) that satisfies `ok`; rejects after `timeoutMs`. */
  async waitFor(
    what: string,
    ok: (e: CommitEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<CommitEvent> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.events.length; i++) if (ok(this.events[i]!)) return this.events[i]!;
      if (this.failure) throw new Error(`the commit listener's connection failed: ${this.failure.message}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

// -------------------------------------------------------------------------------------------------
// Recorded source

/** One source transaction as the test vtgate sent it: its responses (usually one) and its position. */
export interface RecordedTransaction {
  responses: Buffer[];
  seq: number;
  rows: number;
}

/**
 * Reads the test vtgate's VStream from `start` until the transaction at `untilSeq` has been sent, keeping the
 * raw response bytes grouped by source transaction.
 */
export async function recordTransactions(
  vtgate: TestVtgate,
  start: Vgtid,
  untilSeq: number,
): Promise<RecordedTransaction[]> {
  const connection = new VtgateConnection({ address: vtgate.address });
  const call = connection.openVStream(
    buildVStreamRequest(
      { keyspaces: [{ name: KEYSPACE }], tabletType: 'primary' },
      { kind: 'vgtid', vgtid: start },
    ),
  );
  const out: RecordedTransaction[] = [];
  let pending: Buffer[] = [];
  let rows = 0;
  try {
    for await (const chunk of call) {
      const bytes = chunk as Buffer;
      pending.push(bytes);
      let seq: number | undefined;
      let committed = false;
      for (const event of decodeVStreamResponse(bytes).events) {
        if (event.type === VEventType.ROW) rows += event.rowEvent?.rowChanges.length ?? 0;
        if (event.type === VEventType.VGTID) seq = gtidSeq(event.vgtid!.shardGtids[0]!.gtid);
        if (event.type === VEventType.COMMIT) committed = true;
      }
      if (!committed) continue;
      if (seq === undefined) throw new Error('a recorded transaction has no VGTID');
      out.push({ responses: pending, seq, rows });
      pending = [];
      rows = 0;
      if (seq >= untilSeq) break;
    }
  } finally {
    call.cancel();
    connection.close();
  }
  return out;
}

export interface ReplaySchedule {
  transactions: readonly RecordedTransaction[];
  /** Transactions per second; Infinity sends them as fast as gRPC flow control lets through. */
  ratePerSecond: number;
}

/**
 * A VStream server that sends recorded test-vtgate responses, byte for byte, to the first call (a vtgate HEARTBEAT
 * every second when idle), so that the load is served without the test vtgate rendering it on this machine's
 * two cores while the worker runs. `sentAt[i]` is when transaction i was handed to gRPC (performance.now()).
 */
export class ReplayVtgate {
  readonly sentAt: number[] = [];
  calls = 0;
  /** When the first response was written, and when the last transaction was. */
  firstSentAt: number | undefined;
  lastSentAt: number | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started!: () => void;
  /** Resolves when a worker's call arrives. */
  readonly callStarted = new Promise<void>((resolve) => (this.started = resolve));

  private constructor(
    private readonly schedule: ReplaySchedule,
    readonly address: string,
    private readonly server: grpc.Server,
  ) {}

  static async start(schedule: ReplaySchedule): Promise<ReplayVtgate> {
    const holder: { replay?: ReplayVtgate } = {};
    const server = new grpc.Server();
    server.addService(
      {
        VStream: {
          path: VSTREAM_METHOD_PATH,
          requestStream: false,
          responseStream: true,
          requestSerialize: encodeVStreamRequest,
          requestDeserialize: decodeVStreamRequest,
          responseSerialize: (bytes: Buffer) => bytes,
          responseDeserialize: (bytes: Buffer) => bytes,
        },
      },
      {
        VStream: (call: grpc.ServerWritableStream<unknown, Buffer>) => void holder.replay!.serve(call),
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const replay = new ReplayVtgate(schedule, `127.0.0.1:${port}`, server);
    holder.replay = replay;
    return replay;
  }

  private async serve(call: grpc.ServerWritableStream<unknown, Buffer>): Promise<void> {
    if (++this.calls > 1) {
      // The recording starts with the table's FIELD event: it cannot resume a stream from another position.
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'replay serves one call only' });
      return;
    }
    this.started();
    let lastWrite = performance.now();
    const write = async (bytes: Buffer) => {
      lastWrite = performance.now();
      if (call.write(bytes)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          call.off('drain', done);
          call.off('close', done);
          resolve();
        };
        call.on('drain', done);
        call.on('close', done);
      });
    };
    this.heartbeatTimer = setInterval(() => {
      if (performance.now() - lastWrite < 1_000 || call.cancelled) return;
      const now = Date.now();
      void write(
        encodeVStreamResponse({
          events: [
            {
              type: VEventType.HEARTBEAT,
              timestamp: Math.floor(now / 1000),
              currentTime: (BigInt(now) * 1_000_000n).toString(),
            },
          ],
        }),
      );
    }, 250);
    const { transactions, ratePerSecond } = this.schedule;
    const started = performance.now();
    this.firstSentAt = started;
    for (let i = 0; i < transactions.length; i++) {
      if (this.stopped || call.cancelled) return;
      if (Number.isFinite(ratePerSecond)) {
        const due = started + (i * 1000) / ratePerSecond;
        const wait = due - performance.now();
        if (wait >= 1) await sleep(wait);
      }
      for (const bytes of transactions[i]!.responses) await write(bytes);
      this.sentAt.push(performance.now());
    }
    this.lastSentAt = performance.now();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1_000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Fresh database on the cluster; `env` gets the name of the variable the worker finds its URL in. */
export async function benchDatabase(
  server: BenchPostgres,
  name: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const url = await server.createDatabase(name);
  return {
    name,
    url,
    async drop() {
      const admin = new pg.Client({ connectionString: server.connectionString() });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** The current position of the vtgate's keyspace, as a Vgtid. */
export function currentPosition(vtgate: TestVtgate): Vgtid {
  return Vgtid.fromProto(vtgate.currentVgtid([KEYSPACE]));
}

/** Quantile q (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

// -------------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; zeros elsewhere)

const TICKS_PER_SECOND = 100;

function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), from field 3 (state) on.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by each process and, for `withChildren`, its direct children alive now. */
export function cpuSeconds(pids: { pid: number; withChildren?: boolean }[]): number[] {
  let all: { pid: number; ppid: number; ticks: number }[] | undefined;
  const children = (parent: number) => {
    all ??= fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => {
        const stat = procStat(Number(name));
        return stat ? [{ pid: Number(name), ...stat }] : [];
      });
    return all.filter((p) => p.ppid === parent).reduce((n, p) => n + p.ticks, 0);
  };
  if (!fs.existsSync('/proc/self/stat')) return pids.map(() => 0);
  return pids.map(({ pid, withChildren }) => {
    const own = procStat(pid)?.ticks ?? 0;
    return (own + (withChildren ? children(pid) : 0)) / TICKS_PER_SECOND;
  });
}
