import { EventAssembler, type AssemblerOptions } from './assembler.js';
import type { VtgateConnection } from './connection.js';
import type { StreamItem } from './events.js';
import type { VStreamRequestInit } from './proto.js';
import { readVStream } from './reader.js';

export interface StreamChangesOptions extends AssemblerOptions {
  /** Undecoded bytes buffered before the gRPC stream is paused (see readVStream). */
  maxBufferedBytes?: number;
  /** Called whenever anything arrives from vtgate (liveness watchdogs). */
  onReceive?: (bytes: number) => void;
  /** Aborting ends the call; the iterator then finishes (or throws what was already wrong). */
  signal?: AbortSignal;
}

/**
 * Opens one VStream call and yields its events as StreamItems: decoded rows in source-transaction frames,
 * positions only where they are safe to checkpoint. Backpressure reaches vtgate through gRPC flow control
 * when the consumer is slower than the stream. Breaking out of the loop cancels the call.
 */
export async function* streamChanges(
  connection: VtgateConnection,
  request: VStreamRequestInit,
  options: StreamChangesOptions = {},
): AsyncGenerator<StreamItem, void, undefined> {
  const assembler = new EventAssembler(options);
  const call = connection.openVStream(request);
  const abort = () => call.cancel();
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) call.cancel();
  try {
    const out: StreamItem[] = [];
    for await (const response of readVStream(call, {
      address: connection.address,
      maxBufferedBytes: options.maxBufferedBytes,
      onReceive: options.onReceive,
      cancelled: () => options.signal?.aborted ?? false,
    })) {
      for (const event of response.events) {
        assembler.push(event, out);
        if (out.length > 0) {
          for (const item of out) yield item;
          out.length = 0;
        }
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
