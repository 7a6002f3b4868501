import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { classifyVStreamError } from './errors.js';
import { decodeVStreamResponse, type VStreamResponse } from './proto.js';

export interface ReadVStreamOptions {
  /** vtgate address, for error messages. */
  address: string;
  /**
   * Undecoded bytes we hold before pausing the gRPC stream (HTTP/2 flow control then holds back vtgate).
   * One message is always accepted even when it alone is larger.
   */
  maxBufferedBytes?: number;
  /** Called for every response as it arrives off the wire (liveness tracking). */
  onReceive?: (bytes: number) => void;
  /** True when the caller cancelled the call itself: its CANCELLED status then just ends the iteration. */
  cancelled?: () => boolean;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/**
 * Reads a VStream call as an async iterator of decoded responses with byte-counted backpressure: the gRPC
 * stream is paused while more than `maxBufferedBytes` wait for the consumer, so a slow sink never makes the
 * process buffer without bound. Errors come out classified (VStreamError); leaving the loop cancels the call.
 */
export async function* readVStream(
  call: ClientReadableStream<Buffer>,
  options: ReadVStreamOptions,
): AsyncGenerator<VStreamResponse, void, undefined> {
  const limit = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const queue: Buffer[] = [];
  let head = 0;
  let buffered = 0;
  let paused = false;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  call.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    buffered += chunk.length;
    options.onReceive?.(chunk.length);
    if (buffered > limit && !paused) {
      paused = true;
      call.pause();
    }
    notify();
  });
  call.on('error', (err) => {
    failure = err;
    ended = true;
    notify();
  });
  call.on('end', () => {
    ended = true;
    notify();
  });

  try {
    for (;;) {
      if (head < queue.length) {
        const chunk = queue[head]!;
        queue[head++] = undefined as unknown as Buffer;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        buffered -= chunk.length;
        if (paused && buffered <= limit / 2) {
          paused = false;
          call.resume();
        }
        yield decodeVStreamResponse(chunk);
        continue;
      }
      if (ended) {
        const cancelledByUs =
          (failure as { code?: number } | undefined)?.code === status.CANCELLED && options.cancelled?.();
        if (failure !== undefined && !cancelledByUs) throw classifyVStreamError(failure, options.address);
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!ended) {
      // The consumer stopped early (break, error, cancellation): end the call; its CANCELLED is expected.
      call.removeAllListeners('error');
      call.on('error', (err: { code?: number }) => {
        if (err.code !== status.CANCELLED) failure = err;
      });
      call.cancel();
    }
  }
}
