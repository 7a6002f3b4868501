// Shared helpers for the test vtgate's own tests.
import { afterEach } from 'vitest';
import { TabletType, type Row, type VEvent, type VStreamRequestInit } from '../../../src/vstream/proto.js';
import {
  startTestVtgate,
  type TestVtgate,
  type TestVtgateOptions,
} from '../../../src/devtools/vtgate/index.js';
import { openStream, type OpenOptions, type RawStream } from './client.js';

const open: { vtgates: TestVtgate[]; streams: RawStream[] } = { vtgates: [], streams: [] };

afterEach(async () => {
  for (const s of open.streams.splice(0)) s.close();
  await Promise.all(open.vtgates.splice(0).map((v) => v.close()));
});

/** Starts a test vtgate that is closed after the test. */
export async function vtgate(options: TestVtgateOptions): Promise<TestVtgate> {
  const v = await startTestVtgate(options);
  open.vtgates.push(v);
  return v;
}

/** Opens a raw stream that is cancelled after the test. */
export function stream(v: TestVtgate, request: VStreamRequestInit, options?: OpenOptions): RawStream {
  const s = openStream(v.address, request, options);
  open.streams.push(s);
  return s;
}

type ShardGtidArg = { keyspace: string; shard?: string; gtid: string; tablePKs?: unknown[] };

/** A PRIMARY VStream request for the given shard positions. */
export function request(
  shardGtids: ShardGtidArg[],
  extra: Partial<VStreamRequestInit> = {},
): VStreamRequestInit {
  return { tabletType: TabletType.PRIMARY, vgtid: { shardGtids: shardGtids as never }, ...extra };
}

/** Cells of a decoded row as text (null for NULL). */
export function cells(row: Row | null | undefined): (string | null)[] {
  if (!row) return [];
  const out: (string | null)[] = [];
  let offset = 0;
  for (const len of row.lengths) {
    if (len < 0) out.push(null);
    else {
      out.push(Buffer.from(row.values.subarray(offset, offset + len)).toString('utf8'));
      offset += len;
    }
  }
  return out;
}

/** The "after" images (or "before" for deletes) of every ROW event, as text cells. */
export function rowImages(events: readonly VEvent[], table?: string): (string | null)[][] {
  return events
    .filter((e) => e.rowEvent && (!table || e.rowEvent.tableName === table))
    .flatMap((e) => e.rowEvent!.rowChanges.map((rc) => cells(rc.after ?? rc.before)));
}

/** Shard → gtid of a VGTID event. */
export function positions(event: VEvent): Record<string, string> {
  return Object.fromEntries(event.vgtid!.shardGtids.map((g) => [`${g.keyspace}/${g.shard}`, g.gtid]));
}

export const CUSTOMER = {
  name: 'customer',
  columns: [
    'id bigint unsigned primary key',
    'name varchar(32) not null',
    "tier enum('free','pro','enterprise') not null default 'free'",
    'balance decimal(10,2) null',
  ],
};

export const PRODUCT = {
  name: 'product',
  columns: ['sku varchar(16) primary key', 'price double null', 'weight float null'],
};
