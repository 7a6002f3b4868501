/**
 * Pulls from an async iterator with a time limit per pull, without ever calling next() twice concurrently: a
 * pull that times out stays pending and is picked up by the next call. Lets a consumer act on idle time
 * (commit a batch after max delay, heartbeat, watchdog) while it waits for the stream.
 */
export class TimedIterator<T> {
  private pending: Promise<IteratorResult<T>> | undefined;

  constructor(private readonly iterator: AsyncIterator<T>) {}

  /** The next result, or `'timeout'` if nothing arrived within `timeoutMs`. */
  async next(timeoutMs: number): Promise<IteratorResult<T> | 'timeout'> {
    this.pending ??= this.iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
    });
    try {
      const result = await Promise.race([this.pending, timeout]);
      if (result !== 'timeout') this.pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the iterator; a pull still pending is awaited (and its failure ignored) first. */
  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) await pending.catch(() => undefined);
    await this.iterator.return?.().catch(() => undefined);
  }
}
