import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of the worker's streams. One registry per process; every series carries the stream id so
 * one worker can run many streams.
 */
export class StreamMetrics {
  readonly registry = new Registry();
  readonly rowsApplied = new Counter({
    name: 'vstream_relay_rows_applied_total',
    help: 'Row changes applied to Postgres',
    labelNames: ['stream', 'table', 'op'] as const,
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'vstream_relay_batches_committed_total',
    help: 'Batches committed to Postgres (each with its checkpoint)',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'vstream_relay_batch_commit_seconds',
    help: 'Time to apply and commit one batch',
    labelNames: ['stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly lagSeconds = new Gauge({
    name: 'vstream_relay_replication_lag_seconds',
    help: 'Now minus the source commit time of the newest applied transaction (0 when caught up)',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly lastEventTimestamp = new Gauge({
    name: 'vstream_relay_last_event_timestamp_seconds',
    help: 'When anything (including a heartbeat) last arrived from vtgate',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'vstream_relay_stream_runs_total',
    help: 'VStream runs started (first connect and every reconnect)',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'vstream_relay_stream_failures_total',
    help: 'Stream runs that failed, by kind and whether they are retried',
    labelNames: ['stream', 'kind', 'retryable'] as const,
    registers: [this.registry],
  });

  readonly fencedWrites = new Counter({
    name: 'vstream_relay_fenced_writes_total',
    help: 'Batches refused because another worker claimed the stream (a second writer fenced out)',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly copyRows = new Counter({
    name: 'vstream_relay_copy_rows_total',
    help: 'Rows received from the copy phase (initial snapshot, resnapshot or resync), per table',
    labelNames: ['stream', 'table'] as const,
    registers: [this.registry],
  });
  readonly copyInProgress = new Gauge({
    name: 'vstream_relay_copy_in_progress',
    help: '1 while the stream is copying tables (snapshot or resync), else 0',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  /** Last arrival per stream, for the seconds-since gauge (computed at scrape time). */
  private readonly lastEventAt = new Map<string, number>();
  readonly secondsSinceLastEvent = new Gauge({
    name: 'vstream_relay_seconds_since_last_event',
    help: 'Seconds since anything (including a heartbeat) last arrived from vtgate',
    labelNames: ['stream'] as const,
    registers: [this.registry],
    collect: () => {
      const now = Date.now();
      for (const [stream, at] of this.lastEventAt) {
        this.secondsSinceLastEvent.set({ stream }, (now - at) / 1000);
      }
    },
  });

  /** Something arrived from vtgate for this stream. */
  eventReceived(stream: string, at = Date.now()): void {
    this.lastEventAt.set(stream, at);
    this.lastEventTimestamp.set({ stream }, at / 1000);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vstream_relay_process_' });
  }

  /** Serves /metrics on host:port until the returned close() is called. */
  async serve(port: number, host = '0.0.0.0'): Promise<{ port: number; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const address = server.address();
    return {
      port: typeof address === 'object' && address ? address.port : port,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
}
