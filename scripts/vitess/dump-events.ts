// Prints the raw VStream events of any vtgate (a real one or our test vtgate) as JSON lines, for comparing the
// two side by side:
//
//   npx tsx scripts/vitess/dump-events.ts --address 127.0.0.1:15001 --keyspace commerce [--shards 0]
//       [--start copy|current|'<vgtid json>'] [--match /.*/] [--seconds 10] [--heartbeat 0]
import { parseArgs } from 'node:util';
import { VtgateConnection } from '../../src/vstream/connection.js';
import {
  QueryType,
  TabletType,
  VEventType,
  decodeVStreamResponse,
  int64ToNumber,
  type Field,
  type Row,
  type VEvent,
  type VStreamRequestInit,
} from '../../src/vstream/proto.js';

const EVENT_NAMES = Object.fromEntries(Object.entries(VEventType).map(([k, v]) => [v, k]));
const TYPE_NAMES = Object.fromEntries(Object.entries(QueryType).map(([k, v]) => [v, k]));

/** A row's cells as text (binary-looking cells as hex). */
export function rowCells(row: Row | null): (string | null)[] | null {
  if (!row) return null;
  const out: (string | null)[] = [];
  let offset = 0;
  for (const length of row.lengths) {
    if (length < 0) {
      out.push(null);
      continue;
    }
    const bytes = Buffer.from(row.values.subarray(offset, offset + length));
    offset += length;
    const text = bytes.toString('utf8');
    // Text when it is valid UTF-8 without control bytes below TAB; hex otherwise.
    const printable = bytes.every((b) => b >= 0x09) && Buffer.from(text, 'utf8').equals(bytes);
    out.push(printable ? text : `0x${bytes.toString('hex')}`);
  }
  return out;
}

export function describeField(f: Field): Record<string, unknown> {
  return {
    name: f.name,
    type: TYPE_NAMES[f.type] ?? f.type,
    columnType: f.columnType,
    charset: f.charset,
    columnLength: f.columnLength,
    decimals: f.decimals,
    flags: f.flags,
    table: f.table,
    orgTable: f.orgTable,
    database: f.database,
    orgName: f.orgName,
  };
}

/** One event as a compact plain object (what differs between servers is what we print). */
export function describeEvent(e: VEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { type: EVENT_NAMES[e.type] ?? e.type };
  if (e.keyspace) out.keyspace = e.keyspace;
  if (e.shard) out.shard = e.shard;
  if (e.gtid) out.gtid = e.gtid;
  if (e.statement) out.statement = e.statement;
  const ts = int64ToNumber(e.timestamp);
  if (ts) out.timestamp = ts;
  if (e.fieldEvent) {
    out.table = e.fieldEvent.tableName;
    out.enumSetStringValues = e.fieldEvent.enumSetStringValues;
    out.fields = e.fieldEvent.fields.map(describeField);
    out.fieldKeyspace = e.fieldEvent.keyspace;
    out.fieldShard = e.fieldEvent.shard;
  }
  if (e.rowEvent) {
    out.table = e.rowEvent.tableName;
    out.flags = e.rowEvent.flags;
    out.rowKeyspace = e.rowEvent.keyspace;
    out.rowShard = e.rowEvent.shard;
    out.changes = e.rowEvent.rowChanges.map((c) => ({
      before: rowCells(c.before),
      after: rowCells(c.after),
    }));
  }
  if (e.vgtid) {
    out.vgtid = e.vgtid.shardGtids.map((s) => ({
      keyspace: s.keyspace,
      shard: s.shard,
      gtid: s.gtid,
      ...(s.tablePKs.length > 0
        ? {
            tablePKs: s.tablePKs.map((t) => ({
              table: t.tableName,
              fields: t.lastpk?.fields.map((f) => `${f.name}:${TYPE_NAMES[f.type] ?? f.type}`),
              rows: t.lastpk?.rows.map(rowCells),
            })),
          }
        : {}),
    }));
  }
  if (e.lastPKEvent) out.lastPKEvent = e.lastPKEvent;
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      keyspace: { type: 'string', default: 'commerce' },
      shards: { type: 'string' },
      start: { type: 'string', default: 'current' },
      match: { type: 'string', default: '/.*/' },
      seconds: { type: 'string', default: '10' },
      heartbeat: { type: 'string', default: '0' },
    },
  });
  if (!values.address) throw new Error('--address host:port is required');
  const shards = values.shards?.split(',') ?? [''];
  const gtid = values.start === 'copy' ? '' : values.start === 'current' ? 'current' : undefined;
  const vgtid =
    gtid === undefined
      ? JSON.parse(values.start)
      : { shardGtids: shards.map((shard) => ({ keyspace: values.keyspace, shard, gtid })) };
  const request: VStreamRequestInit = {
    tabletType: TabletType.PRIMARY,
    vgtid,
    filter: { rules: [{ match: values.match, filter: '' }] },
    flags: { heartbeatInterval: Number(values.heartbeat) },
  };
  const connection = new VtgateConnection({ address: values.address });
  const call = connection.openVStream(request);
  const timer = setTimeout(() => call.cancel(), Number(values.seconds) * 1000);
  let response = 0;
  try {
    for await (const chunk of call as AsyncIterable<Buffer>) {
      response++;
      for (const event of decodeVStreamResponse(chunk).events) {
        process.stdout.write(`${JSON.stringify({ response, ...describeEvent(event) })}\n`);
      }
    }
  } catch (err) {
    if (!/Cancelled/i.test(String(err))) process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
