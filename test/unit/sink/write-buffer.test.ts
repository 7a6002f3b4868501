import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SinkDatabaseError } from '../../../src/sink/errors.js';
import { planForSchema } from '../../../src/sink/schema-evolution.js';
import { buildTableShape } from '../../../src/sink/table-shape.js';
import { WriteBuffer } from '../../../src/sink/write-buffer.js';
import { col, pk, tableSchema } from './fixtures.js';

const schema = tableSchema('t', [pk(col.bigint('id')), col.text('note')]);
const mapping = planForSchema(undefined, schema, {
  targetSchema: 'ks',
  mirror: true,
  tablesWithoutKey: 'fail',
}).mapping;
const shape = buildTableShape(mapping, schema, true);

/** A client whose queries settle only when the test says so, recording the order they were handed over in. */
function fakeClient() {
  const sent: string[] = [];
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const client = {
    query(config: { text: string }) {
      sent.push(config.text.split(' ')[0]!);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  return { client: client as unknown as pg.ClientBase, sent, pending };
}

function bufferWithRows(client: pg.ClientBase): WriteBuffer {
  const writes = new WriteBuffer(client, 'vstream_relay', 's', null);
  const batch = writes.mirrorBatch(shape)!;
  batch.delete(['1']);
  batch.upsert(['2', 'x']);
  return writes;
}

describe('WriteBuffer background flush', () => {
  it('hands every statement over at once, in order, and lets the caller go on', async () => {
    const { client, sent, pending } = fakeClient();
    const writes = bufferWithRows(client);
    await writes.flush(1);
    expect(sent).toEqual(['DELETE', 'INSERT']);
    expect(writes.busy).toBe(true);
    expect(writes.isEmpty).toBe(true);
    let drained = false;
    const drain = writes.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    for (const p of pending) p.resolve();
    await drain;
    expect(writes.busy).toBe(false);
  });

  it('reports the first failure at the next drain, and the next flush waits for the one in flight', async () => {
    const { client, sent, pending } = fakeClient();
    const writes = bufferWithRows(client);
    await writes.flush(1);
    writes.mirrorBatch(shape)!.upsert(['3', 'y']);
    const next = writes.flush(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['DELETE', 'INSERT']);
    pending[0]!.reject(new Error('first'));
    pending[1]!.reject(new Error('current transaction is aborted'));
    const error = await next.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SinkDatabaseError);
    expect((error as SinkDatabaseError).cause).toEqual(new Error('first'));
    expect(sent).toEqual(['DELETE', 'INSERT']);
  });

  it('settle() returns the failure of the flush in flight instead of throwing', async () => {
    const { client, pending } = fakeClient();
    const writes = bufferWithRows(client);
    await writes.flush(1);
    pending[0]!.resolve();
    pending[1]!.reject(new Error('boom'));
    const error = await writes.settle();
    expect(error).toBeInstanceOf(SinkDatabaseError);
    expect(await writes.settle()).toBeUndefined();
    await expect(writes.drain()).resolves.toBeUndefined();
  });
});
