// Pins vtgate heartbeats (only when asked, only when idle) and the fault-injection knobs.
import { describe, expect, it } from 'vitest';
import { VEventType, VtrpcCode } from '../../../src/vstream/proto.js';
import { CUSTOMER, request, rowImages, stream, vtgate } from './helpers.js';

const options = { keyspaces: [{ name: 'ks', tables: [CUSTOMER] }], heartbeatUnitMs: 20 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('heartbeats', () => {
  it('sends vtgate HEARTBEATs after heartbeat_interval idle units, without keyspace or shard', async () => {
    const v = await vtgate(options);
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], { flags: { heartbeatInterval: 1 } }),
    );
    await s.count(VEventType.HEARTBEAT, 2);
    const hb = s.events.find((e) => e.type === VEventType.HEARTBEAT)!;
    expect([hb.keyspace, hb.shard]).toEqual(['', '']);
    expect(Math.abs(Number(hb.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(hb.currentTime)).toBeGreaterThan(Number(hb.timestamp) * 1e9 - 1e9);
    expect(s.responses.find((r) => r.events[0]!.type === VEventType.HEARTBEAT)!.events).toHaveLength(1);
  });

  it('stays silent when heartbeat_interval is 0', async () => {
    const v = await vtgate(options);
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    await sleep(80);
    expect(s.types(true)).toEqual(['VGTID', 'OTHER']);
  });
});

describe('faults', () => {
  it('fails a stream after N events with the chosen code', async () => {
    const v = await vtgate(options);
    v.faults.breakStream({ afterEvents: 5, code: VtrpcCode.INTERNAL, message: 'boom' });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    for (let i = 1; i <= 5; i++) v.insert('customer', { id: i, name: 'x' });
    await s.end();
    expect(s.error?.code).toBe(VtrpcCode.INTERNAL);
    expect(s.error?.details).toBe('boom');
    expect(s.events.length).toBeGreaterThanOrEqual(5);
    expect(s.events.length).toBeLessThan(12);
  });

  it('ends a stream cleanly at a chosen event, and refuses new calls', async () => {
    const v = await vtgate(options);
    v.faults.breakStream({ when: (e) => e.type === VEventType.ROW, action: 'end' });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.insert('customer', { id: 1, name: 'x' });
    await s.end();
    expect(s.error).toBeUndefined();
    expect(s.types().at(-1)).toBe('COMMIT');

    v.faults.rejectCalls(1);
    const rejected = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await rejected.end();
    expect(rejected.error?.code).toBe(VtrpcCode.UNAVAILABLE);
    const fine = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await fine.count(VEventType.OTHER, 1);
    expect(v.faults.failStreams(VtrpcCode.UNAVAILABLE)).toBe(1);
    await fine.end();
    expect(fine.error?.code).toBe(VtrpcCode.UNAVAILABLE);
  });

  it('stalls data while heartbeats keep flowing, then delivers it', async () => {
    const v = await vtgate(options);
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], { flags: { heartbeatInterval: 1 } }),
    );
    await s.count(VEventType.OTHER, 1);
    v.faults.stall(400);
    v.insert('customer', { id: 1, name: 'x' });
    await s.count(VEventType.HEARTBEAT, 3);
    expect(rowImages(s.events)).toHaveLength(0);
    await s.count(VEventType.COMMIT, 1);
    expect(rowImages(s.events)).toHaveLength(1);
  });

  it('slows responses down for a bounded time', async () => {
    const v = await vtgate(options);
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.faults.slowDown(40, 1000);
    const started = Date.now();
    v.insert('customer', { id: 1, name: 'x' });
    v.insert('customer', { id: 2, name: 'y' });
    await s.count(VEventType.COMMIT, 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    v.faults.reset();
  });
});
