import { describe, expect, it } from 'vitest';
import { StreamMetrics } from '../../../src/worker/metrics.js';

describe('StreamMetrics', () => {
  it('reports seconds since the last event at scrape time, per stream', async () => {
    const metrics = new StreamMetrics();
    metrics.eventReceived('orders', Date.now() - 42_000);
    metrics.eventReceived('users', Date.now());
    const text = await metrics.registry.metrics();
    const since = (stream: string) =>
      Number(
        new RegExp(`vstream_relay_seconds_since_last_event\\{stream="${stream}"\\} ([0-9.]+)`).exec(
          text,
        )?.[1],
      );
    expect(since('orders')).toBeGreaterThanOrEqual(42);
    expect(since('orders')).toBeLessThan(60);
    expect(since('users')).toBeLessThan(5);
    expect(text).toMatch(/vstream_relay_last_event_timestamp_seconds\{stream="orders"\} \d+/);
  });

  it('exposes copy progress and fenced writes by stream', async () => {
    const metrics = new StreamMetrics();
    metrics.copyRows.inc({ stream: 'orders', table: 'commerce.customer' }, 250);
    metrics.copyInProgress.set({ stream: 'orders' }, 1);
    metrics.fencedWrites.inc({ stream: 'orders' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('vstream_relay_copy_rows_total{stream="orders",table="commerce.customer"} 250');
    expect(text).toContain('vstream_relay_copy_in_progress{stream="orders"} 1');
    expect(text).toContain('vstream_relay_fenced_writes_total{stream="orders"} 1');
  });
});
