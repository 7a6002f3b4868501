// A VStream proxy for bad-input tests: it forwards every call to an upstream vtgate (the test vtgate) and passes
// each event through `mutate`, so a test can make the stream say what no well-behaved vtgate says — a ROW whose
// FIELD never came, a row with a cell missing, a value that does not decode — and watch how the stream copes.
import * as grpc from '@grpc/grpc-js';
import { VSTREAM_SERVICE } from '../../src/devtools/vtgate/index.js';
import {
  VSTREAM_METHOD_PATH,
  decodeVStreamResponse,
  encodeVStreamRequest,
  type VEvent,
  type VStreamRequest,
  type VStreamResponse,
} from '../../src/vstream/proto.js';

/** Returns the event (possibly changed), or null to drop it. */
export type EventMutation = (event: VEvent) => VEvent | null;

export interface VStreamProxy {
  address: string;
  /** Applied to every event of every call while set. */
  mutate: EventMutation | undefined;
  /** Events the current mutation changed or dropped. */
  readonly mutated: number;
  close(): Promise<void>;
}

export async function startVStreamProxy(upstream: string): Promise<VStreamProxy> {
  const client = new grpc.Client(upstream, grpc.credentials.createInsecure());
  const state = { mutate: undefined as EventMutation | undefined, mutated: 0 };
  const calls = new Set<grpc.ServerWritableStream<VStreamRequest, VStreamResponse>>();

  const handler = (call: grpc.ServerWritableStream<VStreamRequest, VStreamResponse>) => {
    calls.add(call);
    const up = client.makeServerStreamRequest<VStreamRequest, VStreamResponse>(
      VSTREAM_METHOD_PATH,
      (request) => Buffer.from(encodeVStreamRequest(request)),
      (bytes) => decodeVStreamResponse(bytes),
      call.request,
      call.metadata,
    );
    call.on('cancelled', () => up.cancel());
    up.on('data', (response: VStreamResponse) => {
      const mutate = state.mutate;
      if (mutate) {
        const events: VEvent[] = [];
        for (const event of response.events) {
          const out = mutate(event);
          if (out !== event) state.mutated++;
          if (out) events.push(out);
        }
        response.events = events;
      }
      if (!call.cancelled && !call.writableEnded) call.write(response);
    });
    up.on('error', (err: grpc.ServiceError) => {
      calls.delete(call);
      if (err.code === grpc.status.CANCELLED && call.cancelled) return;
      if (!call.cancelled && !call.writableEnded)
        call.emit('error', { code: err.code, details: err.details });
    });
    up.on('end', () => {
      calls.delete(call);
      if (!call.cancelled && !call.writableEnded) call.end();
    });
  };

  const server = new grpc.Server();
  server.addService(VSTREAM_SERVICE, { VStream: handler });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    get mutate() {
      return state.mutate;
    },
    set mutate(fn: EventMutation | undefined) {
      state.mutate = fn;
      state.mutated = 0;
    },
    get mutated() {
      return state.mutated;
    },
    async close() {
      for (const call of calls)
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'proxy closing' });
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
      client.close();
    },
  };
}
