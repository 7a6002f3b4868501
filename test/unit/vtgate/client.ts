// A tiny raw grpc-js VStream client for pinning the test vtgate's behaviour (deliberately not the
// product client). It records every response and the final status.
import * as grpc from '@grpc/grpc-js';
import {
  VEventType,
  VSTREAM_METHOD_PATH,
  decodeVStreamResponse,
  encodeVStreamRequest,
  vEventTypeName,
  type VEvent,
  type VStreamRequestInit,
  type VStreamResponse,
} from '../../../src/vstream/proto.js';

export interface OpenOptions {
  metadata?: Record<string, string>;
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

export class RawStream {
  readonly responses: VStreamResponse[] = [];
  error: grpc.ServiceError | undefined;
  ended = false;
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientReadableStream<VStreamResponse>;
  private waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  constructor(address: string, request: VStreamRequestInit, options: OpenOptions = {}) {
    this.client = new grpc.Client(
      address,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.channelOptions,
    );
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.add(k, v);
    this.call = this.client.makeServerStreamRequest(
      VSTREAM_METHOD_PATH,
      encodeVStreamRequest,
      decodeVStreamResponse,
      request,
      metadata,
    );
    this.call.on('data', (r: VStreamResponse) => {
      this.responses.push(r);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.call.on('error', (err: grpc.ServiceError) => {
        this.error = err;
        this.ended = true;
        this.wake();
        resolve();
      });
      this.call.on('end', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  get events(): VEvent[] {
    return this.responses.flatMap((r) => r.events);
  }

  /** Event types in order, e.g. ['VGTID', 'OTHER']; HEARTBEATs left out unless asked for. */
  types(withHeartbeats = false): string[] {
    return this.events
      .filter((e) => withHeartbeats || e.type !== VEventType.HEARTBEAT)
      .map((e) => vEventTypeName(e.type));
  }

  /** Resolves once `done(events)` is true; rejects after `timeoutMs` or when the stream ends first. */
  async until(done: (events: VEvent[]) => boolean, timeoutMs = 3000): Promise<VEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done(this.events)) return this.events;
      if (this.ended)
        throw new Error(
          `stream ended (${this.error?.code ?? 'OK'} ${this.error?.details ?? ''}) before the condition; got ${this.types(true).join(',')}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.types(true).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(finish, left);
        function finish() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(() => {
          this.waiters.clear();
          finish();
        });
      });
    }
  }

  /** Waits until at least `n` events of `type` have arrived. */
  count(type: number, n: number, timeoutMs?: number): Promise<VEvent[]> {
    return this.until((evs) => evs.filter((e) => e.type === type).length >= n, timeoutMs);
  }

  async end(timeoutMs = 3000): Promise<void> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('stream did not end')), timeoutMs).unref(),
      ),
    ]);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

export function openStream(address: string, request: VStreamRequestInit, options?: OpenOptions): RawStream {
  return new RawStream(address, request, options);
}
